//! What stands between `lexilingo serve` and a web page, a program or a classmate that should
//! not use it (docs/SECURITY.md has the threat model).
//!
//! - **Host check** (DNS rebinding, the lesson of Ollama's CVE-2024-28224): a page on
//!   `evil.example` can make its own name resolve to 127.0.0.1, and the browser then sends
//!   its requests here with `Host: evil.example`. Only loopback names, IP addresses (a
//!   rebinding needs a name) and names given with `--allow-host` are served; the rest get 403.
//! - **Origin check** (cross-site requests): a state-changing request that carries an
//!   `Origin` other than this server's own (or one given with `--allow-origin`) gets 403.
//!   Requests without `Origin` come from programs, not pages, and go on to the token check.
//! - **Access token**: every `/v1` request needs `Authorization: Bearer …`, compared in
//!   constant time. A random one is made at every start unless one is given or `--no-token`.
//! - **Headers**: pages may not be framed (`X-Frame-Options`, CSP `frame-ancestors`), no
//!   referrer leaves (the first link carries the token), content types are not sniffed.
//! - **Static UI**: files under the UI folder only, never through a symlink.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lexilingo_app::{AppError, ErrorCode};
use subtle::ConstantTimeEq;

/// Who may talk to the server.
pub struct Guard {
    /// The access token, unless the server runs without one.
    pub token: Option<String>,
    /// Extra names accepted in `Host` (lower case, no port).
    pub allow_hosts: Vec<String>,
    /// Extra origins accepted on state-changing requests (`scheme://host[:port]`).
    pub allow_origins: Vec<String>,
}

/// The CSP of every response: the UI loads only its own files, opens connections only to
/// this server, and may not be framed by anyone.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                   img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

impl Guard {
    /// Whether `host` (a `Host` header value, with or without port) names this server in a
    /// way a rebinding page cannot: a loopback name, an IP address, or an allowed name.
    pub fn host_allowed(&self, host: &str) -> bool {
        let name = strip_port(host).to_ascii_lowercase();
        if name.is_empty() {
            return false;
        }
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<std::net::IpAddr>().is_ok() {
            return true;
        }
        self.allow_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&name))
    }

    /// Whether a state-changing request from `origin` may go on, given the `host` it was
    /// sent to.
    fn origin_allowed(&self, origin: &str, host: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        origin.eq_ignore_ascii_case(&format!("http://{host}"))
            || self
                .allow_origins
                .iter()
                .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }

    /// Whether `headers` carry the token (always, when the server runs without one).
    pub fn token_ok(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        // Constant time: how many leading bytes match must not show in the timing.
        bool::from(given.as_bytes().ct_eq(token.as_bytes()))
    }
}

/// `host:port` → `host` (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    if let Some(end) = host.find(']') {
        return &host[..=end];
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

/// A refusal in the API's error shape (`ErrorBody`), with the code's own status and texts.
fn refuse(code: ErrorCode, message: &str, message_vi: &str) -> Response {
    let mut error = AppError::new(code, message);
    error.message_vi = message_vi.into();
    crate::plumbing::ApiError::from(error).into_response()
}

