//! The `pulse` binary itself: exit codes, JSON logs with request ids, SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_pulse");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn production_without_secrets_exits_2_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PULSE_ENV", "production")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JWT_SECRET"), "{stderr}");
}

#[test]
fn production_logs_are_json_lines_carrying_the_request_id_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PULSE_ENV", "production")
        .env("JWT_SECRET", "j".repeat(40))
        .env("SESSION_SECRET", "s".repeat(40))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/pulse.db", dir.path().display()),
        )
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client
                .get(format!("{base}/api/v1/categories"))
                .header("x-request-id", "log-check-42")
                .send()
                .await
            {
                return r.status();
            }
            assert!(Instant::now() < deadline, "server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    assert_eq!(status, 200);

    // SIGTERM: the server finishes and exits 0.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");

    let lines: Vec<serde_json::Value> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}")))
        .collect();
    let request_line = lines
        .iter()
        .find(|l| l.to_string().contains("log-check-42"))
        .expect("a log line for the request");
    let text = request_line.to_string();
    assert!(
        text.contains("request_id") && text.contains("/api/v1/categories"),
        "{text}"
    );
    assert!(lines.iter().any(|l| l.to_string().contains("stopped cleanly")));
}

/// `pulse create-owner` without `PULSE_OWNER_PASSWORD` asks for the password on the terminal. Run
/// under `script`, which gives it a real pseudo-terminal; the password is typed only once the prompt
/// is shown, as a person would. (Whether the terminal echoes it is rpassword's business and depends
/// on timing, so it is not asserted.)
#[test]
fn create_owner_prompts_for_the_password_on_a_terminal() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("pulse.db").display());
    let command = format!("{BIN} create-owner --email prompt@example.com --name 'Prompt Owner'");
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .env("PULSE_ENV", "test")
        .env("DATABASE_URL", &db)
        .env_remove("PULSE_OWNER_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("Password for prompt@example.com") {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    // Type like a person, a moment after the prompt appears.
    std::thread::sleep(Duration::from_millis(300));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"Prompt3dOwner!\n").unwrap();
    stdin.flush().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{rest}");
    assert!(
        rest.contains("created Owner Prompt Owner <prompt@example.com>"),
        "{rest}"
    );

    // The account signs in with the typed password.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let conn = sea_orm::Database::connect(&db).await.unwrap();
        let user = pulse::server::entities::users::Entity::find()
            .filter(pulse::server::entities::users::Column::Email.eq("prompt@example.com"))
            .one(&conn)
            .await
            .unwrap()
            .expect("owner created");
        let hash = user.password_hash.unwrap();
        assert!(
            pulse::server::identity::password::verify_stored("Prompt3dOwner!", &hash)
                .await
                .unwrap()
        );
    });
}
