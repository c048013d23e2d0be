//! One error contract for every front end: [`AppError`] with a typed [`ErrorCode`].
//!
//! Every failure the use cases can meet (the engine, the history store, model management, the
//! data-folder move, a missing record, a missing data folder) maps into it once, here. The
//! window, the HTTP server and the CLI show the same code and the same text for the same
//! failure; the server also takes its status from [`ErrorCode::http_status`], so no host keeps
//! a mapping of its own.

use crate::host::relocate::MoveError;
use lexilingo_core::error::{EngineError, InputError};
use lexilingo_core::models::{DownloadError, ManagerError, QuantizeError};
use lexilingo_core::store::StoreError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What went wrong, as a stable `snake_case` code a UI or a script can act on. Exported to
/// TypeScript, so the UI's error handling is checked against this list at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[allow(missing_docs)] // each code's meaning is its English message, below
pub enum ErrorCode {
    // The learner's text.
    InputBlank,
    InputTooLong,
    InputControlChars,
    NotEnglish,
    NothingToExplain,
    // The model file and the worker.
    NoModel,
    ModelNotFound,
    ModelNotGguf,
    ModelUnsupported,
    ModelIo,
    ModelTooBig,
    WorkerSpawn,
    WorkerDied,
    WorkerTimeout,
    ModelLoadFailed,
    ModelNoChatTemplate,
    CpuUnsupported,
    ContextOverflow,
    Cancelled,
    GenerationFailed,
    BadSchema,
    WorkerProtocol,
    RemoteFailed,
    Unsupported,
    ModelAnswerInvalid,
    // Model management.
    BadModelFile,
    DiskFull,
    NoNetwork,
    ServerRefused,
    BadDownload,
    BadFileName,
    DownloadTooLarge,
    ModelUnloadable,
    FileError,
    ModelNotInstalled,
    ModelModified,
    NotInCatalog,
    DownloadBusy,
    UploadTooLarge,
    UploadFailed,
    // The history and the data folder.
    HistoryUnavailable,
    BadImport,
    ExportFailed,
    NotFound,
    NoDataDir,
    ConfirmRequired,
    PathNotAbsolute,
    SameFolder,
    FolderNotEmpty,
    PathNotPicked,
    DataDirMoveDisabled,
    SettingsUnsaved,
    // The HTTP host.
    BadRequestBody,
    BadQuery,
    BadPath,
    BadParameter,
    NoMessages,
    BadRole,
    UnsupportedMediaType,
    Busy,
    Unauthorized,
    HostNotAllowed,
    OriginNotAllowed,
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire (`"history_unavailable"`).
    pub fn as_str(self) -> &'static str {
        ALL.iter()
            .find(|(c, _)| *c == self)
            .map_or("internal", |(_, name)| name)
    }

    /// The code for a wire string (what [`lexilingo_core::Error::code`] returns).
    pub fn parse(s: &str) -> Option<Self> {
        ALL.iter().find(|(_, name)| *name == s).map(|(c, _)| *c)
    }

    /// Every code, in declaration order (the OpenAPI document lists the same, a test checks).
    pub fn all() -> impl Iterator<Item = ErrorCode> {
        ALL.iter().map(|(c, _)| *c)
    }

    /// The HTTP status `lexilingo serve` answers with: the client's fault (4xx), the first-run
    /// or busy state (503, retry later), or the server's (5xx).
    pub fn http_status(self) -> u16 {
        use ErrorCode as C;
        match self {
            C::InputBlank
            | C::InputTooLong
            | C::InputControlChars
            | C::NotEnglish
            | C::NothingToExplain
            | C::ContextOverflow
            | C::BadSchema
            | C::BadModelFile
            | C::NotInCatalog
            | C::ModelNotInstalled
            | C::ModelUnloadable
            | C::BadFileName
            | C::DownloadTooLarge
            | C::BadImport
            | C::ConfirmRequired
            | C::PathNotAbsolute
            | C::SameFolder
            | C::FolderNotEmpty
            | C::PathNotPicked
            | C::BadRequestBody
            | C::BadQuery
            | C::BadPath
            | C::BadParameter
            | C::NoMessages
            | C::BadRole => 400,
            C::Unauthorized => 401,
            C::DataDirMoveDisabled | C::HostNotAllowed | C::OriginNotAllowed => 403,
            C::NotFound => 404,
            C::DownloadBusy => 409,
            C::UploadTooLarge => 413,
            C::UnsupportedMediaType => 415,
            // nginx's "client closed request": nobody reads it, but logs are clearer.
            C::Cancelled => 499,
            C::ModelAnswerInvalid | C::RemoteFailed => 502,
            C::NoModel | C::ModelTooBig | C::WorkerTimeout | C::Busy => 503,
            _ => 500,
        }
    }

    /// What happened, for the learner, in English (the English UI shows it).
    pub fn message_en(self) -> &'static str {
        use ErrorCode as C;
        match self {
            C::InputBlank => "The text is empty. Type an English sentence first.",
            C::InputTooLong => "The text is too long. Split it into shorter sentences.",
            C::InputControlChars => "The text holds characters that cannot be printed. Type it again.",
            C::NotEnglish => "This sentence is in Vietnamese. Write it in English and LexiLingo will check it.",
            C::NothingToExplain => "The sentence and its correction are the same: there is nothing to explain.",
            C::NoModel => "No model yet. Download one or choose a GGUF file on the Models screen.",
            C::ModelNotFound => "The model file was not found. Download it again or choose another file.",
            C::ModelNotGguf => "That file is not a usable GGUF model (it may be damaged or incomplete).",
            C::ModelUnsupported => "That GGUF version is not supported yet.",
            C::ModelIo => "The model file could not be read.",
            C::ModelTooBig => "There is not enough free memory for this model. Close other apps or choose a smaller model.",
            C::WorkerSpawn => "The model could not be started.",
            C::WorkerDied => "The model stopped unexpectedly. Try again: it will be restarted.",
            C::WorkerTimeout => "The model took too long to answer and was restarted. Try again.",
            C::ModelLoadFailed => "The model could not be loaded. The file may be damaged: download it again or choose another model.",
            C::ModelNoChatTemplate => "This model has no chat template. Use an Instruct (chat) model.",
            C::CpuUnsupported => "This computer's processor lacks instructions this build of LexiLingo needs to run the model. Install the build for older computers, or use a school's model server in Settings.",
            C::ContextOverflow => "The text is too long for the model's context. Shorten it.",
            C::Cancelled => "Stopped as you asked.",
            C::GenerationFailed => "The model failed while writing its answer. Try again in a moment.",
            C::BadSchema => "The JSON schema in the request cannot be used to constrain the answer.",
            C::WorkerProtocol => "The model engine misbehaved. Try again in a moment.",
            C::RemoteFailed => "The model server could not be reached. Check the network or the server address in Settings.",
            C::Unsupported => "The model backend cannot do this.",
            C::ModelAnswerInvalid => "The model's answer was not in the expected form. Try again.",
            C::BadModelFile => "That file is not a usable GGUF model.",
            C::DiskFull => "The disk is full. Free some space and resume: the part already downloaded is kept.",
            C::NoNetwork => "The download server cannot be reached. Check the network and resume: the part already downloaded is kept.",
            C::ServerRefused => "The server refused the download. Try again later, or import a GGUF file you already have.",
            C::BadDownload => "The downloaded file was damaged (its checksum did not match) and was deleted. Download it again.",
            C::BadFileName => "That file name is not allowed: use a plain name such as model.gguf.",
            C::DownloadTooLarge => "The server sent more than the disk has room for, so the download stopped.",
            C::ModelUnloadable => "The file looks like GGUF but llama.cpp cannot open it, so it was not added. The current model is unchanged.",
            C::FileError => "A file could not be written. Check the folder's permissions.",
            C::ModelNotInstalled => "That model is not installed.",
            C::ModelModified => "The model's file changed since it was installed. Download or import it again.",
            C::NotInCatalog => "That model is not in the download catalog.",
            C::DownloadBusy => "That model is still downloading. Wait, or pause it first.",
            C::UploadTooLarge => "The file is larger than the server accepts.",
            C::UploadFailed => "The upload did not finish. Try again.",
            C::HistoryUnavailable => "The practice history could not be read or saved. What was saved before is safe.",
            C::BadImport => "That file is not a LexiLingo history export. The history was not changed.",
            C::ExportFailed => "The export file could not be written. Your history is safe.",
            C::NotFound => "Not found (it may have been deleted).",
            C::NoDataDir => "No data folder was found. Set LEXILINGO_DATA_DIR.",
            C::ConfirmRequired => "Confirm first: this deletes the whole history.",
            C::PathNotAbsolute => "Give a full path (starting with /).",
            C::SameFolder => "That is already the data folder.",
            C::FolderNotEmpty => "That folder already holds other files. Choose an empty folder.",
            C::PathNotPicked => "Choose the file or folder with the “Choose…” button.",
            C::DataDirMoveDisabled => "This server does not allow moving the data folder.",
            C::SettingsUnsaved => "The settings could not be saved.",
            C::BadRequestBody => "The request's data is not in the expected form.",
            C::BadQuery => "A parameter in the address is not valid.",
            C::BadPath => "The request's address is not valid.",
            C::BadParameter => "A parameter of the request is not valid.",
            C::NoMessages => "There are no messages yet.",
            C::BadRole => "A message's role is not valid.",
            C::UnsupportedMediaType => "The request must send JSON (Content-Type: application/json).",
            C::Busy => "The model is busy with other requests. Try again in a few seconds.",
            C::Unauthorized => "The access token is missing or wrong. Open the link the server printed.",
            C::HostNotAllowed => "The LexiLingo server answers only when opened as localhost or 127.0.0.1.",
            C::OriginNotAllowed => "Another web page may not change LexiLingo's data.",
            C::Internal => "Something went wrong inside LexiLingo. Try again.",
        }
    }

    /// The Vietnamese text where no more specific one exists (the core's errors carry their
    /// own, with the file name or the sizes in them).
    pub fn message_vi(self) -> &'static str {
        use ErrorCode as C;
        match self {
            C::HistoryUnavailable => "Không đọc hoặc lưu được lịch sử luyện tập. Dữ liệu đã lưu trước đó vẫn an toàn.",
            C::BadImport => "Tệp này không phải bản xuất lịch sử của LexiLingo. Lịch sử hiện có không bị thay đổi.",
            C::ExportFailed => "Không ghi được tệp xuất. Lịch sử của em vẫn an toàn.",
            C::NotFound => "Không tìm thấy mục này (có thể đã bị xoá).",
            C::NoDataDir => "Không tìm thấy thư mục dữ liệu. Hãy đặt LEXILINGO_DATA_DIR.",
            C::ConfirmRequired => "Cần xác nhận trước khi xoá toàn bộ lịch sử.",
            C::PathNotPicked => "Em hãy chọn tệp hoặc thư mục bằng nút “Chọn…” nhé.",
            C::DataDirMoveDisabled => "Máy chủ này không cho phép chuyển thư mục dữ liệu.",
            C::SettingsUnsaved => "Không lưu được cài đặt. Em kiểm tra quyền ghi của thư mục dữ liệu nhé.",
            C::BadRequestBody => "Dữ liệu gửi lên không đúng định dạng.",
            C::BadQuery => "Tham số trên đường dẫn không hợp lệ.",
            C::BadPath => "Địa chỉ yêu cầu không hợp lệ.",
            C::BadParameter => "Tham số của yêu cầu không hợp lệ.",
            C::NoMessages => "Chưa có tin nhắn nào.",
            C::BadRole => "Vai trò tin nhắn không hợp lệ.",
            C::UnsupportedMediaType => "Yêu cầu phải gửi dữ liệu JSON (Content-Type: application/json).",
            C::Busy => "Mô hình đang bận với nhiều yêu cầu. Em thử lại sau vài giây nhé.",
            C::Unauthorized => "Thiếu mã truy cập hoặc mã không đúng. Em mở đường dẫn mà máy chủ đã in ra nhé.",
            C::HostNotAllowed => "Máy chủ LexiLingo chỉ trả lời khi được mở bằng địa chỉ localhost hoặc 127.0.0.1.",
            C::OriginNotAllowed => "Một trang web khác không được phép thay đổi dữ liệu của LexiLingo.",
            C::UploadTooLarge => "Tệp lớn hơn mức máy chủ cho phép.",
            C::UploadFailed => "Tải tệp lên chưa xong. Em thử lại nhé.",
            C::Cancelled => "Đã dừng theo yêu cầu.",
            C::FileError => "Không ghi được tệp. Em kiểm tra quyền ghi của thư mục nhé.",
            _ => "Có lỗi xảy ra. Em thử lại nhé.",
        }
    }
}

