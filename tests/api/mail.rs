//! A real SMTP server on loopback for tests (mailin-embedded), collecting what Pulse sends.

use std::{
    io,
    sync::{Arc, Mutex},
    time::Duration,
};

use mailin_embedded::{response, Handler, Response, Server};

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub raw: String,
}

#[derive(Clone)]
struct Collector {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }
    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        let message = Received {
            to: std::mem::take(&mut self.to),
            raw: String::from_utf8_lossy(&self.data).into_owned(),
        };
        self.inbox.lock().unwrap().push(message);
        response::OK
    }
}

pub struct MailSink {
    pub url: String,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl MailSink {
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(Collector {
            inbox: inbox.clone(),
            to: Vec::new(),
            data: Vec::new(),
        });
        server.with_name("sink.test").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { url, inbox }
    }

    pub fn messages_to(&self, address: &str) -> Vec<Received> {
        self.inbox
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.contains(address)))
            .cloned()
            .collect()
    }

    /// Waits for the n-th message (1-based) to `address`.
    pub async fn wait_for(&self, address: &str, n: usize) -> Received {
        for _ in 0..200 {
            if let Some(m) = self.messages_to(address).get(n - 1) {
                return m.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message #{n} to {address} within 10 s");
    }

    /// The 6-digit code in the n-th message to `address`.
    pub async fn code(&self, address: &str, n: usize) -> String {
        let raw = self.wait_for(address, n).await.raw;
        let at = raw.find("code is ").expect("a code in the message") + "code is ".len();
        let code: String = raw[at..].chars().take(6).collect();
        assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
        code
    }
}

impl Received {
    /// The message with quoted-printable soft breaks and `=3D` undone (lettre uses QP for long lines).
    pub fn decoded(&self) -> String {
        self.raw
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=")
    }

    /// The base64url token that follows `marker` in the first link containing it.
    pub fn token_after(&self, marker: &str) -> String {
        let text = self.decoded();
        let at = text
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} not in message:\n{text}"))
            + marker.len();
        text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}
