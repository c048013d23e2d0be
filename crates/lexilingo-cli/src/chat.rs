//! `lexilingo chat`: a conversation in the terminal, one line per message.
//!
//! Each turn is the app's conversation use case ([`lexilingo_app::App::converse`]), as in the
//! window and the browser: the reply streams, then the message is checked and the exchange
//! saved, so the learner's mistakes reach History and Review from here too.
//!
//! A failed turn (the worker crashed, the model answered badly) prints one error line and the
//! conversation goes on: the next line starts a fresh worker if needed.

use std::io::{BufRead, Write};

use lexilingo_app::{App, ConversationTurn, TurnRequest};
use lexilingo_core::engine::{CancellationToken, ChatMessage, Role};
use lexilingo_core::tasks::DialogueSettings;

use crate::cli::ChatArgs;

/// Runs the conversation until end of input or `/quit`.
pub async fn run(app: App, args: &ChatArgs, json: bool) -> anyhow::Result<()> {
    let mut request = TurnRequest {
        conversation_id: None,
        scenario: args.scenario(),
        level: args.level,
        history: Vec::new(),
        message: String::new(),
        check: !args.no_check,
        seed: Some(args.seed.unwrap_or_else(seed_from_clock)),
    };
    if !json {
        eprintln!(
            "Hội thoại: {} · trình độ {}. Gõ câu tiếng Anh rồi Enter; /quit để thoát.",
            request.scenario.as_str(),
            request.level
        );
        eprintln!("{}", request.scenario.brief_vi());
    }
    // The partner opens the scene; the line is saved with the first exchange.
    let opening = request.scenario.opening();
    if json {
        println!("{}", serde_json::json!({ "opening": opening }));
    } else {
        println!("{opening}");
    }
    request
        .history
        .push(ChatMessage::new(Role::Assistant, opening.to_string()));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(4);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    loop {
        if !json {
            print!("> ");
            std::io::stdout().flush()?;
        }
        let Some(line) = rx.recv().await else { break };
        let message = line.trim();
        if message.is_empty() {
            continue;
        }
        if message == "/quit" || message == "/exit" {
            break;
        }
        request.message = message.to_string();
        match turn(&app, &request, json).await {
            Ok(done) => {
                if done.conversation_id.is_some() {
                    request.conversation_id = done.conversation_id;
                }
                request
                    .history
                    .push(ChatMessage::new(Role::User, request.message.clone()));
                request
                    .history
                    .push(ChatMessage::new(Role::Assistant, done.reply.reply));
            }
            Err(e) => crate::report(&e, json),
        }
    }
    Ok(())
}

async fn turn(app: &App, request: &TurnRequest, json: bool) -> anyhow::Result<ConversationTurn> {
    let cancel = CancellationToken::new();
    let mut stdout = std::io::stdout();
    let done = app
        .converse(
            request,
            |piece| {
                if !json {
                    // The model's text, escape codes shown, never obeyed by the terminal.
                    let piece = lexilingo_core::text::escape_controls(piece);
                    let _ = stdout.write_all(piece.as_bytes());
                    let _ = stdout.flush();
                }
            },
            &cancel,
        )
        .await?;
    if json {
        let line = serde_json::json!({
            "reply": done.reply, "correction": done.check,
            "conversation_id": done.conversation_id, "attempt_id": done.attempt_id,
            "warnings": done.warnings,
        });
        println!("{line}");
        return Ok(done);
    }
    println!();
    if let Some(c) = &done.check {
        for e in &c.edits {
            let side = |s: &str| {
                if s.is_empty() {
                    "∅".to_string()
                } else {
                    s.to_string()
                }
            };
            println!(
                "  💡 {} → {} ({})",
                side(&e.original),
                side(&e.replacement),
                e.error_type.name_vi()
            );
        }
    }
    for w in &done.warnings {
        eprintln!("lexilingo: warning: {}", w.message_vi);
    }
    Ok(done)
}

fn seed_from_clock() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(DialogueSettings::default().seed)
}
