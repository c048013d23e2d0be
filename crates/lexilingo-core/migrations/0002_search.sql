-- Full-text search over a learner's sentences, corrections and the Vietnamese explanations.
-- unicode61 with remove_diacritics 2 folds tone marks, so "gioi tu" also finds "giới từ" for a
-- learner typing without a Vietnamese keyboard. "đ" is a letter of its own, not a d with a mark,
-- so the application stores and queries it folded to "d" (and the backfill below does the same).
CREATE VIRTUAL TABLE attempt_search USING fts5(
    text,
    corrected,
    explanations,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO attempt_search (rowid, text, corrected, explanations)
SELECT a.id,
       replace(replace(a.text, 'đ', 'd'), 'Đ', 'D'),
       replace(replace(coalesce(a.corrected, ''), 'đ', 'd'), 'Đ', 'D'),
       replace(replace(coalesce((SELECT group_concat(e.original || ' ' || e.replacement || ' ' || e.explanation_vi, ' ')
                                 FROM edits e WHERE e.attempt_id = a.id), ''), 'đ', 'd'), 'Đ', 'D')
FROM attempts a;

CREATE TRIGGER attempt_search_delete AFTER DELETE ON attempts BEGIN
    DELETE FROM attempt_search WHERE rowid = old.id;
END;