/// Every code with its wire spelling, for [`ErrorCode::parse`] (a test checks it is complete
/// and agrees with serde).
const ALL: &[(ErrorCode, &str)] = &{
    use ErrorCode as C;
    [
        (C::InputBlank, "input_blank"),
        (C::InputTooLong, "input_too_long"),
        (C::InputControlChars, "input_control_chars"),
        (C::NotEnglish, "not_english"),
        (C::NothingToExplain, "nothing_to_explain"),
        (C::NoModel, "no_model"),
        (C::ModelNotFound, "model_not_found"),
        (C::ModelNotGguf, "model_not_gguf"),
        (C::ModelUnsupported, "model_unsupported"),
        (C::ModelIo, "model_io"),
        (C::ModelTooBig, "model_too_big"),
        (C::WorkerSpawn, "worker_spawn"),
        (C::WorkerDied, "worker_died"),
        (C::WorkerTimeout, "worker_timeout"),
        (C::ModelLoadFailed, "model_load_failed"),
        (C::ModelNoChatTemplate, "model_no_chat_template"),
        (C::CpuUnsupported, "cpu_unsupported"),
        (C::ContextOverflow, "context_overflow"),
        (C::Cancelled, "cancelled"),
        (C::GenerationFailed, "generation_failed"),
        (C::BadSchema, "bad_schema"),
        (C::WorkerProtocol, "worker_protocol"),
        (C::RemoteFailed, "remote_failed"),
        (C::Unsupported, "unsupported"),
        (C::ModelAnswerInvalid, "model_answer_invalid"),
        (C::BadModelFile, "bad_model_file"),
        (C::DiskFull, "disk_full"),
        (C::NoNetwork, "no_network"),
        (C::ServerRefused, "server_refused"),
        (C::BadDownload, "bad_download"),
        (C::BadFileName, "bad_file_name"),
        (C::DownloadTooLarge, "download_too_large"),
        (C::ModelUnloadable, "model_unloadable"),
        (C::FileError, "file_error"),
        (C::ModelNotInstalled, "model_not_installed"),
        (C::ModelModified, "model_modified"),
        (C::NotInCatalog, "not_in_catalog"),
        (C::DownloadBusy, "download_busy"),
        (C::UploadTooLarge, "upload_too_large"),
        (C::UploadFailed, "upload_failed"),
        (C::HistoryUnavailable, "history_unavailable"),
        (C::BadImport, "bad_import"),
        (C::ExportFailed, "export_failed"),
        (C::NotFound, "not_found"),
        (C::NoDataDir, "no_data_dir"),
        (C::ConfirmRequired, "confirm_required"),
        (C::PathNotAbsolute, "path_not_absolute"),
        (C::SameFolder, "same_folder"),
        (C::FolderNotEmpty, "folder_not_empty"),
        (C::PathNotPicked, "path_not_picked"),
        (C::DataDirMoveDisabled, "data_dir_move_disabled"),
        (C::SettingsUnsaved, "settings_unsaved"),
        (C::BadRequestBody, "bad_request_body"),
        (C::BadQuery, "bad_query"),
        (C::BadPath, "bad_path"),
        (C::BadParameter, "bad_parameter"),
        (C::NoMessages, "no_messages"),
        (C::BadRole, "bad_role"),
        (C::UnsupportedMediaType, "unsupported_media_type"),
        (C::Busy, "busy"),
        (C::Unauthorized, "unauthorized"),
        (C::HostNotAllowed, "host_not_allowed"),
        (C::OriginNotAllowed, "origin_not_allowed"),
        (C::Internal, "internal"),
    ]
};

