-- Whether the tutor was sure of an edit: the model found the corrected sentence clearly more
-- likely with it (crate::tasks::correction::mark_sure). Only an attempt with a sure edit gets a
-- Review card, and a card is graded by its sure edits. Edits saved before this existed made
-- cards already, so they count as sure.
ALTER TABLE edits ADD COLUMN sure INTEGER NOT NULL DEFAULT 1;
