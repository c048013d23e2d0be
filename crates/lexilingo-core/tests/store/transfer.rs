//! Export and import, and conversations saved turn by turn and carried in the export.

use super::*;

#[tokio::test]
async fn export_and_import_round_trip_without_duplicates() {
    let (_dir, store) = seeded().await;
    let mut json = Vec::new();
    assert_eq!(
        store
            .export(ExportFormat::Json, None, &mut json)
            .await
            .expect("export"),
        4
    );
    let mut csv = Vec::new();
    store
        .export(ExportFormat::Csv, Some(T0 + 2 * DAY), &mut csv)
        .await
        .expect("csv");
    let csv = String::from_utf8(csv).expect("utf8");
    assert_eq!(
        csv.lines().count(),
        3,
        "header + 2 rows since day 2:\n{csv}"
    );
    assert!(csv.contains("noun_number"));

    let dir = tempfile::tempdir().expect("temp");
    let other = Store::open(dir.path()).await.expect("open");
    let first = other.import_json(&json).await.expect("import");
    assert_eq!((first.imported, first.skipped), (4, 0));
    let again = other.import_json(&json).await.expect("import again");
    assert_eq!((again.imported, again.skipped), (0, 4));
    let back = store
        .import_json(&json)
        .await
        .expect("import into the source");
    assert_eq!(back.imported, 0);
    let a = other
        .list_attempts(&HistoryQuery {
            search: Some("gioi".into()),
            ..Default::default()
        })
        .await
        .expect("search");
    assert_eq!(a.items.len(), 1, "imported rows are searchable");
    assert!(other
        .import_json(b"{\"format\":\"other\",\"version\":1,\"attempts\":[]}")
        .await
        .is_err());
    assert!(other.import_json(b"not json").await.is_err());
}

#[tokio::test]
async fn a_windows_conversation_is_saved_turn_by_turn_listed_and_deleted() {
    use lexilingo_core::engine::Role;
    use lexilingo_core::store::NewConversation;
    let dir = tempfile::tempdir().expect("temp");
    let store = Store::open(dir.path()).await.expect("open");
    let new = NewConversation {
        scenario: "ordering_food".into(),
        level: CefrLevel::A2,
        model_id: "smol.gguf".into(),
    };
    let id = store
        .append_turns(
            None,
            &new,
            &[
                (Role::User, "I want an coffee.".into()),
                (Role::Assistant, "Sure! Hot or iced?".into()),
            ],
        )
        .await
        .expect("first exchange");
    let same = store
        .append_turns(
            Some(id),
            &new,
            &[
                (Role::User, "Iced, please.".into()),
                (Role::Assistant, "Here you are.".into()),
            ],
        )
        .await
        .expect("second exchange");
    assert_eq!(same, id, "the same conversation grows");
    // A system message is refused, and nothing of that batch is kept.
    assert!(store
        .append_turns(
            Some(id),
            &new,
            &[(Role::User, "x".into()), (Role::System, "y".into())]
        )
        .await
        .is_err());

    let list = store.list_conversations(10).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].turns, 4);
    assert_eq!(list[0].first_message, "I want an coffee.");
    assert_eq!(list[0].scenario, "ordering_food");
    let full = store
        .get_conversation(id)
        .await
        .expect("get")
        .expect("there");
    let texts: Vec<_> = full.turns.iter().map(|t| t.content.as_str()).collect();
    assert_eq!(
        texts,
        [
            "I want an coffee.",
            "Sure! Hot or iced?",
            "Iced, please.",
            "Here you are."
        ]
    );

    // After a delete (say, in another window) the next exchange starts a new conversation.
    assert!(store.delete_conversation(id).await.expect("delete"));
    assert!(!store.delete_conversation(id).await.expect("delete again"));
    store
        .append_turns(Some(id), &new, &[(Role::User, "Hello.".into())])
        .await
        .expect("new conversation");
    let list = store.list_conversations(10).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].turns, list[0].first_message.as_str()),
        (1, "Hello.")
    );
}

