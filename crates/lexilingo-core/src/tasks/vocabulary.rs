//! Vocabulary: the CEFR level of a sentence (calibrated, see [`crate::calibration`]) and of each
//! word (from the lists).

use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::Tutor;
use crate::calibration;
use crate::engine::{CancellationToken, TextScore};
use crate::error::{ParseError, Result};
use crate::language::cefr::CefrLevel;
use crate::language::lexicon::WordLevel;

/// The level of a sentence and its words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct VocabularyResult {
    /// The sentence's level (see [`Tutor::classify_vocabulary`]).
    pub level: CefrLevel,
    /// Every word with its level from the CEFR word lists ("unknown" when in none).
    pub words: Vec<WordLevel>,
}

const SYSTEM: &str = "You are an English teacher. Classify the CEFR level (A1, A2, B1, B2, C1 \
or C2) of the English sentence by the difficulty of its vocabulary and grammar: A1 = very \
simple everyday words, C2 = rare words and complex structure. Answer in JSON.";

const MAX_TOKENS: u32 = 16;

/// The JSON schema of the answer: one of the six levels.
pub fn schema() -> serde_json::Value {
    let levels: Vec<&str> = CefrLevel::ALL.iter().map(|l| l.as_str()).collect();
    json!({
        "type": "object",
        "properties": { "level": { "enum": levels } },
        "required": ["level"],
        "additionalProperties": false
    })
}

/// The user message for `sentence`.
pub fn prompt(sentence: &str) -> String {
    format!("Sentence: {sentence}")
}

/// Reads the level from the model's answer. A missing or unknown level is an error.
pub fn parse(answer: &serde_json::Value) -> Result<CefrLevel, ParseError> {
    let level = answer
        .get("level")
        .and_then(|l| l.as_str())
        .ok_or_else(|| ParseError::InvalidJson {
            message: "no `level` string".into(),
            raw: answer.to_string(),
        })?;
    level.parse().map_err(|_| ParseError::OutOfRange {
        field: "level",
        value: level.to_string(),
    })
}

impl Tutor {
    /// The CEFR level of `sentence` and its words' levels (the original client's
    /// `classify_vocabulary`). The sentence level comes from its words' list levels, its
    /// length and how likely the model finds it, calibrated on CEFR-SP train; the model is
    /// not asked for a level (it answered A1 for everything).
    pub async fn classify_vocabulary(
        &self,
        sentence: &str,
        _cancel: &CancellationToken,
    ) -> Result<VocabularyResult> {
        let sentence = crate::input::validate_english(sentence)?;
        let score = if self.engine.can_score().await && self.model_calibrated_for_levels().await? {
            self.own_score(sentence).await?
        } else {
            None
        };
        self.vocabulary_from(sentence, score.as_ref()).await
    }

    async fn model_calibrated_for_levels(&self) -> Result<bool> {
        let model = self.model_name().await?;
        Ok(calibration::Calibration::builtin()
            .for_model(&model)
            .is_some_and(|e| e.cefr.is_some()))
    }

    /// The level from the lexicon features and, when the model has a calibration and scored
    /// the sentence, its log-probability features.
    pub(crate) async fn vocabulary_from(
        &self,
        sentence: &str,
        score: Option<&TextScore>,
    ) -> Result<VocabularyResult> {
        let lexical = calibration::cefr_features(self.lexicon, sentence);
        let calibration = calibration::Calibration::builtin();
        let calibrated = match score {
            Some(score) => {
                let model = self.model_name().await?;
                calibration
                    .for_model(&model)
                    .and_then(|e| e.cefr.as_ref())
                    .map(|m| (m, score))
            }
            _ => None,
        };
        let level = match calibrated {
            Some((m, score)) => {
                let mut x = lexical;
                x.extend(calibration::model_features(score));
                m.level(&x)
            }
            None => match calibration
                .for_model(calibration::ANY_MODEL)
                .and_then(|e| e.cefr.as_ref())
            {
                Some(m) => m.level(&lexical),
                None => self.lexicon.highest_level(sentence),
            },
        };
        Ok(VocabularyResult {
            level,
            words: self.lexicon.profile(sentence),
        })
    }

    /// The level the model itself names (the "model only" pipeline, for evaluation).
    pub async fn model_level(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<CefrLevel> {
        let sentence = crate::input::validate_english(sentence)?;
        let answer: serde_json::Value = self
            .ask_json(SYSTEM, prompt(sentence), schema(), MAX_TOKENS, cancel)
            .await?;
        Ok(parse(&answer)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_level_and_never_invents_one() {
        assert_eq!(parse(&json!({"level": "B1"})), Ok(CefrLevel::B1));
        assert!(matches!(
            parse(&json!({"level": "D4"})),
            Err(ParseError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse(&json!({})),
            Err(ParseError::InvalidJson { .. })
        ));
        assert!(matches!(
            parse(&json!({"level": 2})),
            Err(ParseError::InvalidJson { .. })
        ));
    }
}
