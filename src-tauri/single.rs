//! One running app per data folder. A second launch asks the first to show its window and
//! exits, instead of starting another model engine (hundreds of MB to GB of RAM) over the same
//! history database.
//!
//! An exclusive lock on `<data>/app.lock` decides who is first; the OS drops it when the
//! process dies, so a crash never blocks the next launch. The first instance listens on a Unix
//! socket beside it; the second connects and writes `focus`. Neither needs D-Bus (often absent
//! on minimal desktops and under Xvfb), and apps over different data folders (tests, a second
//! learner account) stay independent.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// What this launch is.
pub enum Instance {
    /// The first: keep the lock (it is held as long as this value lives) and serve focus
    /// requests on the listener.
    First {
        /// Held for the process's life.
        _lock: File,
        /// Where second launches knock.
        listener: Option<UnixListener>,
    },
    /// Another app already runs on this data folder and was asked to show itself.
    Second,
    /// No data folder or no lock support: run without the check.
    Unchecked,
}

/// Decides whether this launch is the first on `data_dir`.
pub fn claim(data_dir: &Path) -> Instance {
    if std::fs::create_dir_all(data_dir).is_err() {
        return Instance::Unchecked;
    }
    let Ok(lock) = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join("app.lock"))
    else {
        return Instance::Unchecked;
    };
    let socket = data_dir.join("app.sock");
    match lock.try_lock() {
        Ok(()) => {
            // A socket file left by a crashed run is stale: the lock proves nobody serves it.
            let _ = std::fs::remove_file(&socket);
            let listener = UnixListener::bind(&socket)
                .map_err(|e| tracing::warn!("cannot listen on {}: {e}", socket.display()))
                .ok();
            Instance::First {
                _lock: lock,
                listener,
            }
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            // The first app may still be starting (lock taken, socket not yet bound).
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                if let Ok(mut stream) = UnixStream::connect(&socket) {
                    let _ = stream.write_all(b"focus\n");
                    return Instance::Second;
                }
                if Instant::now() > deadline {
                    return Instance::Second;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Err(std::fs::TryLockError::Error(e)) => {
            tracing::warn!("cannot lock the data folder ({e}); not checking for another window");
            Instance::Unchecked
        }
    }
}

/// Calls `on_focus` for every later launch, on a background thread.
pub fn serve(listener: UnixListener, on_focus: impl Fn() + Send + 'static) {
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let _ = BufReader::new(stream).read_line(&mut line);
            if line.trim() == "focus" {
                tracing::info!("another launch asked for this window");
                on_focus();
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_claim_knocks_and_a_dead_first_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("temp");
        let Instance::First { _lock, listener } = claim(dir.path()) else {
            panic!("the first claim on an empty folder wins");
        };
        let (tx, rx) = std::sync::mpsc::channel();
        serve(listener.expect("listening"), move || {
            let _ = tx.send(());
        });
        assert!(matches!(claim(dir.path()), Instance::Second));
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the first instance heard the knock");

        // The first one goes away (as in a crash: its socket file stays): the next launch runs.
        drop(_lock);
        assert!(dir.path().join("app.sock").exists());
        assert!(matches!(claim(dir.path()), Instance::First { .. }));
    }
}
