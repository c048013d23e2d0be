//! `lexilingo chat`: a conversation in the terminal, one line per message.
//!
//! A failed turn (the worker crashed, the model answered badly) prints one error line and the
//! conversation goes on: the next line starts a fresh worker if needed.

use std::io::{BufRead, Write};

use lexilingo_core::engine::{CancellationToken, ChatMessage, Role};
use lexilingo_core::store::{NewAttempt, NewConversation, Store};
use lexilingo_core::tasks::DialogueSettings;
use lexilingo_core::Tutor;

use crate::cli::ChatArgs;

/// Runs the conversation until end of input or `/quit`.
pub async fn run(tutor: Tutor, store: &Store, args: &ChatArgs, json: bool) -> anyhow::Result<()> {
    let settings = DialogueSettings {
        scenario: args.scenario(),
        level: args.level,
        seed: args.seed.unwrap_or_else(seed_from_clock),
        ..DialogueSettings::default()
    };
    let mut history: Vec<ChatMessage> = Vec::new();
    let conversation = store
        .insert_conversation(&NewConversation {
            scenario: settings.scenario.as_str().into(),
            level: settings.level,
            model_id: tutor.engine().config().model_id(),
        })
        .await?;
    let ctx = Saved {
        store,
        conversation,
    };
    if !json {
        eprintln!(
            "Hội thoại: {} · trình độ {}. Gõ câu tiếng Anh rồi Enter; /quit để thoát.",
            settings.scenario.as_str(),
            settings.level
        );
    }
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
        let cancel = CancellationToken::new();
        if let Err(e) = turn(
            &tutor,
            &ctx,
            args,
            &settings,
            &mut history,
            message,
            json,
            &cancel,
        )
        .await
        {
            crate::report(&e, json);
        }
    }
    Ok(())
}

/// Where a conversation is saved.
struct Saved<'a> {
    store: &'a Store,
    conversation: i64,
}

#[allow(clippy::too_many_arguments)]
async fn turn(
    tutor: &Tutor,
    saved: &Saved<'_>,
    args: &ChatArgs,
    settings: &DialogueSettings,
    history: &mut Vec<ChatMessage>,
    message: &str,
    json: bool,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let check = if args.no_check {
        None
    } else {
        Some(tutor.correct_grammar(message, cancel).await?)
    };
    // The learner's message is saved as soon as it is checked, before the reply is generated.
    saved
        .store
        .insert_turn(saved.conversation, Role::User, message)
        .await?;
    if let Some(c) = &check {
        let attempt = NewAttempt::from_dialogue_check(
            c,
            &tutor.engine().config().model_id(),
            saved.conversation,
            started.elapsed().as_millis() as u64,
        );
        saved.store.insert_attempt(&attempt).await?;
    }
    if let (Some(c), false) = (&check, json) {
        for e in &c.edits {
            println!(
                "  💡 {} → {} ({})",
                if e.original.is_empty() {
                    "∅"
                } else {
                    &e.original
                },
                if e.replacement.is_empty() {
                    "∅"
                } else {
                    &e.replacement
                },
                e.error_type.name_vi()
            );
        }
    }
    let mut stdout = std::io::stdout();
    let reply = tutor
        .generate_dialogue(
            history,
            message,
            settings,
            |piece| {
                if !json {
                    // The model's text, escape codes shown, never obeyed by the terminal.
                    let piece = lexilingo_core::text::escape_controls(piece);
                    let _ = stdout.write_all(piece.as_bytes());
                    let _ = stdout.flush();
                }
            },
            cancel,
        )
        .await?;
    if json {
        let line = serde_json::json!({ "reply": reply, "correction": check });
        println!("{line}");
    } else {
        println!();
    }
    saved
        .store
        .insert_turn(saved.conversation, Role::Assistant, &reply.reply)
        .await?;
    history.push(ChatMessage::new(Role::User, message));
    history.push(ChatMessage::new(Role::Assistant, reply.reply));
    Ok(())
}

fn seed_from_clock() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(42)
}