/// An error as every front end shows it: a code to act on, the text in both UI languages, and
/// the technical detail (English) for logs and bug reports.
#[derive(
    Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema, thiserror::Error,
)]
#[ts(export)]
#[error("{detail}")]
pub struct AppError {
    /// What went wrong.
    pub code: ErrorCode,
    /// For the learner, in Vietnamese (the default UI language).
    pub message_vi: String,
    /// For the learner, in English.
    pub message_en: String,
    /// The technical detail, in English.
    pub detail: String,
}

impl AppError {
    /// An error of `code` with its standard texts.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            message_vi: code.message_vi().into(),
            message_en: code.message_en().into(),
            detail: detail.into(),
        }
    }

    /// Nothing with this id (an attempt, a conversation, a card).
    pub fn not_found(what: &str, id: i64) -> Self {
        Self::new(ErrorCode::NotFound, format!("no {what} {id}"))
    }

    /// No data folder could be found.
    pub fn no_data_dir() -> Self {
        Self::new(ErrorCode::NoDataDir, "no per-OS data directory")
    }

    /// A bug or an unexpected state inside the app.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, detail)
    }

    /// The HTTP status for this error ([`ErrorCode::http_status`]).
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}

impl From<lexilingo_core::Error> for AppError {
    fn from(e: lexilingo_core::Error) -> Self {
        let code = ErrorCode::parse(e.code()).unwrap_or(ErrorCode::Internal);
        let mut out = Self::new(code, e.to_string());
        out.message_vi = e.message_vi();
        // The two texts that carry numbers keep them in English too.
        match &e {
            lexilingo_core::Error::Input(InputError::TooLong { chars, max }) => {
                out.message_en = format!(
                    "The text is {chars} characters long; the limit is {max}. Split it into shorter sentences."
                );
            }
            lexilingo_core::Error::Engine(EngineError::Remote { url, .. }) => {
                out.message_en = format!(
                    "The model server at {url} cannot be reached. Check the network or the server address in Settings."
                );
            }
            _ => {}
        }
        out
    }
}

