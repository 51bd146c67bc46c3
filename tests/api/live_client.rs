//! Real `socket.io-client` sockets for the live gateway tests: `end2end/live/driver.mjs` runs the
//! official npm client in Node, and this wrapper speaks its JSON lines. The gateway is so checked
//! against the client browsers run rather than against a protocol re-implemented here.
//!
//! Every wait is bounded; when the driver dies, the next call panics with its last messages.
//! While the driver is paused (`pause`), send it no command: it could not confirm one.

use std::{collections::VecDeque, process::Stdio, time::Duration};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, Command},
    sync::mpsc::{self, error::TryRecvError, UnboundedReceiver},
    time::{timeout_at, Instant},
};

/// The driver handles each command line at once; this only guards against a hung process.
const COMMAND_WITHIN: Duration = Duration::from_secs(10);
/// Longer than the client's own 5 s connect and ack timeouts, so their outcome always arrives first.
const OUTCOME_WITHIN: Duration = Duration::from_secs(10);
/// How many of the driver's last messages a panic shows.
const RECENT: usize = 40;

#[derive(Debug, Clone, Default)]
pub struct ConnectOpts {
    /// Open a WebSocket straight away instead of starting with HTTP long-polling.
    pub websocket_only: bool,
    /// Sent as the handshake's `auth: { token }`.
    pub auth_token: Option<String>,
    /// Sent as `?token=` on the handshake requests.
    pub query_token: Option<String>,
    /// Sent as the `Cookie` header (Node's client may set it; a browser sends its own).
    pub cookie: Option<String>,
}

pub struct Driver {
    child: Child,
    stdin: ChildStdin,
    /// The driver's stdout messages, in order; closed once it exits.
    lines: UnboundedReceiver<Value>,
    /// Received but not consumed yet (another client's events, say), oldest first.
    seen: Vec<Value>,
    /// The last messages received, consumed or not, for panic messages.
    recent: VecDeque<String>,
    /// Command lines written so far: the driver numbers its `done` messages the same way.
    line: u64,
    /// The last number `emit_ack` used to pair a reply with its emit.
    ack: u64,
}

/// Starts a driver process; every client of a test can live in it.
pub async fn start() -> Driver {
    let root = env!("CARGO_MANIFEST_DIR");
    assert!(
        std::path::Path::new(&format!("{root}/end2end/node_modules/socket.io-client")).exists(),
        "socket.io-client is not installed: run `scripts/setup-tools.sh --e2e` (make test does)"
    );
    let mut child = Command::new("node")
        .arg(format!("{root}/end2end/live/driver.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs end2end/live/driver.mjs");
    let stdin = child.stdin.take().expect("driver stdin");
    let stdout = child.stdout.take().expect("driver stdout");
    let (tx, lines) = mpsc::unbounded_channel::<Value>();
    // Read all the time, not only while a test waits, so the driver never blocks on a full pipe.
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            let message: Value =
                serde_json::from_str(&line).unwrap_or_else(|_| json!({ "type": "garbage", "text": line }));
            if tx.send(message).is_err() {
                break;
            }
        }
    });
    Driver {
        child,
        stdin,
        lines,
        seen: Vec::new(),
        recent: VecDeque::new(),
        line: 0,
        ack: 0,
    }
}

fn is_event(m: &Value, id: &str, event: &str) -> bool {
    m["type"] == "event" && m["id"] == id && m["event"] == event
}

fn args_of(m: &Value) -> Vec<Value> {
    m["args"].as_array().cloned().unwrap_or_default()
}

