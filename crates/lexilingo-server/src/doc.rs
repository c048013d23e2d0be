//! The OpenAPI document, assembled from the handlers' `#[utoipa::path]` attributes: the parts
//! every operation shares (the access token, the error body) are added here once rather than
//! repeated on 37 handlers.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, Response};
use utoipa::OpenApi as _;

use crate::plumbing::ErrorBody;

/// The document's fixed parts: what the API is, its tags, and the shared schemas.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "LexiLingo local API",
        description = "The offline English tutor for Vietnamese learners, served by \
            `lexilingo serve` on this machine: OpenAI-compatible chat completions, the \
            tutoring tasks, the learner's history, conversations, review and progress, and \
            the model manager.\n\n\
            Security (docs/SECURITY.md): requests must name this server by a loopback name, \
            an IP address or an `--allow-host` name (403 `host_not_allowed`); state-changing \
            requests from another web page's Origin get 403 `origin_not_allowed`; every `/v1` \
            request needs `Authorization: Bearer TOKEN` (a random token is made at every start \
            and printed in the link `http://127.0.0.1:PORT/?token=…`); bodies are \
            `application/json` (415 otherwise) except the model upload. Request headers must \
            arrive within 10 s.\n\n\
            Every error is `{\"error\": {code, message, message_vi, message_en, type}}`: \
            `code` is stable, `message_vi` is the text to show a learner.",
    ),
    servers((url = "http://127.0.0.1:8080", description = "`lexilingo serve` on its default port")),
    tags(
        (name = "openai", description = "OpenAI-compatible chat completions"),
        (name = "tutor", description = "Checking a sentence, and its single tasks"),
        (name = "history", description = "Past attempts, progress and review"),
        (name = "conversations", description = "Conversation practice, kept and checked"),
        (name = "models", description = "The catalog, downloads, uploads and the active model"),
        (name = "settings", description = "Engine settings and the data folder"),
        (name = "server", description = "Liveness, diagnostics and this document"),
    ),
    components(schemas(ErrorBody)),
)]
struct ApiDoc;

/// The name the bearer-token scheme has in the document.
const TOKEN_SCHEME: &str = "bearer";

/// The whole document: the fixed parts, the open routes and the `/v1` routes; every `/v1`
/// operation needs the token, and every operation may answer with the shared error body.
pub(crate) fn document(open: OpenApi, api: OpenApi) -> OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(open);
    doc.merge(api);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        TOKEN_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "The token printed with the server's address (`?token=…`), or \
                     `--token`/`LEXILINGO_API_TOKEN`",
                ))
                .build(),
        ),
    );
    let error = |description: &str| -> Response {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorBody"))),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let guarded = path.starts_with("/v1");
        for (_, op) in operations_mut(item) {
            if guarded {
                op.security = Some(vec![SecurityRequirement::new(
                    TOKEN_SCHEME,
                    Vec::<String>::new(),
                )]);
                insert_missing(op, "401", error("Missing or wrong bearer token"));
            }
            insert_missing(
                op,
                "4XX",
                error("Bad input, a refused host or origin, or a missing item (`error.code` says which; `error.message_vi` explains it in Vietnamese)"),
            );
            insert_missing(
                op,
                "5XX",
                error("The model or the disk failed, or the model queue is full (503, with `Retry-After`)"),
            );
        }
    }
    doc
}

fn insert_missing(op: &mut Operation, status: &str, response: Response) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| response.into());
}

/// `(method, path)` of every operation in `doc`, methods in lower case.
pub(crate) fn operations(doc: &OpenApi) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        let mut item = item.clone();
        for (method, _) in operations_mut(&mut item) {
            out.push((method.to_string(), path.clone()));
        }
    }
    out
}

fn operations_mut(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}
