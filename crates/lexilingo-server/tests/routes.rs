//! The server in-process: its router driven with tower's `oneshot` against a real SQLite file
//! in a temp folder, no socket and no spawned binary; and the OpenAPI document generated from the
//! handlers, checked for what a client needs from it. (Requests that need the model are tested with the real
//! model beside the CLI's tests, where the `lexilingo` binary can be the worker.)

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use lexilingo_app::host::active::TutorSource;
use lexilingo_core::store::Store;
use lexilingo_server::{
    api_routes, build, open_routes, Built, ServeError, ServeOptions, TokenChoice,
};
use serde_json::{json, Value};
use tower::ServiceExt;

mod schema_check;

/// A server on a fresh data folder with no model (a first run), and its token.
async fn server(dir: &std::path::Path) -> (axum::Router, String) {
    let store = Store::open(dir).await.expect("store");
    let source = TutorSource {
        data_dir: Some(dir.to_path_buf()),
        ..TutorSource::default()
    };
    let Built { router, token } = build(source, store, &ServeOptions::loopback(0)).expect("built");
    (router, token.expect("a random token by default"))
}

/// One request; the status and the body read as JSON (`Null` when it is not JSON).
async fn call(
    router: &axum::Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    extra: &[(header::HeaderName, &str)],
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:8080");
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (name, value) in extra {
        request = request.header(name, *value);
    }
    let request = match body {
        Some(b) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("request");
    let response = router.clone().oneshot(request).await.expect("a response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn document() -> Value {
    serde_json::to_value(lexilingo_server::openapi()).expect("the document is JSON")
}

fn document_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                out.insert((method.clone(), path.clone()));
            }
        }
    }
    out
}

/// The routes (what the router serves, from the same `routes!` lines) are the document's
/// operations, none declared twice; the routes' own probes are below.
#[test]
fn the_openapi_document_describes_exactly_the_routes_served() {
    let api = api_routes();
    let open = open_routes();
    let served: BTreeSet<(String, String)> = api.iter().chain(&open).cloned().collect();
    assert_eq!(
        served.len(),
        api.len() + open.len(),
        "a route is declared twice"
    );
    assert!(api.len() >= 35, "every /v1 route: {api:?}");
    assert_eq!(served, document_routes(&document()));
    assert!(open.iter().all(|(_, p)| !p.starts_with("/v1")));
    assert!(api.iter().all(|(_, p)| p.starts_with("/v1/")));
}

/// The error codes the document lists are exactly the app's `ErrorCode`s, in order, and
/// every operation may answer with the shared error body.
#[test]
fn the_openapi_document_lists_every_error_code() {
    let doc = document();
    let listed: Vec<String> = doc
        .pointer("/components/schemas/ErrorCode/enum")
        .and_then(|v| v.as_array())
        .expect("the ErrorCode schema's enum")
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let codes: Vec<String> = lexilingo_app::ErrorCode::all()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(listed, codes);
    for (method, path) in document_routes(&doc) {
        let responses = &doc["paths"][&path][&method]["responses"];
        let error = responses["4XX"]["content"]["application/json"]["schema"]["$ref"].as_str();
        assert_eq!(
            error,
            Some("#/components/schemas/ErrorBody"),
            "{method} {path}"
        );
        if path.starts_with("/v1") {
            assert!(
                responses.get("401").is_some(),
                "{method} {path} lists its 401"
            );
            assert_eq!(
                doc["paths"][&path][&method]["security"],
                json!([{ "bearer": [] }]),
                "{method} {path} needs the token"
            );
        }
    }
}

/// Every JSON answer names its schema (a type the handler returns), and every JSON body a
/// handler reads is described: no operation is documented as a bare `object`.
#[test]
fn every_json_answer_and_body_in_the_document_has_a_schema() {
    let doc = document();
    for (method, path) in document_routes(&doc) {
        let op = &doc["paths"][&path][&method];
        for (status, response) in op["responses"].as_object().expect("responses") {
            if let Some(schema) = response.pointer("/content/application~1json/schema") {
                assert!(
                    schema.get("$ref").is_some()
                        || schema.get("items").and_then(|i| i.get("$ref")).is_some()
                        || path == "/openapi.json",
                    "{method} {path} {status}: {schema}"
                );
            }
        }
        if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
            assert!(
                schema.get("$ref").is_some() || path == "/v1/models/download/pause",
                "{method} {path} body: {schema}"
            );
        }
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{method} {path} has a summary"
        );
    }
}

