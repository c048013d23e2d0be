//! One table of commands for both hosts. The UI's `COMMANDS` table (ui/src/api.ts) names
//! every command once, with its Tauri command name and its route on `lexilingo serve`; this
//! test fails when a command is missing from the Tauri handler list (src-tauri/lib.rs) or
//! from the server's routes (`lexilingo_server::api_routes()`, read from its OpenAPI document), or when the window registers a command the table
//! does not know and that is not one of the few only the window has.

use std::collections::BTreeSet;
use std::path::Path;

/// Commands only the desktop window has: its cancel call, its native dialog, a model file
/// the dialog chose, and an export written into the data folder (a browser downloads it).
const WINDOW_ONLY: &[&str] = &[
    "cancel_request",
    "pick_path",
    "model_import",
    "history_export",
];

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A route with its parameters written `{}`, whatever their name (`${a.id}`, `{id}`), and
/// without its query string.
fn normalise(path: &str) -> String {
    let mut out = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' if chars.peek() == Some(&'{') => {}
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                // A parameter is a path segment; one glued to a word (`/v1/history${…}`)
                // only adds a query string.
                if out.ends_with('/') {
                    out.push_str("{}");
                }
            }
            '?' => break,
            c => out.push(c),
        }
    }
    out
}

/// `(name, METHOD, path)` for each entry of the UI's table.
fn ui_table() -> Vec<(String, String, String)> {
    let api = read("../../ui/src/api.ts");
    let start = api
        .find("const COMMANDS = {")
        .expect("the COMMANDS table in api.ts");
    let end = start
        + api[start..]
            .find("} satisfies Record<string, Route>;")
            .expect("its end");
    let mut out = Vec::new();
    let table = &api[start..end];
    let mut rest = table;
    while let Some(i) = rest.find("method: \"") {
        let before = &rest[..i];
        let name = before
            .rsplit_once(": {")
            .map(|(head, _)| {
                head.rsplit(|c: char| c.is_whitespace())
                    .next()
                    .unwrap_or("")
            })
            .unwrap_or("")
            .to_string();
        let after = &rest[i + "method: \"".len()..];
        let method = after[..after.find('"').expect("method")].to_string();
        let p = after.find("=> ").expect("a path function") + 3;
        let quoted = &after[p..];
        let close = quoted[1..].find(['"', '`']).expect("a path string");
        let path = normalise(&quoted[1..=close]);
        out.push((name, method, path));
        rest = &after[p + close..];
    }
    out
}

/// Every `commands::NAME` in the Tauri handler list.
fn tauri_handlers() -> BTreeSet<String> {
    let lib = read("../../src-tauri/lib.rs");
    let start = lib.find("generate_handler![").expect("the handler list");
    let end = start + lib[start..].find(']').expect("its end");
    lib[start..end]
        .split("commands::")
        .skip(1)
        .map(|s| {
            s.split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

/// `(METHOD, path)` for every route of the server, from its declared table.
fn server_routes() -> BTreeSet<(String, String)> {
    lexilingo_server::api_routes()
        .iter()
        .map(|(method, path)| (method.to_uppercase(), normalise(path)))
        .collect()
}

#[test]
fn every_command_in_the_ui_table_is_served_by_both_hosts() {
    let table = ui_table();
    assert!(table.len() >= 20, "the table was read: {table:?}");
    let handlers = tauri_handlers();
    let routes = server_routes();
    let mut missing = Vec::new();
    for (name, method, path) in &table {
        if !handlers.contains(name) {
            missing.push(format!("Tauri has no command `{name}`"));
        }
        if !routes.contains(&(method.clone(), path.clone())) {
            missing.push(format!(
                "the server has no route {method} {path} (for `{name}`)"
            ));
        }
    }
    let known: BTreeSet<&str> = table.iter().map(|(n, _, _)| n.as_str()).collect();
    for h in &handlers {
        if !known.contains(h.as_str()) && !WINDOW_ONLY.contains(&h.as_str()) {
            missing.push(format!(
                "the window registers `{h}`, which the UI's table does not list"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "{}\nroutes: {routes:?}",
        missing.join("\n")
    );
}

#[test]
fn the_route_reader_sees_parameters_and_methods() {
    assert_eq!(normalise("/v1/history/${a.id}"), "/v1/history/{}");
    assert_eq!(normalise("/v1/history/{id}"), "/v1/history/{}");
    assert_eq!(
        normalise("/v1/review/due?limit=${a.limit}"),
        "/v1/review/due"
    );
    assert_eq!(
        normalise("/v1/history${queryString(a.query as HistoryQuery)}"),
        "/v1/history"
    );
    let routes = server_routes();
    assert!(
        routes.contains(&("DELETE".into(), "/v1/history/{}".into())),
        "{routes:?}"
    );
    assert!(
        routes.contains(&("GET".into(), "/v1/history".into())),
        "{routes:?}"
    );
}
