//! Settings under `/v1/settings/…`: the engine's threads and context size, and the data-folder
//! move (off over HTTP unless `--allow-data-dir-move`).

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

/// A request naming a path on this machine (a folder to move data to).
#[derive(Debug, Deserialize)]
pub(super) struct PathBody {
    path: PathBuf,
}

pub(super) async fn engine_settings_get(State(state): State<Shared>) -> ApiResult<Response> {
    Ok(Json(state.app.engine_settings().await?).into_response())
}

/// Saves threads and context size and restarts the engine with them.
pub(super) async fn engine_settings_put(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<EngineSettings>,
) -> ApiResult<Response> {
    Ok(Json(state.app.save_engine_settings(body).await?).into_response())
}

/// Copies the data folder to `path`, used from the next start without `--data-dir`.
pub(super) async fn data_dir_move(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<PathBody>,
) -> ApiResult<Response> {
    if !state.allow_data_dir_move {
        return Err(ApiError::full(
        StatusCode::FORBIDDEN,
        ErrorCode::DataDirMoveDisabled,
        "moving the data folder over HTTP is off; start serve with \
                      --allow-data-dir-move, or move it in the app"
                .into(),
        "Không thể chuyển thư mục dữ liệu qua trình duyệt. Em chuyển trong ứng dụng LexiLingo, hoặc khởi động máy chủ với --allow-data-dir-move nhé."
                ,
    ));
    }
    Ok(Json(state.app.move_data_dir(&body.path).await?).into_response())
}
