//! Model management under `/v1/models/…`: the catalog, the download (its progress is in
//! `events.rs`), upload and switch.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

/// Models overview
///
/// The catalog with what is installed, the active model, the download's state and the
/// free disk: everything the Models screen shows.
#[utoipa::path(get, path = "/v1/models/overview", tag = "models",
    responses((status = 200, description = "The overview", body = ModelsOverview)))]
pub(super) async fn models_overview(State(state): State<Shared>) -> ApiResult<Response> {
    Ok(Json(state.app.models_overview().await?).into_response())
}

/// A model, by its catalog id.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct ModelIdBody {
    /// The catalog id (or an imported model's file stem).
    id: String,
}

/// Download a model
///
/// Starts or resumes a download; `202`, progress on `/v1/models/download/events`.
#[utoipa::path(post, path = "/v1/models/download", tag = "models", request_body = ModelIdBody,
    responses((status = 202, description = "Started", body = DownloadStatus)))]
pub(super) async fn models_download(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ModelIdBody>,
) -> ApiResult<Response> {
    let status = state.app.download_model(&body.id)?;
    Ok((StatusCode::ACCEPTED, Json(status)).into_response())
}

/// Pause the download
///
/// Pausing takes no parameters, but its body is still JSON (`{}`): an empty or `text/plain`
/// POST from another page must not stop a learner's download.
#[utoipa::path(post, path = "/v1/models/download/pause", tag = "models",
    request_body(content = Object, description = "`{}`"),
    responses((status = 200, description = "Paused; the partial file is kept", body = DownloadStatus)))]
pub(super) async fn models_pause(
    State(state): State<Shared>,
    ApiJson(_body): ApiJson<Value>,
) -> ApiResult<Response> {
    Ok(Json(state.app.pause_download().await?).into_response())
}

/// Cancel a download
///
/// Stops the download and deletes its partial file.
#[utoipa::path(post, path = "/v1/models/download/cancel", tag = "models", request_body = ModelIdBody,
    responses((status = 200, description = "Cancelled", body = DownloadStatus)))]
pub(super) async fn models_cancel(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ModelIdBody>,
) -> ApiResult<Response> {
    Ok(Json(state.app.cancel_download(&body.id).await?).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct UploadQuery {
    /// The file name to save the model as (a plain name: `model.gguf`).
    name: Option<String>,
}

/// Upload a model
///
/// Adds a GGUF model sent as the request body (`Content-Type: application/octet-stream`,
/// `?name=FILE.gguf`). The server never opens a path a client names: a web client could
/// otherwise make it read a FIFO, a device or someone else's file. The body is streamed to a
/// `.uploading` file in the models folder, capped by the free disk (and
/// [`lexilingo_core::models::download::MAX_DOWNLOAD`]), then checked, load-tested in a worker
/// and registered; a refused upload is deleted and the active model stays as it was.
#[utoipa::path(post, path = "/v1/models/import", tag = "models", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The GGUF file"),
    responses((status = 200, description = "Installed (and active if it is the first)", body = InstalledModel)))]
pub(super) async fn models_import(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let octets = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/octet-stream"));
    if !octets {
        return Err(ApiError::full(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the model file as the body with `Content-Type: application/octet-stream`".into(),
            "Hãy gửi chính tệp mô hình (Content-Type: application/octet-stream).",
        ));
    }
    let name = q.name.ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::BadQuery,
            "give the file name as `?name=FILE.gguf`",
            "Thiếu tên tệp mô hình.",
        )
    })?;
    let (part, dest) = state.models.upload_paths(&name)?;
    let dir = dest.parent().map(PathBuf::from).unwrap_or_default();
    let free = blocking(move || {
        lexilingo_core::models::available_disk(&dir).map_err(|e| internal(e.to_string()))
    })
    .await?;
    let limit = free
        .saturating_sub(64 * 1024 * 1024)
        .min(lexilingo_core::models::download::MAX_DOWNLOAD);
    let write_error = |e: std::io::Error| {
        ApiError::full(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::FileError,
            format!("cannot write the upload: {e}"),
            "Không ghi được tệp tải lên. Em kiểm tra chỗ trống trên ổ đĩa nhé.",
        )
    };
    let mut file = tokio::fs::File::create(&part).await.map_err(write_error)?;
    let mut stream = body.into_data_stream();
    let mut written: u64 = 0;
    let received = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request(
                    ErrorCode::UploadFailed,
                    format!("the upload was interrupted: {e}"),
                    "Việc gửi tệp bị gián đoạn. Em thử lại nhé.",
                )
            })?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(ApiError::full(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::UploadTooLarge,
                    format!("the upload is larger than the {limit} bytes this disk can take"),
                    "Tệp quá lớn so với chỗ trống trên ổ đĩa.",
                ));
            }
            file.write_all(&chunk).await.map_err(write_error)?;
        }
        file.sync_all().await.map_err(write_error)
    }
    .await;
    drop(file);
    if let Err(e) = received {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(e);
    }
    // The first model installed becomes the active one: the next request starts it.
    Ok(Json(state.app.install_upload(&part, &dest).await?).into_response())
}

/// Switch model
///
/// Switches the active model; the running engine stops and the next request starts the new one.
#[utoipa::path(post, path = "/v1/models/active", tag = "models", request_body = ModelIdBody,
    responses((status = 200, description = "The overview after the switch", body = ModelsOverview)))]
pub(super) async fn models_activate(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ModelIdBody>,
) -> ApiResult<Response> {
    Ok(Json(state.app.activate_model(&body.id).await?).into_response())
}
