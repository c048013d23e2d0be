//! What the tutor knows about English and about Vietnamese learners, without a model:
//! words and their edits, error types, spelling, Harper's rules, CEFR word lists, the
//! confusion sets a learner's sentence is checked against, what is Vietnamese and must be
//! kept, and the Vietnamese explanation templates.
//!
//! Nothing here calls the engine or the store; the tasks above combine it with the model.

pub mod cefr;
pub mod confusions;
pub mod edits;
pub mod error_types;
pub mod explain_vi;
pub mod lexicon;
pub mod rules;
pub mod sentences;
pub mod spelling;
pub mod tokens;
pub mod vietnamese;
