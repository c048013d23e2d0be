//! Dialogue: a conversation partner that replies to the learner, streamed token by token.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Tutor;
use crate::engine::{CancellationToken, ChatMessage, GenerateRequest, Role};
use crate::error::{ParseError, Result};
use crate::language::cefr::CefrLevel;

/// A practice situation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS, utoipa::ToSchema,
)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Chat about anything.
    #[default]
    SmallTalk,
    /// At a restaurant or café.
    OrderingFood,
    /// A job interview.
    JobInterview,
    /// Travelling: airport, hotel, directions.
    Travel,
    /// In a shop.
    Shopping,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 5] = [
        Scenario::SmallTalk,
        Scenario::OrderingFood,
        Scenario::JobInterview,
        Scenario::Travel,
        Scenario::Shopping,
    ];

    /// How the partner should play it.
    fn role_play(self) -> &'static str {
        match self {
            Scenario::SmallTalk => "You are a friendly new acquaintance making small talk.",
            Scenario::OrderingFood => "You are a waiter in a café taking the learner's order.",
            Scenario::JobInterview => "You are a polite interviewer for an office job.",
            Scenario::Travel => "You are a hotel receptionist helping a traveller.",
            Scenario::Shopping => "You are a shop assistant in a clothes shop.",
        }
    }

    /// The partner's first line: the partner opens the scene, so the learner answers rather
    /// than facing an empty screen. Plain A2 English every level understands; the partner's
    /// later replies follow the learner's level.
    pub fn opening(self) -> &'static str {
        match self {
            Scenario::SmallTalk => "Hi! I'm Alex. Nice to meet you. How are you today?",
            Scenario::OrderingFood => {
                "Good morning! Welcome to our café. What would you like to order?"
            }
            Scenario::JobInterview => {
                "Hello, please sit down. Thank you for coming. Can you tell me a little about yourself?"
            }
            Scenario::Travel => {
                "Good evening, welcome to the Riverside Hotel. Do you have a reservation?"
            }
            Scenario::Shopping => "Hi there! Can I help you find something today?",
        }
    }

    /// The brief, in Vietnamese: who the partner is and what the learner should achieve.
    pub fn brief_vi(self) -> &'static str {
        match self {
            Scenario::SmallTalk => "Người đối diện là Alex, một người em mới gặp ở buổi tiệc. Mục tiêu: chào hỏi, giới thiệu bản thân và hỏi lại Alex ít nhất hai câu.",
            Scenario::OrderingFood => "Người đối diện là nhân viên phục vụ ở quán cà phê. Mục tiêu: gọi một đồ uống và một món ăn, hỏi giá rồi thanh toán.",
            Scenario::JobInterview => "Người đối diện là người phỏng vấn cho một công việc văn phòng. Mục tiêu: giới thiệu bản thân, kể về kinh nghiệm và điểm mạnh của em, rồi hỏi một câu về công việc.",
            Scenario::Travel => "Người đối diện là lễ tân khách sạn. Mục tiêu: nhận phòng em đã đặt, hỏi giờ ăn sáng và nhờ chỉ đường đến một nơi trong thành phố.",
            Scenario::Shopping => "Người đối diện là nhân viên cửa hàng quần áo. Mục tiêu: tìm một món đồ đúng cỡ và đúng màu, hỏi giá và hỏi có được đổi hàng không.",
        }
    }

    /// The brief, in English.
    pub fn brief_en(self) -> &'static str {
        match self {
            Scenario::SmallTalk => "Your partner is Alex, someone you have just met at a party. Goal: greet Alex, introduce yourself and ask Alex at least two questions.",
            Scenario::OrderingFood => "Your partner is a waiter in a café. Goal: order a drink and something to eat, ask the price, then pay.",
            Scenario::JobInterview => "Your partner interviews you for an office job. Goal: introduce yourself, talk about your experience and strengths, then ask one question about the job.",
            Scenario::Travel => "Your partner is a hotel receptionist. Goal: check in to the room you booked, ask when breakfast is and ask the way to a place in town.",
            Scenario::Shopping => "Your partner is a shop assistant in a clothes shop. Goal: find something in the right size and colour, ask the price and ask whether you can exchange it.",
        }
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::SmallTalk => "small_talk",
            Scenario::OrderingFood => "ordering_food",
            Scenario::JobInterview => "job_interview",
            Scenario::Travel => "travel",
            Scenario::Shopping => "shopping",
        }
    }
}

