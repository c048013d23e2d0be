//! Getting a model onto the learner's computer: the pinned catalog, a download that survives
//! bad Wi-Fi, import of a local file, and the check that it fits in memory.

pub mod catalog;
pub mod download;
pub mod gguf;
pub mod manager;
pub mod quantize;

pub use catalog::{Catalog, CatalogEntry};
pub use download::{
    download, plain_file_name, DownloadError, DownloadOptions, DownloadSpec, DownloadState,
    Progress,
};
pub use manager::{available_memory, fit_check, Fit, InstalledModel, ManagerError, ModelManager};
pub use quantize::{quantize, QuantType, QuantizeError};

/// Free bytes on the disk that holds `dir` (uploads and downloads check it first).
pub fn available_disk(dir: &std::path::Path) -> std::io::Result<u64> {
    fs4::available_space(dir)
}
