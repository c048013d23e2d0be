-- The first schema: attempts with their edits as rows, conversations and their turns, and one
-- spaced-repetition card per wrong sentence. Times are Unix milliseconds, UTC.
CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT    NOT NULL UNIQUE,
    scenario    TEXT    NOT NULL,
    level       TEXT    NOT NULL CHECK (level IN ('A1','A2','B1','B2','C1','C2')),
    model_id    TEXT    NOT NULL,
    started_at  INTEGER NOT NULL
);

CREATE TABLE turns (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('user','assistant')),
    content         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (conversation_id, position)
);

CREATE TABLE attempts (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT    NOT NULL UNIQUE,
    text            TEXT    NOT NULL,
    mode            TEXT    NOT NULL CHECK (mode IN ('practice','dialogue')),
    model_id        TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    fluency         REAL    CHECK (fluency IS NULL OR (fluency >= 0 AND fluency <= 5)),
    fluency_reason  TEXT,
    cefr            TEXT    CHECK (cefr IS NULL OR cefr IN ('A1','A2','B1','B2','C1','C2')),
    corrected       TEXT,
    latency_ms      INTEGER NOT NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE CASCADE
);
CREATE INDEX attempts_by_time ON attempts (created_at DESC);
CREATE INDEX attempts_by_level ON attempts (cefr, created_at DESC);
CREATE INDEX attempts_by_conversation ON attempts (conversation_id);

CREATE TABLE edits (
    id             INTEGER PRIMARY KEY,
    attempt_id     INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    start_byte     INTEGER NOT NULL,
    end_byte       INTEGER NOT NULL,
    original       TEXT    NOT NULL,
    replacement    TEXT    NOT NULL,
    error_type     TEXT    NOT NULL,
    explanation_vi TEXT    NOT NULL,
    UNIQUE (attempt_id, position)
);
CREATE INDEX edits_by_type ON edits (error_type, attempt_id);

CREATE TABLE review_cards (
    id             INTEGER PRIMARY KEY,
    attempt_id     INTEGER NOT NULL UNIQUE REFERENCES attempts(id) ON DELETE CASCADE,
    due_at         INTEGER NOT NULL,
    stability      REAL    NOT NULL,
    difficulty     REAL    NOT NULL,
    elapsed_days   INTEGER NOT NULL,
    scheduled_days INTEGER NOT NULL,
    reps           INTEGER NOT NULL,
    lapses         INTEGER NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('new','learning','review','relearning')),
    last_review    INTEGER
);
CREATE INDEX review_cards_by_due ON review_cards (due_at);
