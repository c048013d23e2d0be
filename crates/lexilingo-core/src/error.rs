//! The crate's error type: one enum per concern, rolled up into [`Error`].
//!
//! Every variant carries typed context rather than a pre-formatted string, and every error has a
//! stable [`Error::code`] so a UI can pick its own (Vietnamese) wording and act on the kind.

pub use crate::models::gguf::ModelFileError;

/// Input the learner typed that the tutor refuses before it reaches the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Nothing but white space.
    #[error("the text is empty")]
    Blank,
    /// Longer than [`crate::input::MAX_INPUT_CHARS`].
    #[error("the text is {chars} characters long; the limit is {max}")]
    TooLong {
        /// Characters in the input.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// The text holds control characters (a NUL byte, terminal escape codes): nothing a
    /// learner types, and nothing the model's tokenizer should see.
    #[error("the text contains control characters")]
    ControlChars,
    /// The sentence is written in Vietnamese: the tutor checks English.
    #[error("the text is Vietnamese; write the sentence in English")]
    NotEnglish,
    /// An error and its correction that are the same text.
    #[error("the sentence and its correction are the same; there is nothing to explain")]
    NothingToExplain,
}

/// Failures of the model worker process and of generation. Serialisable: the worker sends them
/// to the parent over the protocol.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EngineError {
    /// The worker executable could not be started.
    #[error("cannot start the model worker: {message}")]
    Spawn {
        /// The OS error.
        message: String,
    },
    /// The worker exited or was killed while it owed an answer.
    #[error("the model worker stopped unexpectedly ({status}); the next request starts a new one")]
    WorkerDied {
        /// Exit status as the OS reported it.
        status: String,
    },
    /// The worker said nothing for too long while it owed an answer; it was stopped and the
    /// next request starts a new one.
    #[error("the model worker gave no answer for {secs} s; it was restarted")]
    Timeout {
        /// The silence that ended it.
        secs: u64,
    },
    /// llama.cpp refused the model file.
    #[error("the model could not be loaded: {message}")]
    LoadFailed {
        /// What the worker reported.
        message: String,
    },
    /// This CPU lacks vector instructions this build of llama.cpp uses ([`crate::engine::cpu`]).
    #[error("this CPU lacks {missing}, which this build of the model engine needs")]
    CpuUnsupported {
        /// The instruction sets missing, e.g. "AVX2, FMA".
        missing: String,
    },
    /// The model has no embedded chat template, so prompts cannot be formatted for it.
    #[error("the model has no chat template; use an instruct (chat) model")]
    NoChatTemplate,
    /// The prompt plus the answer would not fit in the context window.
    #[error("the prompt needs {needed} tokens but the context holds {n_ctx}")]
    ContextOverflow {
        /// Tokens needed.
        needed: u32,
        /// Context size.
        n_ctx: u32,
    },
    /// The caller cancelled the request.
    #[error("cancelled")]
    Cancelled,
    /// A grammar could not be built or a decode step failed inside llama.cpp.
    #[error("generation failed: {message}")]
    Generation {
        /// What the worker reported.
        message: String,
    },
    /// A JSON schema that llama.cpp cannot turn into a grammar (the client's mistake).
    #[error("the JSON schema cannot be used: {message}")]
    BadSchema {
        /// What llama.cpp reported.
        message: String,
    },
    /// The worker said something that does not follow the protocol.
    #[error("model worker protocol error: {message}")]
    Protocol {
        /// What was wrong.
        message: String,
    },
    /// The remote model server could not be reached or answered with an error.
    #[error("the model server at {url} failed: {message}")]
    Remote {
        /// The server's base URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The backend cannot do this (a remote server gives no log-probabilities of a text).
    #[error("the model backend does not support {what}")]
    Unsupported {
        /// The missing capability.
        what: String,
    },
}

/// A model answer that does not hold what the task asked for. Parsers never fill in a default.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// The answer is not the JSON object the grammar described.
    #[error("the model's answer is not valid JSON for this task: {message}")]
    InvalidJson {
        /// serde's message.
        message: String,
        /// The raw answer, for logs and bug reports.
        raw: String,
    },
    /// The answer stopped at the token limit before it was complete.
    #[error("the model's answer was cut off at {max_tokens} tokens")]
    Truncated {
        /// The limit that was hit.
        max_tokens: u32,
    },
    /// A value outside the range the task allows.
    #[error("{field} = {value} is out of range")]
    OutOfRange {
        /// Field name.
        field: &'static str,
        /// The value as given.
        value: String,
    },
    /// A text field that is empty.
    #[error("{field} is empty")]
    Empty {
        /// Field name.
        field: &'static str,
    },
}