/// `docs/openapi.json` is the document as generated, for readers and client generators;
/// `LEXILINGO_BLESS=1` rewrites it after an API change (review the diff).
#[test]
fn the_committed_openapi_json_is_current() {
    let generated = lexilingo_server::openapi()
        .to_pretty_json()
        .expect("the document prints")
        + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("LEXILINGO_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run `LEXILINGO_BLESS=1 cargo test --workspace \
         --locked --test routes` and commit the change"
    );
}

#[tokio::test]
async fn every_declared_route_is_routed_and_needs_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (router, _token) = server(dir.path()).await;
    for (method, path) in api_routes() {
        let path = path.replace("{id}", "1");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
        let (status, body) = call(&router, method.clone(), &path, None, None, &[]).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} without the token: {body}"
        );
    }
}

#[tokio::test]
async fn health_says_more_only_to_a_client_with_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (router, token) = server(dir.path()).await;
    let (status, body) = call(&router, Method::GET, "/health", None, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "status": "ok" }));
    let (status, body) = call(&router, Method::GET, "/health", Some(&token), None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["busy"], false);
}

#[tokio::test]
async fn the_guard_refuses_other_host_names_and_other_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (router, token) = server(dir.path()).await;
    let request = Request::builder()
        .uri("/v1/history")
        .header(header::HOST, "attacker.example")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response
            .headers()
            .get(header::X_FRAME_OPTIONS)
            .map(|v| v.as_bytes()),
        Some(&b"DENY"[..])
    );
    let (status, body) = call(
        &router,
        Method::DELETE,
        "/v1/history?confirm=true",
        Some(&token),
        None,
        &[(header::ORIGIN, "https://attacker.example")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "origin_not_allowed");
}

