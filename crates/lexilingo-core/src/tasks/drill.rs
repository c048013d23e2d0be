//! Drills: "Luyện lỗi này" — a short set of sentences to fix, all with one type of mistake.
//!
//! A drill takes the learner's own past sentences with a sure mistake of that type first (they
//! are the mistakes this learner makes, and each has a saved correction). When there are too
//! few, the model writes new ones at the learner's level, and the tutor checks each before it
//! is shown:
//!
//! 1. the model writes one correct, everyday sentence that uses the grammar point;
//! 2. the tutor checks it and finds no sure mistake in it (otherwise it is dropped: a drill
//!    must not ask the learner to reproduce a mistake of the model's);
//! 3. one mistake of the drilled type is put into it, from the same confusion sets the tutor
//!    corrects with, used the other way round ([`corruptions`]): drop an article, a singular
//!    noun after "two", the base form after "yesterday", …;
//! 4. the tutor corrects the damaged sentence, and the item is kept only when its correction
//!    is the model's sentence again, through a sure edit of the drilled type.
//!
//! So every model item is one the tutor can grade (it finds the mistake and its fix), and the
//! learner is never drilled on a sentence the tutor itself gets wrong. A better model writes
//! better sentences and recovers more of them; nothing here is tuned to one model.
//!
//! A drill answer is graded as a Review card is ([`super::review::grade`]), on the drilled
//! type's edits only: the learner practises one thing at a time. Drill answers do not move a
//! card's review date: a drill is massed practice on one day, which would distort the spacing
//! FSRS computes from reviews.

use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::explanation::{explain_edit, TypeSource};
use super::review::{answer_diff, grade};
use super::Tutor;
use crate::engine::{CancellationToken, ChatMessage, GenerateRequest, Role};
use crate::error::Result;
use crate::language::cefr::CefrLevel;
use crate::language::confusions;
use crate::language::edits::{self, Edit};
use crate::language::error_types::{classify, ErrorType};
use crate::store::{Attempt, ReviewGrade, StoredEdit};

/// A drill asks the model for sentences until it has at least this many items.
pub const DRILL_MIN: usize = 5;
/// A drill never has more items than this.
pub const DRILL_MAX: usize = 10;

/// Where a drill item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum DrillSource {
    /// One of the learner's own past sentences.
    Own,
    /// Written by the model and checked by the tutor.
    Model,
}

/// One sentence to fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct DrillItem {
    /// Where it comes from.
    pub source: DrillSource,
    /// The learner's attempt, for an own sentence.
    #[ts(type = "number | null")]
    pub attempt_id: Option<i64>,
    /// The type of mistake drilled.
    pub error_type: ErrorType,
    /// The sentence with the mistake.
    pub text: String,
    /// Its correction.
    pub expected: String,
    /// The edits of the drilled type that make the correction, with their explanations (the
    /// answer is graded by them).
    pub edits: Vec<StoredEdit>,
}

/// A drill: the learner's own sentences, and how many more the model should write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Drill {
    /// The type of mistake drilled.
    pub error_type: ErrorType,
    /// The learner's own sentences with this mistake, newest first (at most [`DRILL_MAX`]).
    pub items: Vec<DrillItem>,
    /// How many sentences the model should add (one `drill item` request each) to reach
    /// [`DRILL_MIN`]; 0 when the learner's own are enough or no mistake of this type can be
    /// made for a model sentence ([`can_generate`]).
    pub more: u32,
}

/// What the learner is told after a drill answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct DrillFeedback {
    /// How the answer was graded (as in Review).
    pub grade: ReviewGrade,
    /// The correction.
    pub expected: String,
    /// From the answer to `expected`: what would still change (empty when they are the same).
    pub diff: Vec<Edit>,
    /// Why, in Vietnamese: the explanation of each drilled edit.
    pub explanations: Vec<String>,
}