impl From<InputError> for AppError {
    fn from(e: InputError) -> Self {
        lexilingo_core::Error::from(e).into()
    }
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        lexilingo_core::Error::from(e).into()
    }
}

impl From<ManagerError> for AppError {
    fn from(e: ManagerError) -> Self {
        lexilingo_core::Error::from(e).into()
    }
}

impl From<DownloadError> for AppError {
    fn from(e: DownloadError) -> Self {
        lexilingo_core::Error::from(ManagerError::Download(e)).into()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::BadImport(why) => Self::new(ErrorCode::BadImport, why),
            e => Self::new(ErrorCode::HistoryUnavailable, e.to_string()),
        }
    }
}

impl From<QuantizeError> for AppError {
    fn from(e: QuantizeError) -> Self {
        let detail = e.to_string();
        let code = match e {
            QuantizeError::Input(file) => return lexilingo_core::Error::ModelFile(file).into(),
            QuantizeError::Spawn(_) => ErrorCode::WorkerSpawn,
            // llama.cpp refused to read or convert the model.
            QuantizeError::Failed(_) => ErrorCode::ModelUnloadable,
            // ENOSPC: the quantized copy did not fit.
            QuantizeError::Io { source, .. } if source.raw_os_error() == Some(28) => {
                ErrorCode::DiskFull
            }
            QuantizeError::Io { .. } => ErrorCode::FileError,
        };
        Self::new(code, detail)
    }
}