/// Everything that can go wrong in the tutor.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// See [`InputError`].
    #[error(transparent)]
    Input(#[from] InputError),
    /// See [`ModelFileError`].
    #[error(transparent)]
    ModelFile(#[from] ModelFileError),
    /// See [`EngineError`].
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// See [`ParseError`].
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// No model is installed or chosen yet (first run).
    #[error("no model: download one, import a GGUF file, or set LEXILINGO_MODEL")]
    NoModel,
    /// Download, import, or the installed-models manifest failed.
    #[error(transparent)]
    Models(#[from] crate::models::ManagerError),
    /// The model needs more memory than the computer has free.
    #[error("{reason}")]
    TooBig {
        /// The fit check's explanation (sizes in MB).
        reason: String,
    },
}

impl Error {
    /// A stable, machine-readable code (`snake_case`) for UIs and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Input(InputError::Blank) => "input_blank",
            Error::Input(InputError::TooLong { .. }) => "input_too_long",
            Error::Input(InputError::NothingToExplain) => "nothing_to_explain",
            Error::Input(InputError::ControlChars) => "input_control_chars",
            Error::Input(InputError::NotEnglish) => "not_english",
            Error::ModelFile(ModelFileError::NotFound { .. }) => "model_not_found",
            Error::ModelFile(ModelFileError::NotGguf { .. }) => "model_not_gguf",
            Error::ModelFile(ModelFileError::UnsupportedVersion { .. }) => "model_unsupported",
            Error::ModelFile(ModelFileError::Io { .. }) => "model_io",
            Error::Engine(EngineError::Spawn { .. }) => "worker_spawn",
            Error::Engine(EngineError::WorkerDied { .. }) => "worker_died",
            Error::Engine(EngineError::Timeout { .. }) => "worker_timeout",
            Error::Engine(EngineError::LoadFailed { .. }) => "model_load_failed",
            Error::Engine(EngineError::NoChatTemplate) => "model_no_chat_template",
            Error::Engine(EngineError::CpuUnsupported { .. }) => "cpu_unsupported",
            Error::Engine(EngineError::ContextOverflow { .. }) => "context_overflow",
            Error::Engine(EngineError::Cancelled) => "cancelled",
            Error::Engine(EngineError::Generation { .. }) => "generation_failed",
            Error::Engine(EngineError::BadSchema { .. }) => "bad_schema",
            Error::Engine(EngineError::Protocol { .. }) => "worker_protocol",
            Error::Engine(EngineError::Remote { .. }) => "remote_failed",
            Error::Engine(EngineError::Unsupported { .. }) => "unsupported",
            Error::Parse(_) => "model_answer_invalid",
            Error::NoModel => "no_model",
            Error::TooBig { .. } => "model_too_big",
            Error::Models(e) => models_code(e),
        }
    }

    /// The same error in Vietnamese, in the tutor's voice, for the learner.
    pub fn message_vi(&self) -> String {
        match self {
            Error::Input(InputError::Blank) => "Em chưa nhập câu nào. Hãy gõ một câu tiếng Anh nhé.".into(),
            Error::Input(InputError::TooLong { chars, max }) => format!(
                "Câu của em dài {chars} ký tự, vượt giới hạn {max} ký tự. Em chia thành các câu ngắn hơn nhé."
            ),
            Error::Input(InputError::NotEnglish) => {
                "Câu này em viết bằng tiếng Việt rồi. Em hãy viết câu bằng tiếng Anh nhé, LexiLingo sẽ giúp em sửa lỗi."
                    .into()
            }
            Error::Input(InputError::ControlChars) => {
                "Câu có ký tự điều khiển không in được. Em gõ lại câu nhé.".into()
            }
            Error::Input(InputError::NothingToExplain) => {
                "Câu gốc và câu sửa giống hệt nhau, không có lỗi nào để giải thích.".into()
            }
            Error::ModelFile(f) => model_file_message_vi(f),
            Error::Engine(EngineError::WorkerDied { .. }) => {
                "Bộ máy mô hình vừa dừng đột ngột. Em thử lại nhé, ứng dụng sẽ khởi động lại nó.".into()
            }
            Error::Engine(EngineError::Timeout { .. }) => {
                "Mô hình không trả lời quá lâu nên ứng dụng đã khởi động lại nó. Em thử lại nhé.".into()
            }
            Error::Engine(EngineError::LoadFailed { .. }) => {
                "Không nạp được mô hình. Tệp có thể bị hỏng; hãy tải lại hoặc chọn mô hình khác.".into()
            }
            Error::Engine(EngineError::NoChatTemplate) => {
                "Mô hình này không có mẫu hội thoại (chat template). Hãy dùng một mô hình dạng Instruct.".into()
            }
            Error::Engine(EngineError::CpuUnsupported { missing }) => format!(
                "Bộ xử lý (CPU) của máy này thiếu lệnh {missing} mà bản LexiLingo này cần để chạy mô hình. Em cài bản LexiLingo dành cho máy đời cũ, hoặc dùng máy chủ mô hình của trường trong Cài đặt nhé."
            ),
            Error::Engine(EngineError::ContextOverflow { .. }) => {
                "Nội dung quá dài so với bộ nhớ ngữ cảnh của mô hình. Em rút ngắn lại nhé.".into()
            }
            Error::Engine(EngineError::Cancelled) => "Đã dừng theo yêu cầu.".into(),
            Error::Engine(EngineError::BadSchema { .. }) => {
                "Lược đồ JSON (schema) trong yêu cầu không dùng được để ràng buộc câu trả lời.".into()
            }
            Error::Engine(EngineError::Remote { url, .. }) => format!(
                "Không kết nối được máy chủ mô hình {url}. Em kiểm tra mạng hoặc địa chỉ máy chủ trong Cài đặt nhé."
            ),
            Error::Engine(_) => "Bộ máy mô hình gặp lỗi. Em thử lại sau giây lát nhé.".into(),
            Error::Parse(_) => {
                "Mô hình trả lời không đúng định dạng. Em bấm thử lại nhé.".into()
            }
            Error::NoModel => {
                "Chưa có mô hình. Em tải một mô hình về hoặc chọn một tệp GGUF có sẵn nhé.".into()
            }
            Error::TooBig { .. } => {
                "Máy không đủ bộ nhớ trống cho mô hình này. Em đóng bớt ứng dụng khác hoặc chọn mô hình nhỏ hơn nhé.".into()
            }
            Error::Models(e) => models_message_vi(e),
        }
    }
}