/// The types a mistake can be put into a model sentence for ([`corruptions`] has a way to
/// make them). A drill of another type uses the learner's own sentences only.
pub fn can_generate(t: ErrorType) -> bool {
    matches!(
        t,
        ErrorType::Article
            | ErrorType::NounNumber
            | ErrorType::SubjectVerbAgreement
            | ErrorType::VerbTense
            | ErrorType::MissingBe
            | ErrorType::VerbForm
            | ErrorType::Preposition
            | ErrorType::Pronoun
            | ErrorType::Spelling
    )
}

/// The drill of `error_type` from the learner's attempts that had a sure mistake of that type
/// (newest first): one item per distinct sentence, at most [`DRILL_MAX`].
pub fn drill_from(error_type: ErrorType, attempts: Vec<Attempt>) -> Drill {
    let mut items: Vec<DrillItem> = Vec::new();
    for a in attempts {
        let Some(expected) = a.corrected.clone() else {
            continue;
        };
        let focus: Vec<StoredEdit> = a
            .edits
            .iter()
            .filter(|e| e.sure && e.error_type == error_type)
            .cloned()
            .collect();
        if focus.is_empty() || items.iter().any(|i| edits::same_tokens(&i.text, &a.text)) {
            continue;
        }
        items.push(DrillItem {
            source: DrillSource::Own,
            attempt_id: Some(a.id),
            error_type,
            text: a.text,
            expected,
            edits: focus,
        });
        if items.len() == DRILL_MAX {
            break;
        }
    }
    let more = if can_generate(error_type) {
        DRILL_MIN.saturating_sub(items.len()) as u32
    } else {
        0
    };
    Drill {
        error_type,
        items,
        more,
    }
}

/// Sentences that differ from the correct `sentence` by one mistake of type `target`, the
/// most typical first: the tutor's own confusion sets applied to a correct sentence (each
/// changes it, so each makes a mistake of its set), the learner mistakes the closed sets fix
/// ([`confusions::learner_mistakes`]: a dropped *be*, a base form for a past, …), and two
/// letters swapped for spelling. Only changes whose way back the classifier types as
/// `target` are kept, so the item's type is the one the tutor will give its fix.
pub fn corruptions(sentence: &str, target: ErrorType) -> Vec<String> {
    let mut made: Vec<String> = confusions::candidates(sentence)
        .iter()
        .chain(confusions::broad_candidates(sentence).iter())
        .map(|c| c.apply(sentence))
        .collect();
    made.extend(
        confusions::learner_mistakes(sentence)
            .iter()
            .map(|c| c.apply(sentence)),
    );
    let words = confusions::words(sentence);
    let protected = crate::language::vietnamese::protected_spans(sentence);
    for &(start, end) in &words {
        let word = &sentence[start..end];
        if protected.touches(start, end) {
            continue;
        }
        // Two inner letters swapped in a longer lower-case word: a typing slip.
        let chars: Vec<char> = word.chars().collect();
        if chars.len() >= 5 && chars.iter().all(|c| c.is_ascii_lowercase()) {
            let mut swapped = chars.clone();
            swapped.swap(2, 3);
            if swapped != chars {
                let slip: String = swapped.into_iter().collect();
                made.push(format!("{}{slip}{}", &sentence[..start], &sentence[end..]));
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for wrong in made {
        if wrong == sentence || out.contains(&wrong) {
            continue;
        }
        let back = edits::diff(&wrong, sentence);
        if back.len() == 1 && classify(&wrong, &back[0]) == target {
            out.push(wrong);
        }
    }
    out
}

/// What the model's sentence should use, so the drilled mistake can be made in it.
fn grammar_point(t: ErrorType) -> Option<&'static str> {
    Some(match t {
        ErrorType::Article => "a, an or the before a noun",
        ErrorType::NounNumber => "a number or a word like many or some before a plural noun",
        ErrorType::SubjectVerbAgreement => "he, she or it as the subject of a present-tense verb",
        ErrorType::VerbTense => "a past time word such as yesterday or last week",
        ErrorType::MissingBe => "is, am or are before an adjective",
        ErrorType::VerbForm => "a verb after can, want to or need to",
        ErrorType::Preposition => "in, on or at",
        ErrorType::Pronoun => "me, him, her, us or them",
        _ => return None,
    })
}

/// Everyday topics, one per request, so the sentences differ.
const TOPICS: &[&str] = &[
    "your family",
    "school",
    "food",
    "the weather",
    "a trip",
    "work",
    "a hobby",
    "shopping",
    "the weekend",
    "your city",
    "a friend",
    "the Tet holiday",
];

/// The system prompt for one practice sentence.
pub fn system_prompt(t: ErrorType, level: CefrLevel, topic: &str) -> String {
    let point = grammar_point(t).map_or(String::new(), |p| format!(" It uses {p}."));
    format!(
        "You write practice sentences for a Vietnamese learner of English at CEFR level \
         {level}. Write one short, correct, everyday English sentence of 6 to 12 words about \
         {topic}.{point} Use simple words for A1-A2. Answer in JSON.",
        level = level.as_str(),
    )
}

/// The JSON schema of the model's answer.
pub fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": { "sentence": { "type": "string", "minLength": 10, "maxLength": 120 } },
        "required": ["sentence"],
        "additionalProperties": false
    })
}

