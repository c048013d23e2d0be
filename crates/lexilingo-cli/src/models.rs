//! `lexilingo models …`: catalog, download with a progress bar, import, verify, remove, use.

use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::models::{
    download, Catalog, DownloadOptions, DownloadSpec, DownloadState, ModelManager,
};

use crate::cli::{Cli, ModelsAction};

/// Runs a `models` action.
pub async fn run(
    cli: &Cli,
    action: &ModelsAction,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let data_dir = cli.data_dir()?;
    let manager = ModelManager::new(lexilingo_app::host::paths::models_dir(&data_dir));
    let catalog = Catalog::load(&data_dir)?;
    match action {
        ModelsAction::List => list(&manager, &catalog, cli.json),
        ModelsAction::Download {
            id,
            url,
            sha256,
            size,
            name,
            retries,
            stall_secs,
            slow_secs,
        } => {
            let spec = match (url, id) {
                (Some(url), _) => DownloadSpec {
                    urls: vec![url.clone()],
                    file_name: name.clone().unwrap_or_default(),
                    size: *size,
                    sha256: sha256.clone().unwrap_or_default().to_lowercase(),
                },
                (None, id) => {
                    let id = id.clone().unwrap_or_else(|| catalog.default.clone());
                    let entry = catalog
                        .get(&id)
                        .with_context(|| format!("no catalog model `{id}`"))?;
                    if !entry.downloadable() {
                        anyhow::bail!("`{id}` has no pinned source and verified sha256, so it cannot be downloaded; import the file instead");
                    }
                    DownloadSpec {
                        urls: entry.urls(
                            lexilingo_app::host::model_service::endpoint_from_env().as_deref(),
                        ),
                        file_name: entry.file.clone(),
                        size: entry.size,
                        sha256: entry.sha256.clone().unwrap_or_default(),
                    }
                }
            };
            let options = DownloadOptions {
                max_retries: *retries,
                stall_timeout: Duration::from_secs((*stall_secs).max(1)),
                min_speed_window: Duration::from_secs((*slow_secs).max(1)),
                ..DownloadOptions::default()
            };
            let path = fetch_with_bar(&spec, &manager, &options, cancel).await?;
            // The download verified the sha256 when one was given: no second pass over the file.
            let known = Some(spec.sha256.clone()).filter(|h| !h.is_empty());
            let model = manager
                .register_hashed(&path, &catalog, false, known)
                .await?;
            println!("Đã tải xong {} ({}).", model.id, path.display());
            Ok(())
        }
        ModelsAction::Import { path, in_place, .. } => {
            // llama.cpp must be able to load it (in a worker process) before it is registered.
            let worker = lexilingo_core::engine::WorkerCommand::current_exe()?;
            let model = manager
                .import(path, &catalog, !in_place, move |p| async move {
                    lexilingo_core::engine::probe_load(&p, worker)
                        .await
                        .map(|_| ())
                })
                .await?;
            let note = if model.verified {
                "khớp với danh mục"
            } else {
                "không có trong danh mục"
            };
            println!("Đã nhập {} ({note}).", model.id);
            Ok(())
        }
        ModelsAction::Verify { id } => {
            let (models, _) = manager.list()?;
            let ids: Vec<String> = match id {
                Some(id) => vec![id.clone()],
                None => models.iter().map(|m| m.id.clone()).collect(),
            };
            for id in ids {
                manager.verify(&id).await?;
                println!("{id}: sha256 ok");
            }
            Ok(())
        }
        ModelsAction::Remove { id, partial } => {
            if *partial {
                let entry = catalog
                    .get(id)
                    .with_context(|| format!("no catalog model `{id}`"))?;
                if !manager.remove_partial(&entry.file) {
                    anyhow::bail!("no partial download of `{id}`");
                }
            } else {
                manager.remove(id)?;
            }
            println!("Đã xoá {id}.");
            Ok(())
        }
        ModelsAction::Quantize {
            input,
            output,
            kind,
        } => {
            let program = std::env::current_exe()?;
            let threads = cli
                .threads
                .unwrap_or_else(lexilingo_core::engine::default_threads);
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("quantize {msg} [{bar:30}] {pos}/{len} tensors")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message(kind.as_str());
            let result = lexilingo_core::models::quantize(
                &program,
                input,
                output,
                *kind,
                threads,
                |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                },
            )
            .await;
            bar.finish_and_clear();
            // The same code and texts as every other front end's failures.
            result.map_err(lexilingo_app::AppError::from)?;
            let size = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
            println!(
                "Đã lượng tử hoá thành {} ({:.1} MB). Dùng `lexilingo models import` để thêm vào.",
                output.display(),
                size as f64 / 1e6
            );
            Ok(())
        }
        ModelsAction::Use { id } => {
            manager.set_active(id)?;
            println!("Đang dùng {id}.");
            Ok(())
        }
    }
}

fn list(manager: &ModelManager, catalog: &Catalog, json: bool) -> anyhow::Result<()> {
    let (installed, active) = manager.list()?;
    if json {
        let v = serde_json::json!({ "catalog": catalog, "installed": installed, "active": active });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("Danh mục mô hình:");
    for m in &catalog.models {
        let size = m
            .size
            .map(|s| format!("{:.2} GB", s as f64 / 1e9))
            .unwrap_or_else(|| "?".into());
        let mark = if m.id == catalog.default { "★" } else { " " };
        let offer = if m.downloadable() {
            ""
        } else {
            "  (chưa tải được)"
        };
        println!(
            "  {mark} {:<30} {:>8}  RAM ≥ {} GB  {}  {}{offer}",
            m.id, size, m.ram_gb, m.licence, m.recommendation
        );
    }
    println!("Đã cài:");
    if installed.is_empty() {
        println!("  (chưa có) — chạy `lexilingo models download` để tải mô hình khuyên dùng");
    }
    for m in &installed {
        let mark = if active.as_deref() == Some(m.id.as_str()) {
            "*"
        } else {
            " "
        };
        let v = if m.verified {
            "đã xác minh"
        } else {
            "chưa xác minh"
        };
        println!(
            "  {mark} {:<30} {:>8.2} GB  {v}  {}",
            m.id,
            m.size as f64 / 1e9,
            m.path.display()
        );
    }
    Ok(())
}

async fn fetch_with_bar(
    spec: &DownloadSpec,
    manager: &ModelManager,
    options: &DownloadOptions,
    cancel: &CancellationToken,
) -> anyhow::Result<std::path::PathBuf> {
    let bar = ProgressBar::new(spec.size.unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(spec.file_name.clone());
    let result = download(spec, manager.dir(), options, cancel, |state| match state {
        DownloadState::Downloading(p) => {
            if let Some(t) = p.total {
                bar.set_length(t);
            }
            bar.set_position(p.bytes);
        }
        DownloadState::WaitingForNetwork { reason, retry_in_ms, attempt } => {
            // Always visible, even without a terminal: the learner must know why nothing moves.
            bar.suspend(|| {
                eprintln!(
                    "Đang chờ mạng… {reason} — thử lại sau {:.0} s (lần {attempt}); Ctrl-C để dừng, chạy lại để tải tiếp.",
                    *retry_in_ms as f64 / 1000.0
                );
            });
        }
        DownloadState::Verifying => bar.set_message("đang kiểm tra sha256…"),
        DownloadState::Connecting { .. } | DownloadState::Done { .. } => {}
    })
    .await;
    bar.finish_and_clear();
    Ok(result?)
}
