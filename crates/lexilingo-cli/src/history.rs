//! `lexilingo history | review | stats | export | import`: the learner's saved work.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use lexilingo_core::store::{ExportFormat, HistoryQuery, ReviewGrade, Store};
use lexilingo_core::Tutor;

use crate::cli::{HistoryAction, HistoryArgs};

/// Opens the history database in the data directory.
pub async fn open_store(cli: &crate::cli::Cli) -> anyhow::Result<Store> {
    let dir = cli.data_dir()?;
    Store::open(&dir)
        .await
        .with_context(|| format!("cannot open the history in {}", dir.display()))
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// `lexilingo history …`
pub async fn history(store: &Store, args: &HistoryArgs, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match &args.action {
        Some(HistoryAction::Show { id }) => {
            let a = store
                .get_attempt(*id)
                .await?
                .with_context(|| format!("no attempt with id {id}"))?;
            if json {
                serde_json::to_writer_pretty(&mut out, &a)?;
                writeln!(out)?;
                return Ok(());
            }
            // Every stored text may come from an imported file: shown escaped, so escape codes
            // in it never reach the terminal (docs/SECURITY.md).
            writeln!(
                out,
                "#{} · {} · {:?} · {}",
                a.id,
                when(a.created_at),
                a.mode,
                esc(&a.model_id)
            )?;
            writeln!(out, "Câu của em: {}", esc(&a.text))?;
            if let Some(c) = &a.corrected {
                writeln!(out, "Câu đúng:   {}", esc(c))?;
            }
            if let (Some(f), Some(r)) = (a.fluency, &a.fluency_reason) {
                writeln!(out, "Độ trôi chảy: {f:.1}/5 — {}", esc(r))?;
            }
            if let Some(l) = a.cefr {
                writeln!(out, "Trình độ CEFR: {l}")?;
            }
            for (i, e) in a.edits.iter().enumerate() {
                writeln!(
                    out,
                    "  {}. {} → {} [{}]",
                    i + 1,
                    esc(&e.original),
                    esc(&e.replacement),
                    e.error_type.name_vi()
                )?;
                writeln!(out, "     {}", esc(&e.explanation_vi))?;
            }
        }
        Some(HistoryAction::Delete { id }) => {
            if !store.delete_attempt(*id).await? {
                anyhow::bail!("no attempt with id {id}");
            }
            if !json {
                writeln!(out, "Đã xoá #{id}.")?;
            }
        }
        Some(HistoryAction::Clear { yes }) => {
            let n = store.count_attempts().await?;
            if !yes
                && !confirm(&format!(
                    "Xoá toàn bộ {n} lần luyện tập? Gõ \"yes\" để xác nhận: "
                ))?
            {
                anyhow::bail!("not cleared: confirmation refused (use --yes to skip the question)");
            }
            let removed = store.clear_history().await?;
            if !json {
                writeln!(out, "Đã xoá {removed} lần luyện tập.")?;
            }
        }
        None => {
            let q = HistoryQuery {
                search: args.search.clone(),
                error_type: args.error_type,
                since: args.since,
                level: args.level,
                limit: Some(args.per_page),
                offset: Some((args.page - 1) * args.per_page),
            };
            let page = store.list_attempts(&q).await?;
            if json {
                serde_json::to_writer_pretty(&mut out, &page)?;
                writeln!(out)?;
                return Ok(());
            }
            if page.items.is_empty() {
                writeln!(out, "Chưa có lần luyện tập nào khớp.")?;
            }
            for s in &page.items {
                let types: Vec<&str> = s.error_types.iter().map(|t| t.as_str()).collect();
                writeln!(
                    out,
                    "#{:<5} {}  {:>4}  {:<2}  {}{}",
                    s.id,
                    when(s.created_at),
                    s.fluency
                        .map(|f| format!("{f:.1}"))
                        .unwrap_or_else(|| "–".into()),
                    s.cefr.map(|c| c.as_str()).unwrap_or("–"),
                    esc(&s.text),
                    if types.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", types.join(", "))
                    }
                )?;
            }
            if page.has_more {
                writeln!(out, "… trang tiếp: --page {}", args.page + 1)?;
            }
        }
    }
    Ok(())
}

/// Stored text as the terminal may show it (control characters escaped).
fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    lexilingo_core::text::escape_controls(s)
}

/// Asks on the terminal. Without a terminal there is nobody to ask: the answer is no.
fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}

