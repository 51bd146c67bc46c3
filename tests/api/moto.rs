//! A real S3-compatible server for the tests: moto in server mode (PyPI, installed by
//! `scripts/setup-tools.sh --e2e`), started once per test binary; each test gets its own bucket.

use std::{
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock},
    time::Duration,
};

use crate::helpers::Spawn;

struct Moto {
    endpoint: String,
    /// Its stdin is the watch: when the test binary exits, the pipe closes and moto is stopped.
    _child: Mutex<Child>,
}

fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        // Never waited for: it lives as long as the test binary, and goes with it.
        #[allow(clippy::zombie_processes)]
        let child = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "moto_server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid"
            ))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("moto_server runs (scripts/setup-tools.sh --e2e installs it)");
        let endpoint = format!("http://127.0.0.1:{port}");
        for _ in 0..150 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Moto {
                    endpoint,
                    _child: Mutex::new(child),
                };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not start on port {port}");
    })
}

/// A fresh bucket on the moto server, and the settings that point Pulse's uploads at it.
pub async fn s3_bucket(opts: Spawn) -> Spawn {
    let endpoint = &moto().endpoint;
    let bucket = format!("pulse-{}", uuid::Uuid::now_v7().simple());
    let r = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("moto answers");
    assert!(r.status().is_success(), "create bucket: {}", r.status());
    opts.var("MEDIA_S3_BUCKET", bucket)
        .var("MEDIA_S3_ENDPOINT", endpoint.clone())
        .var("MEDIA_S3_REGION", "us-east-1")
        .var("MEDIA_S3_ACCESS_KEY_ID", "test")
        .var("MEDIA_S3_SECRET_ACCESS_KEY", "test")
}