#[tokio::test]
async fn without_a_model_the_history_works_and_a_check_says_why_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (router, token) = server(dir.path()).await;
    let (status, body) = call(&router, Method::GET, "/v1/history", Some(&token), None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"], json!([]));
    let (status, body) = call(
        &router,
        Method::POST,
        "/v1/tutor/analyze",
        Some(&token),
        Some(json!({ "sentence": "She don't like apples." })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "no_model");
    assert!(body["error"]["message_vi"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(body["error"]["message_en"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    // Hints need no model.
    let (status, body) = call(
        &router,
        Method::POST,
        "/v1/tutor/hints",
        Some(&token),
        Some(json!({ "sentence": "She have two apple." })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["hints"].as_array().is_some_and(|h| !h.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_in_the_usual_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (router, token) = server(dir.path()).await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/tutor/hints")
        .header(header::HOST, "localhost")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("hello"))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert!(body["error"]["code"].is_string(), "{body}");
}

#[test]
fn unsafe_options_are_refused_before_anything_starts() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = rt.block_on(Store::open(dir.path())).expect("store");
    let source = TutorSource {
        data_dir: Some(dir.path().to_path_buf()),
        ..TutorSource::default()
    };
    let mut remote = ServeOptions::loopback(0);
    remote.host = [0, 0, 0, 0].into();
    assert!(matches!(
        build(source.clone(), store.clone(), &remote),
        Err(ServeError::RemoteNotAllowed { .. })
    ));
    remote.allow_remote = true;
    remote.token = TokenChoice::None;
    assert!(matches!(
        build(source.clone(), store.clone(), &remote),
        Err(ServeError::RemoteNeedsToken)
    ));
    let mut empty = ServeOptions::loopback(0);
    empty.token = TokenChoice::Given("  ".into());
    assert!(matches!(
        build(source, store.clone(), &empty),
        Err(ServeError::EmptyToken)
    ));
    assert!(matches!(
        build(TutorSource::default(), store, &ServeOptions::loopback(0)),
        Err(ServeError::NoDataDir)
    ));
}

/// The schema the document gives for `method template` answering `status` as JSON (falling
/// back to its `4XX`/`5XX` entry).
fn answer_schema(doc: &Value, method: &str, template: &str, status: StatusCode) -> Value {
    let responses = &doc["paths"][template][method]["responses"];
    let range = format!("{}XX", status.as_u16() / 100);
    let response = responses
        .get(status.as_str())
        .or_else(|| responses.get(&range))
        .unwrap_or_else(|| panic!("{method} {template} documents no {status}"));
    response
        .pointer("/content/application~1json/schema")
        .cloned()
        .unwrap_or_else(|| panic!("{method} {template} {status} has no JSON schema"))
}

/// What the handlers send matches the document, field by field, for every answer a server
/// without a model gives (the model's answers are checked the same way in the CLI's api
/// test, against the real model).
#[tokio::test]
async fn answers_match_the_documented_schemas() {
    let doc = document();
    let dir = tempfile::tempdir().expect("tempdir");
    let (router, token) = server(dir.path()).await;
    // (method, URI, the documented path, body, token)
    type Probe<'a> = (Method, &'a str, &'a str, Option<Value>, Option<&'a str>);
    let requests: Vec<Probe> = vec![
        (Method::GET, "/health", "/health", None, Some(&token)),
        (Method::GET, "/health", "/health", None, None),
        (
            Method::GET,
            "/v1/history",
            "/v1/history",
            None,
            Some(&token),
        ),
        (Method::GET, "/v1/history", "/v1/history", None, None),
        (
            Method::GET,
            "/v1/history/7",
            "/v1/history/{id}",
            None,
            Some(&token),
        ),
        (
            Method::GET,
            "/v1/history/x",
            "/v1/history/{id}",
            None,
            Some(&token),
        ),
        (
            Method::DELETE,
            "/v1/history?confirm=true",
            "/v1/history",
            None,
            Some(&token),
        ),
        (
            Method::GET,
            "/v1/history/export",
            "/v1/history/export",
            None,
            Some(&token),
        ),
        (Method::GET, "/v1/stats", "/v1/stats", None, Some(&token)),
        (
            Method::GET,
            "/v1/review/due",
            "/v1/review/due",
            None,
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/drills",
            "/v1/drills",
            Some(json!({ "error_type": "article" })),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/drills/item",
            "/v1/drills/item",
            Some(json!({ "error_type": "article", "level": "A2", "avoid": [] })),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/drills/answer",
            "/v1/drills/answer",
            Some(json!({ "answer": "I am a student.", "item": {
                "source": "own", "attempt_id": 1, "error_type": "article",
                "text": "I am student.", "expected": "I am a student.",
                "edits": [{ "start": 5, "end": 5, "original": "", "replacement": "a ",
                    "error_type": "article", "explanation_vi": "Cần “a”.", "sure": true }] } })),
            Some(&token),
        ),
        (
            Method::GET,
            "/v1/conversations",
            "/v1/conversations",
            None,
            Some(&token),
        ),
        (
            Method::GET,
            "/v1/conversations/3",
            "/v1/conversations/{id}",
            None,
            Some(&token),
        ),
        (Method::GET, "/v1/models", "/v1/models", None, Some(&token)),
        (
            Method::GET,
            "/v1/models/overview",
            "/v1/models/overview",
            None,
            Some(&token),
        ),
        (
            Method::GET,
            "/v1/settings/engine",
            "/v1/settings/engine",
            None,
            Some(&token),
        ),
        (
            Method::GET,
            "/v1/diagnostics",
            "/v1/diagnostics",
            None,
            Some(&token),
        ),
        (Method::GET, "/v1/engine", "/v1/engine", None, Some(&token)),
        (
            Method::POST,
            "/v1/tutor/hints",
            "/v1/tutor/hints",
            Some(json!({ "sentence": "She have two apple. I love phở." })),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/tutor/hints",
            "/v1/tutor/hints",
            Some(json!({ "sentence": "" })),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/tutor/sentences",
            "/v1/tutor/sentences",
            Some(json!({ "text": "Mr. Nam is my teacher. He teach English.\nI am student" })),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/tutor/sentences",
            "/v1/tutor/sentences",
            Some(json!({ "text": "a".repeat(3001) })),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/tutor/analyze",
            "/v1/tutor/analyze",
            Some(json!({ "sentence": "She don't like apples." })),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/conversations/suggest",
            "/v1/conversations/suggest",
            Some(
                json!({ "text": "Cho em một ly cà phê sữa đá.", "scenario": "ordering_food", "level": "A2" }),
            ),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/conversations",
            "/v1/conversations",
            Some(json!({ "scenario": "cafe", "level": "A2",
                         "turns": [{ "role": "user", "content": "Hello" }] })),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/models/download",
            "/v1/models/download",
            Some(json!({ "id": "no-such-model" })),
            Some(&token),
        ),
        (
            Method::POST,
            "/v1/settings/data-dir",
            "/v1/settings/data-dir",
            Some(json!({ "path": "/tmp/elsewhere" })),
            Some(&token),
        ),
    ];
    let mut checked = 0;
    for (method, uri, template, body, token) in requests {
        let (status, answer) = call(&router, method.clone(), uri, token, body, &[]).await;
        let m = method.as_str().to_lowercase();
        let schema = answer_schema(&doc, &m, template, status);
        schema_check::check(&doc, &schema, &answer, "$")
            .unwrap_or_else(|e| panic!("{method} {uri} ({status}): {e}\n{answer}"));
        checked += 1;
    }
    assert_eq!(checked, 29);
}