/// `lexilingo review`: each due card shows a past wrong sentence; the learner types the fix.
pub async fn review(
    store: &Store,
    tutor: Option<Tutor>,
    limit: u32,
    json: bool,
) -> anyhow::Result<()> {
    let now = lexilingo_core::store::now_ms();
    let cards = store.due_cards(now, limit).await?;
    if cards.is_empty() {
        println!(
            "Chưa có câu nào cần ôn. Khi em kiểm tra một câu và gia sư chắc chắn tìm ra lỗi, câu đó sẽ quay lại đây để em sửa."
        );
        return Ok(());
    }
    let interactive = std::io::stdin().is_terminal();
    let mut lines = std::io::stdin().lock().lines();
    let mut results = Vec::new();
    for card in cards {
        let hints: Vec<&str> = card.error_types.iter().map(|t| t.name_vi()).collect();
        println!("\nSửa câu này: {}", esc(&card.text));
        println!("  Gợi ý: {}", esc(&hints.join(", ")));
        if interactive {
            print!("> ");
            std::io::stdout().flush()?;
        }
        let Some(answer) = lines.next().transpose()? else {
            break;
        };
        let card_edits = store
            .get_attempt(card.attempt_id)
            .await?
            .map(|a| a.edits)
            .unwrap_or_default();
        let grade = lexilingo_core::tasks::review::grade(
            tutor.as_ref(),
            &card.text,
            &card.corrected,
            &card_edits,
            answer.trim(),
        )
        .await;
        let outcome = store
            .record_review(card.attempt_id, grade, lexilingo_core::store::now_ms())
            .await?;
        let next = chrono::DateTime::from_timestamp_millis(outcome.next_due_at)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        match grade {
            ReviewGrade::Good => println!("  ✓ Chính xác! Ôn lại lúc {next}."),
            ReviewGrade::Hard => println!(
                "  ✓ Cũng đúng. Đáp án đã lưu: {}. Ôn lại lúc {next}.",
                card.corrected
            ),
            ReviewGrade::Again => println!(
                "  ✗ Chưa đúng. Câu đúng là: {}. Ôn lại lúc {next}.",
                card.corrected
            ),
        }
        results.push(serde_json::json!({ "attempt_id": card.attempt_id, "answer": answer.trim(), "outcome": outcome }));
    }
    if json {
        println!("{}", serde_json::Value::Array(results));
    }
    Ok(())
}

/// `lexilingo drill`: the learner's own sentences with one type of mistake, then (with a
/// model) sentences the model writes and the tutor checks, one at a time, each answered on
/// stdin and graded by the item's edits. Nothing is saved and no review date moves, as in the
/// window.
pub async fn drill(
    store: &Store,
    tutor: Option<Tutor>,
    error_type: lexilingo_core::ErrorType,
    level: lexilingo_core::CefrLevel,
    json: bool,
) -> anyhow::Result<()> {
    use lexilingo_core::tasks::drill;
    let own = store.attempts_with_mistake(error_type, 40).await?;
    let plan = drill::drill_from(error_type, own);
    let mut items = plan.items;
    let wanted = items.len() + plan.more as usize;
    let interactive = std::io::stdin().is_terminal();
    let mut lines = std::io::stdin().lock().lines();
    let mut results = Vec::new();
    let mut asked: u32 = 0;
    // A new seed per drill (and per request in it): a new drill gets new sentences.
    let seed0 = lexilingo_core::store::now_ms() as u32;
    let mut i = 0;
    loop {
        if i == items.len() {
            let Some(tutor) = tutor.as_ref() else { break };
            if items.len() >= wanted || asked >= plan.more + 3 {
                break;
            }
            asked += 1;
            let avoid: Vec<String> = items
                .iter()
                .flat_map(|i| [i.text.clone(), i.expected.clone()])
                .collect();
            let cancel = lexilingo_core::engine::CancellationToken::new();
            if let Some(item) = tutor
                .drill_item(
                    error_type,
                    level,
                    &avoid,
                    seed0.wrapping_add(7 * asked),
                    &cancel,
                )
                .await?
            {
                items.push(item);
            }
            continue;
        }
        let item = &items[i];
        i += 1;
        let source = match item.source {
            drill::DrillSource::Own => "câu của em",
            drill::DrillSource::Model => "câu mới",
        };
        if !json {
            println!("\nSửa câu này ({source}): {}", esc(&item.text));
        }
        if interactive && !json {
            print!("> ");
            std::io::stdout().flush()?;
        }
        let Some(answer) = lines.next().transpose()? else {
            break;
        };
        let feedback = drill::grade_item(tutor.as_ref(), item, answer.trim()).await;
        match feedback.grade {
            _ if json => {}
            ReviewGrade::Good => println!("  ✓ Chính xác!"),
            ReviewGrade::Hard => {
                println!("  ✓ Cũng đúng. Đáp án gợi ý: {}", esc(&feedback.expected))
            }
            ReviewGrade::Again => {
                println!("  ✗ Chưa đúng. Câu đúng là: {}", esc(&feedback.expected))
            }
        }
        if !json {
            for why in &feedback.explanations {
                println!("    {}", esc(why));
            }
        }
        results.push(
            serde_json::json!({ "item": item, "answer": answer.trim(), "feedback": feedback }),
        );
    }
    if results.is_empty() && !json {
        let name = error_type.name_vi();
        if tutor.is_some() {
            println!(
                "Chưa có câu nào của em mắc lỗi “{name}”, và lần này mô hình chưa soạn được câu nào mà gia sư kiểm tra chắc chắn. Em thử lại nhé."
            );
        } else {
            println!(
                "Chưa có câu nào để luyện lỗi “{name}”. Khi gia sư chắc chắn tìm ra lỗi loại này trong câu em viết, câu đó sẽ có ở đây; với --model, mô hình soạn thêm câu mới."
            );
        }
    }
    if json {
        println!("{}", serde_json::Value::Array(results));
    }
    Ok(())
}