fn model_file_message_vi(e: &ModelFileError) -> String {
    match e {
        ModelFileError::NotFound { path } => format!(
            "Không tìm thấy tệp mô hình {}. Hãy tải mô hình về hoặc chọn tệp khác.",
            path.display()
        ),
        ModelFileError::NotGguf { path, .. } => format!(
            "Tệp {} không phải mô hình GGUF hợp lệ (có thể tệp bị hỏng hoặc tải chưa xong).",
            path.display()
        ),
        ModelFileError::UnsupportedVersion { path, version } => format!(
            "Tệp {} dùng phiên bản GGUF {version}, ứng dụng chưa hỗ trợ.",
            path.display()
        ),
        ModelFileError::Io { path, .. } => {
            format!("Không đọc được tệp {}.", path.display())
        }
    }
}

/// Codes for model management, so the first-run screen can tell a dead network from a full
/// disk from a bad file.
fn models_code(e: &crate::models::ManagerError) -> &'static str {
    use crate::models::{DownloadError as D, ManagerError as M};
    match e {
        M::ModelFile(_) => "bad_model_file",
        M::Download(D::InsufficientDisk { .. }) => "disk_full",
        M::Download(D::Network { .. }) => "no_network",
        M::Download(D::HttpStatus { .. }) => "server_refused",
        M::Download(D::SizeMismatch { .. } | D::HashMismatch { .. }) => "bad_download",
        M::Download(D::Cancelled) => "cancelled",
        M::Download(D::BadName { .. }) => "bad_file_name",
        M::Download(D::TooLarge { .. }) => "download_too_large",
        M::Download(D::NotAModel { .. }) => "bad_model_file",
        M::Unloadable { .. } => "model_unloadable",
        M::Download(D::Io { source, .. }) if is_disk_full(source) => "disk_full",
        M::Download(D::Io { .. }) => "file_error",
        M::NotInstalled(_) => "model_not_installed",
        M::Modified { .. } => "model_modified",
        M::Manifest { .. } => "file_error",
        M::NotInCatalog(_) => "not_in_catalog",
        M::Busy { .. } => "download_busy",
    }
}

