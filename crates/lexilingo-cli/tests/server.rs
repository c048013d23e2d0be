//! A real HTTP/1.1 server on loopback that serves one file with injected faults, for the
//! download tests. Written here so each fault is exact: drop after N bytes, stall, ignore
//! `Range`, corrupt a byte, or throttle.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What goes wrong.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Serve correctly.
    None,
    /// Close every connection after this many body bytes.
    DropEvery(u64),
    /// On the first connection only, stop sending after this many bytes and hold the
    /// connection open for the duration.
    StallOnce(u64, Duration),
    /// Answer every request with `200` and the whole file, ignoring `Range`; the first
    /// connection is dropped after this many bytes.
    IgnoreRangeDropOnce(u64),
    /// Serve the file with one byte changed.
    WrongBytes,
    /// At most this many bytes per second per connection.
    Throttle(u64),
    /// `200` with no length and a body that never ends.
    Endless,
    /// Every connection is dropped after this many bytes, and every `Range` request gets a
    /// `206` whose `Content-Range` starts at 0 (a broken cache in front of the file).
    BadRangeAlways(u64),
    /// The first request gets `503` with `Retry-After: N` seconds.
    RetryAfterOnce(u64),
    /// The first connection sends one byte per interval, for ever (never a stall).
    DripOnce(Duration),
}

/// The running server.
pub struct FaultyServer {
    /// `http://127.0.0.1:PORT/model.gguf`
    pub url: String,
    /// Body bytes sent so far, over all connections.
    pub served: Arc<AtomicU64>,
    /// Requests answered.
    pub requests: Arc<AtomicU32>,
}

impl FaultyServer {
    /// Starts serving `body` on a free loopback port.
    pub fn start(body: Arc<Vec<u8>>, fault: Fault) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let served = Arc::new(AtomicU64::new(0));
        let requests = Arc::new(AtomicU32::new(0));
        let (s, r) = (Arc::clone(&served), Arc::clone(&requests));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let n = r.fetch_add(1, Ordering::SeqCst);
                let (body, s) = (Arc::clone(&body), Arc::clone(&s));
                std::thread::spawn(move || {
                    let _ = serve(stream, &body, fault, n == 0, &s);
                });
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}/model.gguf"),
            served,
            requests,
        }
    }
}

fn serve(
    mut stream: TcpStream,
    body: &[u8],
    fault: Fault,
    first: bool,
    served: &AtomicU64,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut range_start: Option<u64> = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
            range_start = v.split('-').next().and_then(|s| s.parse().ok());
        }
    }
    let len = body.len() as u64;
    match fault {
        Fault::Endless => {
            stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
            let zeros = vec![0u8; 1 << 16];
            loop {
                stream.write_all(&zeros)?;
                served.fetch_add(zeros.len() as u64, Ordering::SeqCst);
            }
        }
        Fault::RetryAfterOnce(secs) if first => {
            let head = format!(
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {secs}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            return stream.write_all(head.as_bytes());
        }
        Fault::BadRangeAlways(n) if range_start.is_some() => {
            let head = format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Length: {len}\r\nContent-Range: bytes 0-{}/{len}\r\nConnection: close\r\n\r\n",
                len - 1
            );
            stream.write_all(head.as_bytes())?;
            let n = (n as usize).min(body.len());
            stream.write_all(&body[..n])?;
            served.fetch_add(n as u64, Ordering::SeqCst);
            return Ok(());
        }
        Fault::DripOnce(every) if first => {
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n");
            stream.write_all(head.as_bytes())?;
            for b in body {
                stream.write_all(std::slice::from_ref(b))?;
                served.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(every);
            }
            return Ok(());
        }
        _ => {}
    }
    let honour_range = !matches!(fault, Fault::IgnoreRangeDropOnce(_));
    let start = if honour_range {
        range_start.unwrap_or(0).min(len)
    } else {
        0
    };
    let head = if honour_range && range_start.is_some() {
        format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{len}\r\nConnection: close\r\n\r\n",
            len - start,
            len - 1
        )
    } else {
        format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    stream.write_all(head.as_bytes())?;
    let limit = match fault {
        Fault::DropEvery(n) | Fault::BadRangeAlways(n) => Some(n),
        Fault::StallOnce(n, _) if first => Some(n),
        Fault::IgnoreRangeDropOnce(n) if first => Some(n),
        _ => None,
    };
    let mut sent = 0u64;
    let mut pos = start as usize;
    const CHUNK: usize = 64 * 1024;
    while pos < body.len() {
        let mut end = (pos + CHUNK).min(body.len());
        if let Some(limit) = limit {
            if sent >= limit {
                break;
            }
            end = end.min(pos + (limit - sent) as usize);
        }
        let mut chunk = body[pos..end].to_vec();
        if matches!(fault, Fault::WrongBytes) && (pos..end).contains(&1000) {
            chunk[1000 - pos] ^= 0xff;
        }
        stream.write_all(&chunk)?;
        sent += chunk.len() as u64;
        served.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        pos = end;
        if let Fault::Throttle(bps) = fault {
            std::thread::sleep(Duration::from_secs_f64(chunk.len() as f64 / bps as f64));
        }
    }
    if let Fault::StallOnce(_, hold) = fault {
        if first {
            std::thread::sleep(hold);
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Ok(())
}

/// A server that answers every request with `302 Found` to `location`.
pub fn redirect_server(location: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let location = location.to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim_end().is_empty() {
                    break;
                }
            }
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes());
        }
    });
    format!("http://127.0.0.1:{port}/model.gguf")
}