#[derive(Deserialize)]
struct Answer {
    sentence: String,
}

/// The model's sentence, if it is one usable English sentence of 4–20 words (mostly words of
/// letters, not numbers) not already in the drill.
fn usable(answer: &str, avoid: &[String]) -> Option<String> {
    let text = super::clean_sentence(answer);
    let first = crate::language::sentences::split(&text)
        .into_iter()
        .next()
        .map(|s| super::clean_sentence(&s.text))?;
    let words = confusions::words(&first);
    let real_words = words
        .iter()
        .filter(|&&(s, e)| first[s..e].chars().all(char::is_alphabetic))
        .count();
    let fine = (4..=20).contains(&words.len())
        && real_words * 4 >= words.len() * 3
        && crate::input::validate(&first).is_ok()
        && !crate::language::vietnamese::is_vietnamese_sentence(&first)
        && !avoid
            .iter()
            .any(|a| edits::same_tokens(&a.to_lowercase(), &first.to_lowercase()));
    // A sentence the model left without its full stop gets one: the learner's answer is
    // compared with it.
    let first = if first.ends_with(['.', '!', '?']) {
        first
    } else {
        format!("{first}.")
    };
    fine.then_some(first)
}

/// How many model sentences one [`Tutor::drill_item`] call tries, and how many mistakes it
/// tries to make in each: the call's cost is bounded (each try is one correction).
const SENTENCE_TRIES: usize = 2;
const CORRUPTION_TRIES: usize = 3;