/// ENOSPC: the disk filled up during the download.
fn is_disk_full(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(28)
}

fn models_message_vi(e: &crate::models::ManagerError) -> String {
    use crate::models::{DownloadError as D, ManagerError as M};
    let gb = |b: u64| b as f64 / 1e9;
    match e {
        M::ModelFile(f) => model_file_message_vi(f),
        M::Download(D::InsufficientDisk {
            dir,
            needed,
            available,
        }) => format!(
            "Ổ đĩa không đủ chỗ: cần {:.1} GB nhưng {} chỉ còn {:.1} GB trống. Em xoá bớt tệp rồi bấm tải tiếp nhé — phần đã tải vẫn được giữ.",
            gb(*needed),
            dir.display(),
            gb(*available)
        ),
        M::Download(D::Network { .. }) => "Không kết nối được máy chủ tải mô hình. Em kiểm tra mạng (Wi-Fi) rồi bấm tải tiếp nhé — phần đã tải vẫn được giữ.".into(),
        M::Download(D::HttpStatus { status, .. }) => format!(
            "Máy chủ từ chối tải tệp (mã {status}). Em thử lại sau, hoặc tải tệp GGUF bằng cách khác rồi nhập vào."
        ),
        M::Download(D::SizeMismatch { .. } | D::HashMismatch { .. }) => "Tệp tải về bị hỏng (không khớp mã kiểm tra sha256) nên đã bị xoá. Em bấm tải lại nhé.".into(),
        M::Download(D::Cancelled) => "Đã tạm dừng tải. Phần đã tải vẫn được giữ.".into(),
        M::Download(D::BadName { name }) => format!(
            "Tên tệp “{}” không hợp lệ: chỉ dùng một tên tệp đơn giản như model.gguf, không có thư mục.",
            crate::text::escape_controls(name)
        ),
        M::Download(D::TooLarge { limit }) => format!(
            "Máy chủ gửi nhiều hơn {:.1} GB (giới hạn theo chỗ trống trên ổ đĩa) nên việc tải đã dừng và phần đã tải bị xoá.",
            gb(*limit)
        ),
        M::Download(D::NotAModel { .. }) => "Tệp tải về không phải mô hình GGUF nên đã bị xoá. Em kiểm tra lại địa chỉ tải nhé.".into(),
        M::Unloadable { .. } => "Tệp có dạng GGUF nhưng llama.cpp không mở được nó, nên chưa được thêm vào. Mô hình đang dùng vẫn giữ nguyên. Em thử một tệp GGUF khác nhé.".into(),
        M::Download(D::Io { source, path }) if is_disk_full(source) => format!(
            "Ổ đĩa đầy khi đang ghi {}. Em xoá bớt tệp rồi bấm tải tiếp nhé — phần đã tải vẫn được giữ.",
            path.display()
        ),
        M::Download(D::Io { path, .. }) => {
            format!("Không ghi được tệp {}. Em kiểm tra quyền ghi của thư mục nhé.", path.display())
        }
        M::NotInstalled(id) => format!("Chưa cài mô hình “{id}”."),
        M::Modified { id, .. } => format!(
            "Tệp của mô hình “{id}” đã bị thay đổi từ khi cài. Em tải lại hoặc nhập lại tệp nhé."
        ),
        M::Manifest { path, .. } => format!(
            "Không cập nhật được danh sách mô hình ({}). Em kiểm tra quyền ghi của thư mục dữ liệu nhé.",
            path.display()
        ),
        M::NotInCatalog(id) => format!("Không có mô hình “{id}” trong danh mục tải về."),
        M::Busy { id } => {
            format!("Đang tải mô hình “{id}”. Em đợi tải xong, hoặc tạm dừng nó trước nhé.")
        }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
