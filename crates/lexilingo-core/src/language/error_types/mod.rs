//! The fixed set of error types, and a rule-based classifier for an edit ([`classify`]).
//!
//! The set is chosen for Vietnamese learners: Vietnamese has no verb conjugation, no articles,
//! no plural inflection and often no copula before adjectives, so those get their own types
//! rather than disappearing into "grammar".

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of mistake an edit fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    /// Wrong tense (go → went).
    VerbTense,
    /// The verb does not agree with its subject (she don't → she doesn't).
    SubjectVerbAgreement,
    /// Wrong form of a verb (can goes → can go, have saw → have seen).
    VerbForm,
    /// Missing "to be" before an adjective, noun or -ing (she happy → she is happy).
    MissingBe,
    /// Singular/plural of a noun (two apple → two apples).
    NounNumber,
    /// a / an / the.
    Article,
    /// in / on / at / to …
    Preposition,
    /// Words in the wrong order.
    WordOrder,
    /// A wrong word for the meaning.
    WordChoice,
    /// Right word family, wrong form (happy → happiness, quick → quickly).
    WordForm,
    /// Misspelt word.
    Spelling,
    /// Commas, full stops, question marks, apostrophes.
    Punctuation,
    /// Upper/lower case.
    Capitalization,
    /// A needed word is missing.
    MissingWord,
    /// A word that should not be there.
    ExtraWord,
    /// I / me / my / mine …
    Pronoun,
    /// 's and of.
    Possessive,
    /// Comparative and superlative forms.
    Comparison,
    /// can / could / must / should …
    ModalVerb,
    /// to do vs doing.
    GerundInfinitive,
    /// much / many / few / little / some / any.
    Quantifier,
    /// and / but / because / so …
    Conjunction,
    /// not / no / never and double negatives.
    Negation,
    /// Question word order and auxiliaries.
    QuestionForm,
    /// None of the above.
    Other,
}

impl ErrorType {
    /// Every type, in display order.
    pub const ALL: [ErrorType; 25] = [
        ErrorType::VerbTense,
        ErrorType::SubjectVerbAgreement,
        ErrorType::VerbForm,
        ErrorType::MissingBe,
        ErrorType::NounNumber,
        ErrorType::Article,
        ErrorType::Preposition,
        ErrorType::WordOrder,
        ErrorType::WordChoice,
        ErrorType::WordForm,
        ErrorType::Spelling,
        ErrorType::Punctuation,
        ErrorType::Capitalization,
        ErrorType::MissingWord,
        ErrorType::ExtraWord,
        ErrorType::Pronoun,
        ErrorType::Possessive,
        ErrorType::Comparison,
        ErrorType::ModalVerb,
        ErrorType::GerundInfinitive,
        ErrorType::Quantifier,
        ErrorType::Conjunction,
        ErrorType::Negation,
        ErrorType::QuestionForm,
        ErrorType::Other,
    ];

