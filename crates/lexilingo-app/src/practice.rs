//! Practice: check one sentence and keep it in the history.

use lexilingo_core::engine::CancellationToken;
use lexilingo_core::language::sentences::SentenceSpan;
use lexilingo_core::tasks::AnalyzeResult;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{App, AppError, ErrorCode};

/// A checked sentence: the tutor's whole answer, and what became of saving it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Practiced {
    /// Fluency, level, correction and explanations.
    #[serde(flatten)]
    #[ts(flatten)]
    pub result: AnalyzeResult,
    /// The saved attempt's id (none when saving was not asked for or failed).
    #[ts(type = "number | null")]
    pub attempt_id: Option<i64>,
    /// Set when the result could not be saved: the learner still sees the result, and is told
    /// that this one will not appear in History or Review. Nothing is lost silently.
    pub warning: Option<AppError>,
}

impl App {
    /// The sentences of a learner's text, for paragraph mode (each is then checked on its own
    /// with [`App::practice`]). Needs no model. The text may be up to
    /// [`lexilingo_core::input::MAX_TEXT_CHARS`] long.
    pub fn sentences(&self, text: &str) -> Result<Vec<SentenceSpan>, AppError> {
        lexilingo_core::input::validate_up_to(text, lexilingo_core::input::MAX_TEXT_CHARS)
            .map_err(lexilingo_core::Error::from)?;
        Ok(lexilingo_core::language::sentences::split(text))
    }

    /// Checks `sentence` with the tutor and, with `save`, keeps it in the history. A failed
    /// save never hides the result: it comes back as [`Practiced::warning`].
    pub async fn practice(
        &self,
        sentence: &str,
        save: bool,
        cancel: &CancellationToken,
    ) -> Result<Practiced, AppError> {
        let tutor = self.tutor().await?;
        let result = tutor.analyze(sentence, cancel).await?;
        if !save {
            return Ok(Practiced {
                result,
                attempt_id: None,
                warning: None,
            });
        }
        let model_id = tutor.engine().model_id();
        let saved = match self.store().await {
            Ok(store) => store
                .insert_attempt(&crate::records::from_analysis(&result, &model_id))
                .await
                .map_err(AppError::from),
            Err(e) => Err(e),
        };
        Ok(match saved {
            Ok(id) => Practiced {
                result,
                attempt_id: Some(id),
                warning: None,
            },
            Err(e) => {
                tracing::error!("could not save the attempt: {}", e.detail);
                Practiced {
                    result,
                    attempt_id: None,
                    warning: Some(not_saved(e)),
                }
            }
        })
    }
}

/// The warning for a result that could not be kept, with the cause in `detail`.
pub(crate) fn not_saved(cause: AppError) -> AppError {
    AppError {
        code: if cause.code == ErrorCode::NoDataDir {
            ErrorCode::NoDataDir
        } else {
            ErrorCode::HistoryUnavailable
        },
        message_vi: "Không lưu được bài này vào lịch sử, nên nó sẽ không có trong Lịch sử và Ôn tập. Kết quả vẫn hiển thị; dữ liệu đã lưu trước đó vẫn an toàn.".into(),
        message_en: "This one could not be saved, so it will not appear in History or Review. The result is still shown; what was saved before is safe.".into(),
        detail: cause.detail,
    }
}
