//! Settings under `/v1/settings/…`: the engine's threads and context size, and the data-folder
//! move (off over HTTP unless `--allow-data-dir-move`).

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

/// A request naming a path on this machine (a folder to move data to).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct PathBody {
    /// An absolute path to an empty or new folder.
    #[schema(value_type = String)]
    path: PathBuf,
}

/// Engine settings
///
/// Threads and context size, as saved.
#[utoipa::path(get, path = "/v1/settings/engine", tag = "settings",
    responses((status = 200, description = "The settings", body = EngineSettings)))]
pub(super) async fn engine_settings_get(State(state): State<Shared>) -> ApiResult<Response> {
    Ok(Json(state.app.engine_settings().await?).into_response())
}

/// Save engine settings
///
/// Saves threads and context size and restarts the engine with them.
#[utoipa::path(put, path = "/v1/settings/engine", tag = "settings", request_body = EngineSettings,
    responses((status = 200, description = "The settings as saved", body = EngineSettings)))]
pub(super) async fn engine_settings_put(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<EngineSettings>,
) -> ApiResult<Response> {
    Ok(Json(state.app.save_engine_settings(body).await?).into_response())
}

/// Save the daily goal
///
/// Sentences a day the learner aims for (1–500); Progress measures today against it.
#[utoipa::path(put, path = "/v1/settings/daily-goal", tag = "settings", request_body = DailyGoal,
    responses((status = 200, description = "The goal as saved", body = DailyGoal)))]
pub(super) async fn daily_goal_put(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<DailyGoal>,
) -> ApiResult<Json<DailyGoal>> {
    Ok(Json(state.app.save_daily_goal(body).await?))
}

/// Move the data folder
///
/// Copies the data folder to `path`, used from the next start without `--data-dir`. Off over
/// HTTP (403 `data_dir_move_disabled`) unless the server was started with
/// `--allow-data-dir-move`.
#[utoipa::path(post, path = "/v1/settings/data-dir", tag = "settings", request_body = PathBody,
    responses((status = 200, description = "What was copied", body = MoveReport)))]
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