/// `lexilingo stats`
pub async fn stats(store: &Store, json: bool) -> anyhow::Result<()> {
    let offset = chrono::Local::now().offset().local_minus_utc() / 60;
    let p = store
        .progress(lexilingo_core::store::now_ms(), offset)
        .await?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &p)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "Độ trôi chảy trung bình theo ngày:")?;
    for d in p.fluency_by_day.iter().rev().take(14).rev() {
        let bar = "█".repeat((d.average * 4.0).round() as usize);
        writeln!(
            out,
            "  {}  {bar:<20} {:.1} ({} câu)",
            d.period, d.average, d.attempts
        )?;
    }
    writeln!(out, "Theo tuần:")?;
    for w in p.fluency_by_week.iter().rev().take(8).rev() {
        writeln!(out, "  {}  {:.1} ({} câu)", w.period, w.average, w.attempts)?;
    }
    writeln!(out, "Phân bố trình độ CEFR:")?;
    let max = p
        .cefr_distribution
        .iter()
        .map(|l| l.attempts)
        .max()
        .unwrap_or(1)
        .max(1);
    for l in &p.cefr_distribution {
        let bar = "█".repeat(((l.attempts * 30) / max) as usize);
        writeln!(out, "  {}  {bar} {}", l.level, l.attempts)?;
    }
    writeln!(out, "Lỗi hay gặp nhất (7 ngày qua so với 7 ngày trước):")?;
    for e in &p.top_errors {
        let trend = match e.last_7_days.cmp(&e.previous_7_days) {
            std::cmp::Ordering::Less => "↓",
            std::cmp::Ordering::Equal => "→",
            std::cmp::Ordering::Greater => "↑",
        };
        writeln!(
            out,
            "  {:<28} {:>4} lần   {trend} {} / {}",
            e.error_type.name_vi(),
            e.total,
            e.last_7_days,
            e.previous_7_days
        )?;
    }
    Ok(())
}

/// `lexilingo export`
pub async fn export(
    store: &Store,
    format: &str,
    since: Option<i64>,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let format = if format == "csv" {
        ExportFormat::Csv
    } else {
        ExportFormat::Json
    };
    let n = match out {
        Some(path) => {
            // Write beside the target and rename, so a failed export never leaves half a file.
            let tmp = path.with_extension("partial");
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(&tmp)
                    .with_context(|| format!("cannot write {}", tmp.display()))?,
            );
            let n = store.export(format, since, &mut file).await?;
            file.flush()?;
            drop(file);
            std::fs::rename(&tmp, path)?;
            n
        }
        None => {
            store
                .export(format, since, &mut std::io::stdout().lock())
                .await?
        }
    };
    eprintln!("Đã xuất {n} lần luyện tập.");
    Ok(())
}

/// `lexilingo import`
pub async fn import(store: &Store, file: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let data = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let report = store.import_json(&data).await?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "Đã nhập {} lần luyện tập và {} cuộc hội thoại, bỏ qua {} lần luyện tập và {} cuộc hội thoại đã có.",
            report.imported,
            report.conversations_imported,
            report.skipped,
            report.conversations_skipped
        );
    }
    Ok(())
}
