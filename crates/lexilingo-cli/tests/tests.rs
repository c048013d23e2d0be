//! Integration tests against the real test model (SmolLM2-135M-Instruct Q4_1), run through the
//! real `lexilingo` binary as the model worker. One test binary, modules inside, so the suite
//! links once.
//!
//! The model comes from `scripts/fetch-test-model`; set `LEXILINGO_TEST_MODEL` or let the tests
//! find it in the script's cache. A missing model fails the tests: it never skips them.

mod api;
mod app;
mod cli;
mod commands;
mod common;
mod cpus;
mod download;
mod engine;
mod eval;
mod hardening;
mod offline;
// The server's own checker of answers against its OpenAPI document.
#[path = "../../lexilingo-server/tests/schema_check/mod.rs"]
mod schema_check;
mod server;
mod tasks;
