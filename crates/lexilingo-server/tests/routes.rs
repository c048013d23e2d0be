//! The server in-process: its router driven with tower's `oneshot` against a real SQLite file
//! in a temp folder, no socket and no spawned binary; and the OpenAPI document held equal to
//! the routes the router serves. (Requests that need the model are tested with the real
//! model beside the CLI's tests, where the `lexilingo` binary can be the worker.)

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use lexilingo_app::host::active::TutorSource;
use lexilingo_core::store::Store;
use lexilingo_server::{
    build, Built, ServeError, ServeOptions, TokenChoice, API_ROUTES, OPENAPI, OPEN_ROUTES,
};
use serde_json::{json, Value};
use tower::ServiceExt;

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

fn document_routes() -> BTreeSet<(String, String)> {
    let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
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

#[test]
fn the_openapi_document_describes_exactly_the_routes_served() {
    let served: BTreeSet<(String, String)> = API_ROUTES
        .iter()
        .chain(OPEN_ROUTES)
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        served.len(),
        API_ROUTES.len() + OPEN_ROUTES.len(),
        "a route is declared twice"
    );
    let documented = document_routes();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let not_served: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && not_served.is_empty(),
        "served but not in openapi.json: {undocumented:?}\nin openapi.json but not served: {not_served:?}"
    );
}

/// The error codes `openapi.json` documents are exactly the app's `ErrorCode`s, in order: a
/// code added to the enum and not to the document (or the other way round) fails here.
#[test]
fn the_openapi_document_lists_every_error_code() {
    let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
    let listed: Vec<String> = doc
        .pointer("/components/schemas/Error/properties/error/properties/code/enum")
        .and_then(|v| v.as_array())
        .expect("the Error schema's code enum")
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let codes: Vec<String> = lexilingo_app::ErrorCode::all()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(listed, codes);
}

#[tokio::test]
async fn every_declared_route_is_routed_and_needs_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (router, _token) = server(dir.path()).await;
    for (method, path) in API_ROUTES {
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
