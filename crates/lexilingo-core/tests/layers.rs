//! The core's modules depend on each other one way (docs/ARCHITECTURE.md): no two import
//! each other, even through others; `language` calls neither the model nor the store; the
//! store knows nothing of the tasks. Read from the sources: every `crate::…` path outside a
//! comment is an import of that module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The node a source file belongs to: its top-level module, or `language::x` for the parts
/// of `language/`.
fn node_of(rel: &Path) -> Option<String> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.as_slice() {
        [lib] if lib == "lib" => None,
        [language, sub, ..] if language == "language" && sub != "mod" => {
            Some(format!("language::{sub}"))
        }
        [top, ..] => Some(top.clone()),
        [] => None,
    }
}

/// The module a `crate::` path names; the root's re-exports count as their home module.
fn target(path: &str) -> String {
    let mut parts = path.split("::");
    let first = parts.next().unwrap_or("");
    match first {
        "language" => format!("language::{}", parts.next().unwrap_or("")),
        "Error" | "Result" => "error".into(),
        "ErrorType" => "language::error_types".into(),
        "CefrLevel" => "language::cefr".into(),
        "Tutor" => "tasks".into(),
        other => other.into(),
    }
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = Graph::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let Some(node) = node_of(rel) else { continue };
            let text = std::fs::read_to_string(&path).expect("read a source file");
            for line in text.lines() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                for (i, _) in code.match_indices("crate::") {
                    let rest: String = code[i + "crate::".len()..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    let to = target(&rest);
                    let inside = node == to
                        || (!node.starts_with("language") && to.starts_with(&format!("{node}::")))
                        || (node.starts_with("language::") && to == "language::");
                    if !inside && !to.is_empty() {
                        graph.entry(node.clone()).or_default().insert(to);
                    }
                }
            }
        }
    }
    graph
}

fn reaches(graph: &Graph, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(n) = stack.pop() {
        for next in graph.get(&n).into_iter().flatten() {
            if next == to {
                return true;
            }
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    false
}

#[test]
fn no_two_modules_import_each_other() {
    let graph = graph();
    assert!(graph.len() >= 10, "the sources were read: {graph:?}");
    let mut cycles = Vec::new();
    for (from, tos) in &graph {
        for to in tos {
            if reaches(&graph, to, from) {
                cycles.push(format!("{from} → {to} → … → {from}"));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn language_knows_no_model_and_the_store_knows_no_task() {
    let graph = graph();
    for (from, tos) in &graph {
        for to in tos {
            if from.starts_with("language") {
                assert!(
                    !["engine", "store", "tasks", "calibration", "models"].contains(&to.as_str()),
                    "{from} imports {to}"
                );
            }
            if from == "store" {
                assert!(
                    !["tasks", "calibration"].contains(&to.as_str()),
                    "store imports {to}"
                );
            }
        }
    }
}

#[test]
fn the_reader_sees_imports_and_cycles() {
    let mut g = Graph::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert!(!reaches(&g, "c", "a"));
    g.entry("c".into()).or_default().insert("a".into());
    assert!(reaches(&g, "b", "a"));
    assert_eq!(target("language::edits::Edit"), "language::edits");
    assert_eq!(target("ErrorType"), "language::error_types");
    assert_eq!(
        node_of(Path::new("language/rules/lints.rs")).as_deref(),
        Some("language::rules")
    );
    assert_eq!(node_of(Path::new("tasks/mod.rs")).as_deref(), Some("tasks"));
    let real = graph();
    assert!(
        real.get("tasks").is_some_and(|t| t.contains("engine")),
        "{real:?}"
    );
}