    /// The snake_case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::VerbTense => "verb_tense",
            ErrorType::SubjectVerbAgreement => "subject_verb_agreement",
            ErrorType::VerbForm => "verb_form",
            ErrorType::MissingBe => "missing_be",
            ErrorType::NounNumber => "noun_number",
            ErrorType::Article => "article",
            ErrorType::Preposition => "preposition",
            ErrorType::WordOrder => "word_order",
            ErrorType::WordChoice => "word_choice",
            ErrorType::WordForm => "word_form",
            ErrorType::Spelling => "spelling",
            ErrorType::Punctuation => "punctuation",
            ErrorType::Capitalization => "capitalization",
            ErrorType::MissingWord => "missing_word",
            ErrorType::ExtraWord => "extra_word",
            ErrorType::Pronoun => "pronoun",
            ErrorType::Possessive => "possessive",
            ErrorType::Comparison => "comparison",
            ErrorType::ModalVerb => "modal_verb",
            ErrorType::GerundInfinitive => "gerund_infinitive",
            ErrorType::Quantifier => "quantifier",
            ErrorType::Conjunction => "conjunction",
            ErrorType::Negation => "negation",
            ErrorType::QuestionForm => "question_form",
            ErrorType::Other => "other",
        }
    }

    /// The type's name in Vietnamese, for labels.
    pub fn name_vi(self) -> &'static str {
        match self {
            ErrorType::VerbTense => "Thì của động từ",
            ErrorType::SubjectVerbAgreement => "Hoà hợp chủ ngữ – động từ",
            ErrorType::VerbForm => "Dạng của động từ",
            ErrorType::MissingBe => "Thiếu động từ “to be”",
            ErrorType::NounNumber => "Danh từ số ít / số nhiều",
            ErrorType::Article => "Mạo từ (a / an / the)",
            ErrorType::Preposition => "Giới từ",
            ErrorType::WordOrder => "Trật tự từ",
            ErrorType::WordChoice => "Dùng từ",
            ErrorType::WordForm => "Loại từ",
            ErrorType::Spelling => "Chính tả",
            ErrorType::Punctuation => "Dấu câu",
            ErrorType::Capitalization => "Viết hoa",
            ErrorType::MissingWord => "Thiếu từ",
            ErrorType::ExtraWord => "Thừa từ",
            ErrorType::Pronoun => "Đại từ",
            ErrorType::Possessive => "Sở hữu cách",
            ErrorType::Comparison => "So sánh",
            ErrorType::ModalVerb => "Động từ khuyết thiếu",
            ErrorType::GerundInfinitive => "V-ing hay to V",
            ErrorType::Quantifier => "Từ chỉ số lượng",
            ErrorType::Conjunction => "Liên từ",
            ErrorType::Negation => "Câu phủ định",
            ErrorType::QuestionForm => "Câu hỏi",
            ErrorType::Other => "Lỗi khác",
        }
    }

    /// The type's name in English, for the English UI (the same labels as [`Self::name_vi`]).
    pub fn name_en(self) -> &'static str {
        match self {
            ErrorType::VerbTense => "Verb tense",
            ErrorType::SubjectVerbAgreement => "Subject–verb agreement",
            ErrorType::VerbForm => "Verb form",
            ErrorType::MissingBe => "Missing “to be”",
            ErrorType::NounNumber => "Singular / plural",
            ErrorType::Article => "Article (a / an / the)",
            ErrorType::Preposition => "Preposition",
            ErrorType::WordOrder => "Word order",
            ErrorType::WordChoice => "Word choice",
            ErrorType::WordForm => "Word form",
            ErrorType::Spelling => "Spelling",
            ErrorType::Punctuation => "Punctuation",
            ErrorType::Capitalization => "Capitalisation",
            ErrorType::MissingWord => "Missing word",
            ErrorType::ExtraWord => "Extra word",
            ErrorType::Pronoun => "Pronoun",
            ErrorType::Possessive => "Possessive",
            ErrorType::Comparison => "Comparison",
            ErrorType::ModalVerb => "Modal verb",
            ErrorType::GerundInfinitive => "-ing or to + verb",
            ErrorType::Quantifier => "Quantifier",
            ErrorType::Conjunction => "Conjunction",
            ErrorType::Negation => "Negation",
            ErrorType::QuestionForm => "Question form",
            ErrorType::Other => "Other",
        }
    }
}

impl std::str::FromStr for ErrorType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorType::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| format!("unknown error type `{s}`"))
    }
}

/// The UI's names for the error types, written from [`ErrorType::name_vi`] and
/// [`ErrorType::name_en`] by `cargo test` beside the ts-rs bindings, so the window, the
/// browser and the CLI name a type the same way in each language (scripts/test fails when the
/// committed file is out of date).
#[cfg(test)]
mod ui_names {
    use super::ErrorType;

    #[test]
    fn export_error_type_names_for_the_ui() {
        let mut out = String::from(
            "// Generated by `cargo test` from lexilingo-core's ErrorType::name_vi / name_en. Do not edit.\n\
             import type { ErrorType } from \"./ErrorType\";\n\n\
             /** Each error type's display name: [Vietnamese, English]. */\n\
             export const ERROR_TYPE_NAMES: Record<ErrorType, [string, string]> = {\n",
        );
        for t in ErrorType::ALL {
            out.push_str(&format!(
                "  {}: [{:?}, {:?}],\n",
                t.as_str(),
                t.name_vi(),
                t.name_en()
            ));
        }
        out.push_str("};\n");
        crate::write_ui_binding("ErrorTypeNames.ts", &out);
    }
}

mod classify;
#[cfg(test)]
mod tests;

pub use classify::{classify, same_letters};