/// Hardening: an import file is checked whole before anything is written. Bad times, edit
/// offsets outside the text, and empty ids are refused, and nothing of the file is stored.
#[tokio::test]
async fn imports_with_impossible_values_are_refused_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let file = |uuid: &str, created_at: i64, start: usize, end: usize| {
        serde_json::json!({
            "format": "lexilingo-history", "version": 1,
            "attempts": [
                { "id": 0, "uuid": "good-one", "text": "She don't like it.", "mode": "practice",
                  "model_id": "x", "created_at": T0, "fluency": 3.0, "fluency_reason": null,
                  "cefr": "A1", "corrected": "She doesn't like it.", "latency_ms": 0,
                  "conversation_id": null, "edits": [] },
                { "id": 0, "uuid": uuid, "text": "She don't like it.", "mode": "practice",
                  "model_id": "x", "created_at": created_at, "fluency": 3.0,
                  "fluency_reason": null, "cefr": "A1", "corrected": null, "latency_ms": 0,
                  "conversation_id": null,
                  "edits": [{ "start": start, "end": end, "original": "don't",
                              "replacement": "doesn't", "error_type": "subject_verb_agreement",
                              "explanation_vi": "…" }] }
            ]
        })
        .to_string()
    };
    for (why, bad) in [
        ("i64::MIN", file("u1", i64::MIN, 4, 9)),
        ("i64::MAX", file("u2", i64::MAX, 4, 9)),
        ("edit past the text", file("u3", T0, 4, 900)),
        ("edit start after end", file("u4", T0, 9, 4)),
        ("empty uuid", file("", T0, 4, 9)),
        (
            "escape codes in the uuid",
            file("a\u{1b}]52;c;x\u{7}", T0, 4, 9),
        ),
    ] {
        let e = store.import_json(bad.as_bytes()).await.expect_err(why);
        assert!(
            matches!(e, lexilingo_core::store::StoreError::BadImport(_)),
            "{why}: {e}"
        );
    }
    let page = store
        .list_attempts(&HistoryQuery::default())
        .await
        .expect("list");
    assert_eq!(page.items.len(), 0, "nothing of a refused file is stored");
    let ok = store
        .import_json(file("u5", T0, 4, 9).as_bytes())
        .await
        .expect("a sound file imports");
    assert_eq!(ok.imported, 2);
}

/// A JSON export carries the saved conversations; importing it elsewhere restores each one with
/// its turns, re-links its checked messages (attempts) to it, and skips it the second time.
#[tokio::test]
async fn conversations_travel_in_the_export_and_keep_their_messages_linked() {
    use lexilingo_core::engine::Role;
    use lexilingo_core::store::NewConversation;
    let dir = tempfile::tempdir().expect("temp");
    let store = Store::open(dir.path()).await.expect("open");
    // A conversation in the target first, so row ids differ between the two stores.
    let other_dir = tempfile::tempdir().expect("temp");
    let other = Store::open(other_dir.path()).await.expect("open other");
    let new = NewConversation {
        scenario: "travel".into(),
        level: CefrLevel::A2,
        model_id: "smol.gguf".into(),
    };
    other
        .append_turns(None, &new, &[(Role::User, "Hi there.".into())])
        .await
        .expect("a conversation already there");
    let id = store
        .append_turns(
            None,
            &new,
            &[
                (Role::User, "I go to Da Nang yesterday.".into()),
                (Role::Assistant, "Nice! How was Da Nang?".into()),
            ],
        )
        .await
        .expect("conversation");
    let mut message = attempt("I go to Da Nang yesterday.", T0, CefrLevel::A2, vec![]);
    message.mode = Mode::Dialogue;
    message.conversation_id = Some(id);
    store.insert_attempt(&message).await.expect("message");
    let json = store
        .export_bytes(ExportFormat::Json, None)
        .await
        .expect("export");

    let report = other.import_json(&json).await.expect("import");
    assert_eq!(
        (
            report.imported,
            report.conversations_imported,
            report.conversations_skipped
        ),
        (1, 1, 0)
    );
    let list = other.list_conversations(10).await.expect("list");
    assert_eq!(list.len(), 2);
    let travelled = list
        .iter()
        .find(|c| c.first_message == "I go to Da Nang yesterday.")
        .expect("the imported conversation is listed");
    let full = other
        .get_conversation(travelled.id)
        .await
        .expect("get")
        .expect("there");
    let original = store
        .get_conversation(id)
        .await
        .expect("get")
        .expect("there");
    assert_eq!(full.uuid, original.uuid);
    assert_eq!(full.started_at, original.started_at);
    assert_eq!(
        full.turns, original.turns,
        "turns, roles and times are kept"
    );
    let page = other
        .list_attempts(&HistoryQuery::default())
        .await
        .expect("attempts");
    let imported = other
        .get_attempt(page.items[0].id)
        .await
        .expect("get")
        .expect("there");
    assert_eq!(imported.conversation_id, Some(travelled.id));

    let again = other.import_json(&json).await.expect("import again");
    assert_eq!(
        (
            again.skipped,
            again.conversations_imported,
            again.conversations_skipped
        ),
        (1, 0, 1)
    );

    // A conversation holding a system message is refused, and with it the whole file.
    let mut file: serde_json::Value = serde_json::from_slice(&json).expect("json");
    file["conversations"][0]["uuid"] = "fresh-id".into();
    file["conversations"][0]["turns"][1]["role"] = "system".into();
    file["attempts"][0]["uuid"] = "fresh-attempt".into();
    let e = other
        .import_json(file.to_string().as_bytes())
        .await
        .expect_err("a system message");
    assert!(
        matches!(e, lexilingo_core::store::StoreError::BadImport(_)),
        "{e}"
    );
    assert_eq!(other.list_conversations(10).await.expect("list").len(), 2);
}
