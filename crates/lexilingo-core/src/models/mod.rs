//! Getting a model onto the learner's computer: the pinned catalog, a download that survives
//! bad Wi-Fi, import of a local file, and the check that it fits in memory.

pub mod catalog;
pub mod download;
pub mod manager;
pub mod quantize;

pub use catalog::{Catalog, CatalogEntry};
pub use download::{
    download, DownloadError, DownloadOptions, DownloadSpec, DownloadState, Progress,
};
pub use manager::{available_memory, fit_check, Fit, InstalledModel, ManagerError, ModelManager};
pub use quantize::{quantize, QuantType, QuantizeError};
pub mod service;
pub use service::{endpoint_from_env, CatalogItem, DownloadStatus, ModelService, ModelsOverview};
