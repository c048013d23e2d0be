-- Full-text search over a learner's sentences, corrections and the Vietnamese explanations.
-- unicode61 with remove_diacritics 2 folds tone marks, so "gioi tu" also finds "giới từ" for a
-- learner typing without a Vietnamese keyboard (đ stays distinct: it is a letter, not a mark).
CREATE VIRTUAL TABLE attempt_search USING fts5(
    text,
    corrected,
    explanations,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO attempt_search (rowid, text, corrected, explanations)
SELECT a.id,
       a.text,
       coalesce(a.corrected, ''),
       coalesce((SELECT group_concat(e.original || ' ' || e.replacement || ' ' || e.explanation_vi, ' ')
                 FROM edits e WHERE e.attempt_id = a.id), '')
FROM attempts a;

CREATE TRIGGER attempt_search_delete AFTER DELETE ON attempts BEGIN
    DELETE FROM attempt_search WHERE rowid = old.id;
END;