impl std::str::FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| format!("unknown scenario `{s}`"))
    }
}

/// How the conversation partner talks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DialogueSettings {
    /// The situation.
    pub scenario: Scenario,
    /// The learner's level: the partner keeps its English at about this level.
    pub level: CefrLevel,
    /// Sampling temperature (some variety keeps a conversation alive).
    pub temperature: f32,
    /// Sampling seed.
    pub seed: u32,
    /// Longest reply in tokens.
    pub max_tokens: u32,
}

impl Default for DialogueSettings {
    fn default() -> Self {
        Self {
            scenario: Scenario::SmallTalk,
            level: CefrLevel::A2,
            temperature: 0.7,
            seed: 42,
            max_tokens: 160,
        }
    }
}

/// The partner's reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct DialogueReply {
    /// The reply text (what was produced so far, if cancelled).
    pub reply: String,
    /// Whether generation was cancelled before the reply was complete.
    pub cancelled: bool,
    /// Tokens generated.
    pub tokens: u32,
    /// Whether the reply was cut because the partner started repeating itself
    /// ([`ReplyGuard`]); the UI marks it "(đã dừng)", as a cancelled one.
    #[serde(default)]
    pub stopped: bool,
}

/// Most sentences in a reply at `level`: a beginner reads two short sentences, an advanced
/// learner four. The partner's job is to keep the learner talking, not to lecture.
pub fn max_sentences(level: CefrLevel) -> usize {
    match level {
        CefrLevel::A1 | CefrLevel::A2 => 2,
        CefrLevel::B1 | CefrLevel::B2 => 3,
        CefrLevel::C1 | CefrLevel::C2 => 4,
    }
}

/// Words in a repeated phrase that stops a reply.
pub const REPEAT_NGRAM: usize = 4;

/// Why [`ReplyGuard::check`] ended a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The reply reached its sentence cap: it is complete.
    Enough(usize),
    /// The partner repeated itself (a phrase of [`REPEAT_NGRAM`] words, or a whole
    /// sentence): the reply is cut before the repeat.
    Repeating(usize),
}

/// Stops a reply at a few sentences and at the first repetition, whatever the model.
///
/// A small model asked for "one to three short sentences" ran to its token limit on every
/// reply (21–30 s on this machine), repeating itself. The prompt asks; this guard makes sure:
/// it reads the reply as it streams and says where to cut, and the tutor then stops the
/// generation, so a loop costs a few tokens, not the whole limit. Repetition is a repeated
/// word [`REPEAT_NGRAM`]-gram or a repeated sentence, the usual sign of a degenerate loop
/// (the n-gram repeat guard of machine translation decoders).
#[derive(Debug, Clone)]
pub struct ReplyGuard {
    max_sentences: usize,
}

impl ReplyGuard {
    /// A guard allowing `max_sentences` sentences.
    pub fn new(max_sentences: usize) -> Self {
        Self {
            max_sentences: max_sentences.max(1),
        }
    }