/// The first layer of every request: Host, then Origin, then the security headers on
/// whatever the request gets back.
pub async fn check_request(
    State(guard): State<Arc<Guard>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut response = if !guard.host_allowed(&host) {
        tracing::warn!(%host, "refused a request for another host name (DNS rebinding?)");
        refuse(
            ErrorCode::HostNotAllowed,
            "this server answers only for localhost, IP addresses and --allow-host names",
            "Máy chủ LexiLingo chỉ trả lời khi được mở bằng địa chỉ localhost hoặc 127.0.0.1.",
        )
    } else if !is_safe(request.method())
        && request
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|o| !guard.origin_allowed(o, &host))
    {
        tracing::warn!("refused a state-changing request from another origin");
        refuse(
            ErrorCode::OriginNotAllowed,
            "state-changing requests from other web pages are refused (see --allow-origin)",
            "Một trang web khác không được phép thay đổi dữ liệu của LexiLingo.",
        )
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The token check for `/v1`: 401 with a JSON error, or for a browser that navigated here a
/// Vietnamese page saying how to get the link.
pub async fn require_token(
    State(guard): State<Arc<Guard>>,
    request: Request,
    next: Next,
) -> Response {
    if guard.token_ok(request.headers()) {
        return next.run(request).await;
    }
    unauthorized(request.headers())
}

/// 401: JSON for programs, a page for a browser tab.
pub fn unauthorized(headers: &HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let mut response = if wants_html {
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            TOKEN_PAGE,
        )
            .into_response()
    } else {
        refuse(
            ErrorCode::Unauthorized,
            "missing or wrong access token: open the link `lexilingo serve` printed when it \
             started (http://127.0.0.1:PORT/?token=…)",
            TOKEN_HELP_VI,
        )
    };
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// How to get in, for the learner (also shown by the UI itself).
pub const TOKEN_HELP_VI: &str = "Thiếu hoặc sai mã truy cập. Em mở đúng đường link mà lệnh \
    “lexilingo serve” in ra khi khởi động (dạng http://127.0.0.1:8080/?token=…) nhé.";

const TOKEN_PAGE: &str = "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">\
<title>LexiLingo — cần mã truy cập</title>\
<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.5\">\
<h1>Cần mã truy cập</h1>\
<p>Máy chủ LexiLingo này yêu cầu mã truy cập (token), để các trang web khác không đọc được \
lịch sử học của em.</p>\
<p>Em mở đúng đường link mà lệnh <code>lexilingo serve</code> in ra khi khởi động, dạng \
<code>http://127.0.0.1:8080/?token=…</code>. Mỗi lần khởi động lại máy chủ sẽ có mã mới.</p>\
<p lang=\"en\">An access token is needed: open the link <code>lexilingo serve</code> printed \
when it started.</p></body></html>";

/// Serves `uri`'s path from the built UI in `dir`: `/` is `index.html`; no `..`, no hidden
/// files, and no symlink anywhere below `dir` is followed (a link in the UI folder must not
/// expose the rest of the disk).
pub async fn ui_file(dir: PathBuf, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/').to_string();
    let path = if path.is_empty() {
        "index.html".to_string()
    } else {
        path
    };
    let result = tokio::task::spawn_blocking(move || read_ui_file(&dir, &path)).await;
    match result {
        Ok(Some((bytes, kind))) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            Body::from(bytes),
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn read_ui_file(dir: &Path, rel: &str) -> Option<(Vec<u8>, &'static str)> {
    let decoded = percent_decode(rel)?;
    let mut at = dir.to_path_buf();
    for part in Path::new(&decoded).components() {
        match part {
            Component::Normal(name) if !name.to_string_lossy().starts_with('.') => {
                at.push(name);
                // symlink_metadata does not follow the link: a link is refused as it is.
                let meta = std::fs::symlink_metadata(&at).ok()?;
                if meta.file_type().is_symlink() {
                    tracing::warn!(path = %at.display(), "refused to serve through a symlink");
                    return None;
                }
            }
            _ => return None,
        }
    }
    let meta = std::fs::symlink_metadata(&at).ok()?;
    if !meta.is_file() {
        return None;
    }
    let bytes = std::fs::read(&at).ok()?;
    Some((bytes, content_type(&at)))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).ok()?;
    (!text.contains('\0') && !text.contains('\\')).then_some(text)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard {
            token: Some("tok".into()),
            allow_hosts: vec!["tutor.school.example".into()],
            allow_origins: vec!["https://school.example".into()],
        }
    }

    #[test]
    fn only_loopback_names_ips_and_allowed_names_pass_the_host_check() {
        let g = guard();
        for ok in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:18080",
            "[::1]:8080",
            "192.168.1.20:8080",
            "app.localhost:8080",
            "tutor.school.example:8080",
        ] {
            assert!(g.host_allowed(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example:18080",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
        ] {
            assert!(!g.host_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn origins_must_be_the_servers_own_or_allowed() {
        let g = guard();
        assert!(g.origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(g.origin_allowed("https://school.example", "127.0.0.1:8080"));
        assert!(!g.origin_allowed("http://evil.example", "127.0.0.1:8080"));
        assert!(!g.origin_allowed("null", "127.0.0.1:8080"));
        assert!(!g.origin_allowed("http://127.0.0.1:9999", "127.0.0.1:8080"));
    }

    #[test]
    fn the_token_is_checked_exactly() {
        let g = guard();
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(v).expect("header"),
            );
            h
        };
        assert!(g.token_ok(&with("Bearer tok")));
        for bad in ["Bearer to", "Bearer tokk", "tok", "Bearer "] {
            assert!(!g.token_ok(&with(bad)), "{bad}");
        }
        assert!(!g.token_ok(&HeaderMap::new()));
    }

    #[test]
    fn ui_paths_cannot_leave_the_folder() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("index.html"), "<p>hi</p>").expect("write");
        std::fs::create_dir(dir.path().join("assets")).expect("mkdir");
        std::fs::write(dir.path().join("assets/app.js"), "1").expect("write");
        let outside = tempfile::tempdir().expect("outside");
        std::fs::write(outside.path().join("secret.txt"), "secret").expect("write");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).expect("link");
            std::os::unix::fs::symlink(
                outside.path().join("secret.txt"),
                dir.path().join("assets/s.txt"),
            )
            .expect("link");
            assert!(read_ui_file(dir.path(), "link/secret.txt").is_none());
            assert!(read_ui_file(dir.path(), "assets/s.txt").is_none());
        }
        assert!(read_ui_file(dir.path(), "index.html").is_some());
        assert!(read_ui_file(dir.path(), "assets/app.js").is_some());
        assert!(read_ui_file(dir.path(), "%61ssets/app.js").is_some());
        for bad in [
            "../x",
            "assets/../../x",
            "%2e%2e/x",
            "/etc/passwd",
            ".git/config",
            "assets",
        ] {
            assert!(read_ui_file(dir.path(), bad).is_none(), "{bad}");
        }
    }
}