impl Driver {
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the socket.io driver has exited")
    }

    /// Freezes the driver (SIGSTOP): its sockets stop reading and answering pings, like a hung tab.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.pid().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} {pid} failed");
    }

    /// Connects client `id`: the session id, or the `connect_error` message (a middleware's
    /// rejection reads as its error's message).
    pub async fn connect(&mut self, id: &str, url: &str, opts: ConnectOpts) -> Result<String, String> {
        let token = |token: Option<String>| token.map(|token| json!({ "token": token }));
        self.command(json!({
            "cmd": "connect",
            "id": id,
            "url": url,
            "transports": opts.websocket_only.then(|| json!(["websocket"])),
            "auth": token(opts.auth_token),
            "query": token(opts.query_token),
            "headers": opts.cookie.map(|cookie| json!({ "cookie": cookie })),
        }))
        .await;
        let outcome = self
            .wait(OUTCOME_WITHIN, |m| {
                m["id"] == id && (m["type"] == "connect" || m["type"] == "connect_error")
            })
            .await;
        let Some(outcome) = outcome else {
            self.fail(&format!("client {id} neither connected nor failed to"));
        };
        let text = |key: &str| outcome[key].as_str().unwrap_or_default().to_owned();
        if outcome["type"] == "connect" {
            Ok(text("sid"))
        } else {
            Err(text("message"))
        }
    }

    /// Emits without asking for an ack; returns once the client has queued it.
    pub async fn emit(&mut self, id: &str, event: &str, args: Value) {
        assert!(args.is_array(), "emit args must be a JSON array, not {args}");
        self.command(json!({ "cmd": "emit", "id": id, "event": event, "args": args }))
            .await;
    }

    /// Emits asking for an ack: the ack's arguments, or None when none came within the client's 5 s.
    pub async fn emit_ack(&mut self, id: &str, event: &str, args: Value) -> Option<Value> {
        assert!(args.is_array(), "emit args must be a JSON array, not {args}");
        self.ack += 1;
        let ack = self.ack;
        self.command(json!({ "cmd": "emit", "id": id, "event": event, "args": args, "ack": ack }))
            .await;
        let reply = self
            .wait(OUTCOME_WITHIN, |m| {
                m["id"] == id && m["ack"] == ack && (m["type"] == "ack" || m["type"] == "ack_timeout")
            })
            .await;
        let Some(reply) = reply else {
            self.fail(&format!("no ack outcome for {event} from client {id}"));
        };
        (reply["type"] == "ack").then(|| reply["args"].clone())
    }

    /// The arguments of the next `event` client `id` received (perhaps before this call); consumed.
    pub async fn next_event(&mut self, id: &str, event: &str, within: Duration) -> Option<Vec<Value>> {
        let m = self.wait(within, |m| is_event(m, id, event)).await?;
        Some(args_of(&m))
    }

    /// After waiting `settle`, the arguments of every `event` client `id` received and nobody
    /// consumed, oldest first; consumed. For "exactly once" and "never reached this client".
    pub async fn events(&mut self, id: &str, event: &str, settle: Duration) -> Vec<Vec<Value>> {
        tokio::time::sleep(settle).await;
        self.drain();
        let (hits, rest): (Vec<Value>, Vec<Value>) = std::mem::take(&mut self.seen)
            .into_iter()
            .partition(|m| is_event(m, id, event));
        self.seen = rest;
        hits.iter().map(args_of).collect()
    }

    /// The reason client `id` disconnected ("io server disconnect", "transport close", "ping
    /// timeout", "io client disconnect", ...), or None if it did not within `within`.
    pub async fn wait_disconnect(&mut self, id: &str, within: Duration) -> Option<String> {
        let m = self
            .wait(within, |m| m["id"] == id && m["type"] == "disconnect")
            .await?;
        Some(m["reason"].as_str().unwrap_or_default().to_owned())
    }

    /// Disconnects client `id` from its side; its `disconnect` message is left for `wait_disconnect`.
    pub async fn disconnect(&mut self, id: &str) {
        self.command(json!({ "cmd": "disconnect", "id": id })).await;
    }

    /// Writes one command and waits for the driver's `done` for it, so the command has been carried
    /// out, and what it did at once reported, before the test goes on.
    async fn command(&mut self, cmd: Value) {
        let text = format!("{cmd}\n");
        if let Err(e) = self.stdin.write_all(text.as_bytes()).await {
            self.fail(&format!("cannot write {cmd} to the driver ({e})"));
        }
        self.line += 1;
        let line = self.line;
        if self
            .wait(COMMAND_WITHIN, |m| m["type"] == "done" && m["line"] == line)
            .await
            .is_none()
        {
            self.fail(&format!("the driver did not confirm {cmd}"));
        }
        // A command the driver could not carry out is a mistake in the test: say so at once.
        if let Some(i) = self
            .seen
            .iter()
            .position(|m| m["type"] == "error" && m["line"] == line)
        {
            let error = self.seen.remove(i);
            self.fail(&format!("the driver refused {cmd}: {}", error["message"]));
        }
    }

    /// The oldest message matching `want`, among those received already or arriving within
    /// `within`; consumed. Others received meanwhile are kept for later calls.
    async fn wait(&mut self, within: Duration, want: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(i) = self.seen.iter().position(&want) {
            return Some(self.seen.remove(i));
        }
        let deadline = Instant::now() + within;
        loop {
            match timeout_at(deadline, self.lines.recv()).await {
                Err(_) => return None,
                Ok(None) => self.died(),
                Ok(Some(m)) => {
                    self.note(&m);
                    if want(&m) {
                        return Some(m);
                    }
                    self.seen.push(m);
                }
            }
        }
    }

    /// Moves whatever has arrived into `seen` without waiting.
    fn drain(&mut self) {
        loop {
            match self.lines.try_recv() {
                Ok(m) => {
                    self.note(&m);
                    self.seen.push(m);
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => self.died(),
            }
        }
    }

    fn note(&mut self, m: &Value) {
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(m.to_string());
    }

    fn died(&mut self) -> ! {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => status.to_string(),
            _ => "exit status not known yet".to_owned(),
        };
        self.fail(&format!(
            "the socket.io driver exited ({status}); see its stderr above"
        ));
    }

    fn fail(&self, what: &str) -> ! {
        let recent = self
            .recent
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n  ");
        panic!("{what}\nthe driver's last messages:\n  {recent}");
    }
}