    /// Where to cut `text` (the reply so far), if it should end now.
    pub fn check(&self, text: &str) -> Option<Cut> {
        // Sentence ends: a run of . ! ? (or a line break) followed by white space, and more
        // text after it. `(end, next_start)`.
        let mut sentences: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        let bytes: Vec<(usize, char)> = text.char_indices().collect();
        for (k, &(i, c)) in bytes.iter().enumerate() {
            let next = bytes.get(k + 1).map(|x| x.1);
            let ends = (matches!(c, '.' | '!' | '?') && next.is_some_and(char::is_whitespace))
                || c == '\n';
            if ends {
                let end = i + c.len_utf8();
                if text[start..end].trim().is_empty() {
                    start = end;
                    continue;
                }
                sentences.push((start, end));
                start = end;
            }
        }
        let has_more = !text[start..].trim().is_empty();
        // A whole sentence said again.
        let norm = |s: &str| {
            s.chars()
                .filter(|c| c.is_alphanumeric() || c.is_whitespace())
                .collect::<String>()
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (k, &(s, e)) in sentences.iter().enumerate() {
            let this = norm(&text[s..e]);
            if !this.is_empty()
                && sentences[..k]
                    .iter()
                    .any(|&(a, b)| norm(&text[a..b]) == this)
            {
                return Some(Cut::Repeating(trim_end_at(text, s)));
            }
        }
        // A phrase said again: cut where the sentence holding the repeat starts, or, inside
        // the first sentence, where the repeat itself starts.
        let words = crate::language::confusions::words(text);
        for j in REPEAT_NGRAM..=words.len().saturating_sub(REPEAT_NGRAM) {
            let gram = |at: usize| {
                words[at..at + REPEAT_NGRAM]
                    .iter()
                    .map(|&(a, b)| text[a..b].to_lowercase())
                    .collect::<Vec<_>>()
            };
            let here = gram(j);
            if (0..=j - REPEAT_NGRAM).any(|i| gram(i) == here) {
                let at = words[j].0;
                let sentence_start = sentences
                    .iter()
                    .map(|&(s, _)| s)
                    .chain(std::iter::once(start))
                    .filter(|&s| s <= at)
                    .max()
                    .unwrap_or(0);
                let cut = if sentence_start > 0 {
                    sentence_start
                } else {
                    at
                };
                return Some(Cut::Repeating(trim_end_at(text, cut)));
            }
        }
        if sentences.len() >= self.max_sentences
            && (has_more || sentences.len() > self.max_sentences)
        {
            return Some(Cut::Enough(sentences[self.max_sentences - 1].1));
        }
        None
    }
}

/// `at`, moved back over white space and commas so the kept text ends cleanly.
fn trim_end_at(text: &str, at: usize) -> usize {
    text[..at]
        .trim_end_matches(|c: char| c.is_whitespace() || c == ',')
        .len()
}

/// The system prompt for `settings`.
pub fn system_prompt(settings: &DialogueSettings) -> String {
    format!(
        "{} You are talking with a Vietnamese learner of English at CEFR level {}. Reply in \
         simple, natural English suited to that level, in one to three short sentences, and end \
         with a question that keeps the conversation going. Do not translate.",
        settings.scenario.role_play(),
        settings.level
    )
}

impl Tutor {
    /// Replies to the learner's `message` given the conversation so far (`history`, oldest
    /// first), streaming the reply through `on_text` (the original client's
    /// `generate_dialogue`).
    pub async fn generate_dialogue(
        &self,
        history: &[ChatMessage],
        message: &str,
        settings: &DialogueSettings,
        on_text: impl FnMut(&str) + Send,
        cancel: &CancellationToken,
    ) -> Result<DialogueReply> {
        let message = crate::input::validate(message)?;
        let mut messages = Vec::with_capacity(history.len() + 2);
        messages.push(ChatMessage::new(Role::System, system_prompt(settings)));
        messages.extend(history.iter().filter(|m| m.role != Role::System).cloned());
        messages.push(ChatMessage::new(Role::User, message));
        let request = GenerateRequest {
            temperature: settings.temperature,
            seed: settings.seed,
            ..GenerateRequest::text(messages, settings.max_tokens)
        };
        // The guard stops the generation through a child token, so the caller's own token
        // (the learner's Stop button) is left as it was.
        let guard = ReplyGuard::new(max_sentences(settings.level));
        let stop = cancel.child_token();
        let mut so_far = String::new();
        let mut cut: Option<Cut> = None;
        let mut on_text = on_text;
        let generation = self
            .engine
            .generate(
                request,
                |piece| {
                    if cut.is_some() {
                        return;
                    }
                    so_far.push_str(piece);
                    cut = guard.check(&so_far);
                    if cut.is_some() {
                        stop.cancel();
                    }
                    on_text(piece);
                },
                &stop,
            )
            .await?;
        let text = match cut {
            Some(Cut::Enough(at) | Cut::Repeating(at)) => {
                &generation.text[..at.min(generation.text.len())]
            }
            None => generation.text.as_str(),
        };
        let reply = text.trim().to_string();
        let cancelled = cancel.is_cancelled();
        let stopped = matches!(cut, Some(Cut::Repeating(_)));
        if reply.is_empty() && !cancelled {
            return Err(ParseError::Empty { field: "reply" }.into());
        }
        Ok(DialogueReply {
            reply,
            cancelled,
            tokens: generation.generated_tokens,
            stopped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_ends_after_its_sentence_cap() {
        let g = ReplyGuard::new(2);
        assert_eq!(g.check("Hi Lan! Where are you from?"), None);
        let text = "Hi Lan! Where are you from? I am";
        assert_eq!(
            g.check(text),
            Some(Cut::Enough("Hi Lan! Where are you from?".len()))
        );
        assert_eq!(g.check("Hello. Nice to meet you. "), None);
    }

    #[test]
    fn a_repeating_reply_is_cut_before_the_repeat() {
        let g = ReplyGuard::new(4);
        let text = "Do you like pho? I like pho very much. I like pho very";
        // "I like pho very" is said twice: the second sentence holding it goes.
        assert_eq!(
            g.check(text),
            Some(Cut::Repeating(
                "Do you like pho? I like pho very much.".len()
            ))
        );
        let same = "That is great! That is great! That";
        assert_eq!(g.check(same), Some(Cut::Repeating("That is great!".len())));
        // Inside one sentence: cut where the repeat starts.
        let loop_ = "I like to eat and I like to eat and";
        assert_eq!(
            g.check(loop_),
            Some(Cut::Repeating("I like to eat and".len()))
        );
        // Different words, no repeat.
        assert_eq!(g.check("I like tea. You like coffee. We like"), None);
    }

    #[test]
    fn levels_get_longer_replies_as_they_rise() {
        assert!(max_sentences(CefrLevel::A1) < max_sentences(CefrLevel::C2));
    }
}

#[cfg(test)]
mod ui_texts {
    use super::Scenario;

    /// The UI shows the same brief and opening line as `lexilingo chat`: written to
    /// `ui/src/bindings/ScenarioTexts.ts` from the Rust, as the error type names are.
    #[test]
    fn export_scenario_texts_for_the_ui() {
        let mut out = String::from(
            "// Generated by `cargo test` from lexilingo-core's Scenario::opening / brief_vi / brief_en. Do not edit.\n\
             import type { Scenario } from \"./Scenario\";\n\n\
             /** Each scenario's opening line (the partner's first message) and its brief: [Vietnamese, English]. */\n\
             export const SCENARIO_TEXTS: Record<Scenario, { opening: string; brief: [string, string] }> = {\n",
        );
        for s in Scenario::ALL {
            assert!(
                !s.opening().is_empty() && !s.brief_vi().is_empty() && !s.brief_en().is_empty()
            );
            out.push_str(&format!(
                "  {}: {{ opening: {:?}, brief: [{:?}, {:?}] }},\n",
                s.as_str(),
                s.opening(),
                s.brief_vi(),
                s.brief_en()
            ));
        }
        out.push_str("};\n");
        crate::write_ui_binding("ScenarioTexts.ts", &out);
    }
}