impl Tutor {
    /// One new drill item of type `t` at `level`, written by the model and checked by the
    /// tutor (see the module doc), differing from the sentences in `avoid`. `seed` picks the
    /// topic and seeds the sampling: the same seed writes the same sentence, another seed
    /// another one. `None` when the model wrote nothing the tutor could make a sure item of
    /// within the bounded tries.
    pub async fn drill_item(
        &self,
        t: ErrorType,
        level: CefrLevel,
        avoid: &[String],
        seed: u32,
        cancel: &CancellationToken,
    ) -> Result<Option<DrillItem>> {
        if !can_generate(t) {
            return Ok(None);
        }
        for attempt in 0..SENTENCE_TRIES as u32 {
            let n = seed.wrapping_add(attempt);
            let topic = TOPICS[n as usize % TOPICS.len()];
            let request = GenerateRequest {
                // A little sampling, seeded per item: greedy decoding writes the same sentence
                // for the same topic every time.
                temperature: 0.7,
                seed: n,
                ..GenerateRequest::json(
                    vec![
                        ChatMessage::new(Role::System, system_prompt(t, level, topic)),
                        ChatMessage::new(Role::User, format!("Write the sentence about {topic}.")),
                    ],
                    schema(),
                    80,
                )
            };
            let generation = self.engine.generate(request, |_| {}, cancel).await?;
            let Ok(answer) = super::parse_json::<Answer>(&generation, 80) else {
                tracing::debug!("drill: unreadable answer {:?}", generation.text);
                continue;
            };
            let Some(sentence) = usable(&answer.sentence, avoid) else {
                tracing::debug!("drill: unusable sentence {:?}", answer.sentence);
                continue;
            };
            let check = self.correct_grammar(&sentence, cancel).await?;
            if check.rejected_rewrite.is_some() || check.edits.iter().any(|e| e.sure) {
                tracing::debug!(
                    "drill: the tutor would correct {sentence:?} to {:?}",
                    check.corrected
                );
                continue;
            }
            let wrongs = corruptions(&sentence, t);
            if wrongs.is_empty() {
                tracing::debug!("drill: no {t:?} mistake can be made in {sentence:?}");
            }
            for wrong in wrongs.into_iter().take(CORRUPTION_TRIES) {
                let fixed = self.correct_grammar(&wrong, cancel).await?;
                let focus: Vec<Edit> = fixed
                    .edits
                    .iter()
                    .filter(|e| e.sure && e.error_type == t)
                    .cloned()
                    .collect();
                if focus.is_empty() || !edits::same_tokens(&fixed.corrected, &sentence) {
                    tracing::debug!(
                        "drill: the tutor corrects {wrong:?} to {:?}",
                        fixed.corrected
                    );
                    continue;
                }
                let edits = focus
                    .into_iter()
                    .map(|e| {
                        let explained = explain_edit(&wrong, e.clone(), TypeSource::Rules);
                        StoredEdit {
                            start: e.start,
                            end: e.end,
                            original: e.original,
                            replacement: e.replacement,
                            error_type: e.error_type,
                            explanation_vi: explained.explanation_vi,
                            sure: true,
                        }
                    })
                    .collect();
                return Ok(Some(DrillItem {
                    source: DrillSource::Model,
                    attempt_id: None,
                    error_type: t,
                    text: wrong,
                    expected: sentence,
                    edits,
                }));
            }
        }
        Ok(None)
    }
}