impl From<MoveError> for AppError {
    fn from(e: MoveError) -> Self {
        let code = ErrorCode::parse(e.code()).unwrap_or(ErrorCode::FileError);
        let mut out = Self::new(code, e.to_string());
        out.message_vi = e.message_vi();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_quantize_is_told_like_any_other_model_failure() {
        let code = |e: QuantizeError| AppError::from(e).code;
        let path = std::path::PathBuf::from("/m/out.gguf");
        assert_eq!(
            code(QuantizeError::Input(
                lexilingo_core::models::gguf::ModelFileError::NotGguf {
                    path: path.clone(),
                    reason: "bad magic".into(),
                }
            )),
            ErrorCode::ModelNotGguf
        );
        assert_eq!(
            code(QuantizeError::Failed("abort".into())),
            ErrorCode::ModelUnloadable
        );
        assert_eq!(
            code(QuantizeError::Io {
                path: path.clone(),
                source: std::io::Error::from_raw_os_error(28),
            }),
            ErrorCode::DiskFull
        );
        assert_eq!(
            code(QuantizeError::Io {
                path,
                source: std::io::Error::from_raw_os_error(13),
            }),
            ErrorCode::FileError
        );
    }

    #[test]
    fn every_code_is_listed_once_with_serdes_spelling() {
        let mut seen = std::collections::HashSet::new();
        for (code, name) in ALL {
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::json!(name))
            );
            assert!(seen.insert(*name), "{name} listed twice");
            assert_eq!(ErrorCode::parse(name), Some(*code));
            assert_eq!(code.as_str(), *name);
        }
    }

    #[test]
    fn every_core_error_code_has_an_app_code() {
        use lexilingo_core::Error as E;
        let samples = [
            E::Input(InputError::Blank),
            E::Input(InputError::TooLong {
                chars: 1200,
                max: 1000,
            }),
            E::Input(InputError::ControlChars),
            E::Input(InputError::NotEnglish),
            E::Input(InputError::NothingToExplain),
            E::NoModel,
            E::TooBig { reason: "x".into() },
            E::Engine(EngineError::Cancelled),
            E::Engine(EngineError::WorkerDied {
                status: "signal 9".into(),
            }),
            E::Engine(EngineError::Timeout { secs: 60 }),
            E::Engine(EngineError::Unsupported {
                what: "scoring".into(),
            }),
            E::Engine(EngineError::Remote {
                url: "http://school".into(),
                message: "refused".into(),
            }),
            E::Models(ManagerError::NotInCatalog("x".into())),
            E::Models(ManagerError::Busy { id: "x".into() }),
            E::Models(ManagerError::Download(DownloadError::Cancelled)),
        ];
        for e in samples {
            let core_code = e.code();
            let app = AppError::from(e);
            assert_eq!(app.code.as_str(), core_code, "{core_code} has no ErrorCode");
            assert!(!app.message_vi.is_empty() && !app.message_en.is_empty());
        }
    }

    #[test]
    fn the_same_store_failure_is_the_same_code_everywhere() {
        let e = AppError::from(StoreError::Corrupt("role `x`".into()));
        assert_eq!(e.code, ErrorCode::HistoryUnavailable);
        assert_eq!(e.http_status(), 500);
        let e = AppError::from(StoreError::BadImport("not json".into()));
        assert_eq!(e.code, ErrorCode::BadImport);
        assert_eq!(e.http_status(), 400);
    }

    #[test]
    fn too_long_keeps_its_numbers_in_both_languages() {
        let e = AppError::from(InputError::TooLong {
            chars: 1504,
            max: 1000,
        });
        assert!(e.message_vi.contains("1504") && e.message_en.contains("1504"));
    }
}