/// Grades a drill answer by the item's edits (as a Review card is graded), with the diff
/// from the answer to the correction and the explanations.
pub async fn grade_item(tutor: Option<&Tutor>, item: &DrillItem, answer: &str) -> DrillFeedback {
    DrillFeedback {
        grade: grade(tutor, &item.text, &item.expected, &item.edits, answer).await,
        expected: item.expected.clone(),
        diff: answer_diff(answer, &item.expected),
        explanations: item
            .edits
            .iter()
            .map(|e| e.explanation_vi.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(id: i64, text: &str, corrected: &str, edits: Vec<StoredEdit>) -> Attempt {
        Attempt {
            id,
            uuid: format!("u{id}"),
            text: text.into(),
            mode: crate::store::Mode::Practice,
            model_id: "m".into(),
            created_at: id,
            fluency: None,
            fluency_reason: None,
            cefr: None,
            corrected: Some(corrected.into()),
            latency_ms: 0,
            conversation_id: None,
            edits,
        }
    }

    fn edit(text: &str, original: &str, replacement: &str, t: ErrorType, sure: bool) -> StoredEdit {
        let start = if original.is_empty() {
            text.find("student").unwrap_or(0)
        } else {
            text.find(original).expect("in the text")
        };
        StoredEdit {
            start,
            end: start + original.len(),
            original: original.into(),
            replacement: replacement.into(),
            error_type: t,
            explanation_vi: "Giải thích.".into(),
            sure,
        }
    }

    #[test]
    fn own_sentences_come_once_each_with_only_the_drilled_sure_edits() {
        let a = "I am student and I go school.";
        let fixed = "I am a student and I go to school.";
        let both = vec![
            edit(a, "", "a ", ErrorType::Article, true),
            edit(a, "school", "to school", ErrorType::Preposition, true),
        ];
        let unsure = vec![edit("He is teacher.", "", "a ", ErrorType::Article, false)];
        let drill = drill_from(
            ErrorType::Article,
            vec![
                attempt(3, a, fixed, both.clone()),
                attempt(2, a, fixed, both),
                attempt(1, "He is teacher.", "He is a teacher.", unsure),
            ],
        );
        assert_eq!(drill.items.len(), 1, "{drill:?}");
        let item = &drill.items[0];
        assert_eq!(item.attempt_id, Some(3));
        assert_eq!(item.source, DrillSource::Own);
        assert!(item
            .edits
            .iter()
            .all(|e| e.error_type == ErrorType::Article));
        assert_eq!(drill.more, (DRILL_MIN - 1) as u32);
        // A type no mistake can be made for asks the model for nothing.
        assert_eq!(drill_from(ErrorType::WordChoice, vec![]).more, 0);
    }

    #[test]
    fn a_drill_holds_at_most_ten_sentences() {
        let many: Vec<Attempt> = (0..15)
            .map(|i| {
                let text = format!("I am student number {i}.");
                let e = edit(&text, "", "a ", ErrorType::Article, true);
                attempt(i, &text, &format!("I am a student number {i}."), vec![e])
            })
            .collect();
        let drill = drill_from(ErrorType::Article, many);
        assert_eq!(drill.items.len(), DRILL_MAX);
        assert_eq!(drill.more, 0);
    }

    #[test]
    fn each_corruption_is_one_mistake_of_the_drilled_type() {
        let cases = [
            ("My brother is a doctor in Hanoi.", ErrorType::Article),
            ("I bought two books yesterday.", ErrorType::NounNumber),
            (
                "She works in a big hospital.",
                ErrorType::SubjectVerbAgreement,
            ),
            (
                "We visited our grandmother last week.",
                ErrorType::VerbTense,
            ),
            ("My brother is very tall.", ErrorType::MissingBe),
            ("I want to buy a new phone.", ErrorType::VerbForm),
            (
                "My mother is interested in cooking.",
                ErrorType::Preposition,
            ),
            (
                "My teacher always helps me with homework.",
                ErrorType::Spelling,
            ),
            (
                "My teacher always helps me with homework.",
                ErrorType::Pronoun,
            ),
        ];
        for (sentence, t) in cases {
            let wrong = corruptions(sentence, t);
            assert!(!wrong.is_empty(), "no {t:?} mistake made in {sentence:?}");
            for w in &wrong {
                let back = edits::diff(w, sentence);
                assert_eq!(back.len(), 1, "{w:?}");
                assert_eq!(classify(w, &back[0]), t, "{w:?} → {sentence:?}");
            }
        }
        let missing_be = corruptions("My brother is very tall.", ErrorType::MissingBe);
        assert!(
            missing_be.contains(&"My brother very tall.".to_string()),
            "{missing_be:?}"
        );
    }

    #[test]
    fn vietnamese_words_are_never_damaged() {
        for w in corruptions("My mother cooks phở for our family.", ErrorType::Spelling) {
            assert!(w.contains("phở"), "{w:?}");
        }
        for w in corruptions(
            "We visited Nguyễn Hằng in Hanoi yesterday.",
            ErrorType::Spelling,
        ) {
            assert!(w.contains("Nguyễn Hằng"), "{w:?}");
        }
    }

    #[test]
    fn a_usable_sentence_is_one_new_english_sentence() {
        assert_eq!(
            usable("\"My sister likes green tea.\" I like it too.", &[]).as_deref(),
            Some("My sister likes green tea.")
        );
        assert_eq!(usable("Hi.", &[]), None);
        assert_eq!(usable("10,10,10,101,101,101,101,101.", &[]), None);
        assert_eq!(usable("Em thích ăn phở bò lắm.", &[]), None);
        assert_eq!(
            usable("My sister likes green tea", &[]).as_deref(),
            Some("My sister likes green tea.")
        );
        assert_eq!(
            usable(
                "My sister likes green tea.",
                &["my sister likes green tea .".into()]
            ),
            None
        );
    }

    #[test]
    fn the_prompt_names_the_level_the_topic_and_the_grammar_point() {
        let p = system_prompt(ErrorType::VerbTense, CefrLevel::A2, "food");
        assert!(
            p.contains("CEFR level A2") && p.contains("about food") && p.contains("yesterday"),
            "{p}"
        );
    }
}
