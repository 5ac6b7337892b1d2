//! The real binary, as an operator runs it: help text, start-up errors, graceful shutdown.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn charter() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_charter"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    command
}

#[test]
fn help_lists_every_setting() {
    let output = charter()
        .arg("--help")
        .output()
        .expect("run charter --help");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("utf-8");
    for setting in charter::config::SETTINGS {
        assert!(
            help.contains(setting.env),
            "{} missing from:\n{help}",
            setting.env
        );
        assert!(
            help.contains(setting.key),
            "{} missing from:\n{help}",
            setting.key
        );
    }
}

#[test]
fn a_bad_setting_stops_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = charter()
        .current_dir(dir.path())
        .env("CHARTER_ADDR", "not-an-address")
        .output()
        .expect("run charter");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("CHARTER_ADDR"), "{stderr}");
    assert!(stderr.contains("invalid socket address"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn sigterm_stops_the_server_gracefully_with_exit_code_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = charter()
        .current_dir(dir.path())
        .env("CHARTER_ADDR", "127.0.0.1:0")
        .env("CHARTER_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start charter");
    // Logs go to standard error.
    let logs = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(logs).lines();
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("Charter is listening"))
        .expect("the server reports its address");
    let addr = listening
        .split("addr=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("address in the log line")
        .to_owned();

    // The default SQLite database was created under ./data, and the server answers.
    assert!(dir.path().join("data/charter.db").exists());
    let mut stream = std::net::TcpStream::connect(&addr).expect("server accepts connections");
    std::io::Write::write_all(
        &mut stream,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(exit.code(), Some(0), "{exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|line| line.contains("Charter stopped")),
        "{rest:?}"
    );
}

/// Runs a command to completion in `dir`: whether it succeeded, its stdout and its stderr.
fn run_in(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    run_with_input(dir, args, "")
}

#[test]
fn inventory_import_validates_the_file_and_verify_walks_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(dir.path(), args);
    let (ok, stdout, stderr) = run(&["consent", "verify"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("consent log intact: 0 events"), "{stdout}");

    std::fs::write(
        dir.path().join("missing-german.toml"),
        "[[categories]]\nkey = \"necessary\"\ntitle = { en = \"Necessary\" }\n\
         description = { en = \"Always on\", de = \"Immer aktiv\" }\n",
    )
    .unwrap();
    let (ok, _, stderr) = run(&["inventory", "import", "missing-german.toml"]);
    assert!(!ok);
    assert!(
        stderr.contains("category `necessary`: the title in `de` is missing or empty"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    std::fs::write(dir.path().join("broken.toml"), "[[categories]\nkey = ").unwrap();
    let (ok, _, stderr) = run(&["inventory", "import", "broken.toml"]);
    assert!(!ok);
    assert!(stderr.contains("line 1"), "{stderr}");

    let (ok, _, stderr) = run(&["inventory", "import", "no-such-file.toml"]);
    assert!(!ok);
    assert!(stderr.contains("cannot read no-such-file.toml"), "{stderr}");

    std::fs::write(
        dir.path().join("good.toml"),
        "[[categories]]\nkey = \"necessary\"\n\
         title = { en = \"Necessary\", de = \"Erforderlich\" }\n\
         description = { en = \"Always on\", de = \"Immer aktiv\" }\n\
         [[categories]]\nkey = \"analytics\"\n\
         title = { en = \"Analytics\", de = \"Statistik\" }\n\
         description = { en = \"Counts visits\", de = \"Zählt Besuche\" }\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&["inventory", "import", "good.toml"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("now in force; visitors will be asked again"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&["inventory", "import", "good.toml"]);
    assert!(ok);
    assert!(stdout.contains("unchanged"), "{stdout}");
}

#[test]
fn consent_export_writes_csv_or_json_and_refuses_bad_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(dir.path(), args);
    let (ok, stdout, stderr) = run(&["consent", "export", "--format", "csv"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.starts_with("id,recorded_at,subject_id,action,method,choices,"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1);
    let (ok, stdout, _) = run(&["consent", "export", "--from", "2026-01-01"]);
    assert!(ok);
    assert_eq!(stdout, "[\n]\n");
    let (ok, _, stderr) = run(&["consent", "export", "--from", "yesterday"]);
    assert!(!ok);
    assert!(stderr.contains("--from"), "{stderr}");
    assert!(stderr.contains("is not a date"), "{stderr}");
    let (ok, _, stderr) = run(&[
        "consent",
        "export",
        "--from",
        "2026-11-02",
        "--to",
        "2026-11-01",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("--from must be earlier than --to"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(&["consent", "export", "--format", "xml"]);
    assert!(!ok);
    assert!(stderr.contains("possible values: csv, json"), "{stderr}");
}

#[test]
fn recipients_import_reports_bad_rows_by_line_and_updates_on_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(dir.path(), args);
    std::fs::write(
        dir.path().join("recipients.csv"),
        "email,name,locale
ada@example.com,Ada,en
not an address,X,en
grace@example.com,Grace,de
",
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&["recipients", "import", "recipients.csv"]);
    assert!(!ok, "a bad row fails the command");
    assert!(
        stdout.contains("recipients: 2 added, 0 updated, 0 unchanged"),
        "{stdout}"
    );
    assert!(stderr.contains("recipients.csv: line 3:"), "{stderr}");
    assert!(stderr.contains("1 rows were not imported"), "{stderr}");

    std::fs::write(
        dir.path().join("recipients.csv"),
        "email,locale,name
ADA@example.com,de,Ada Lovelace
grace@example.com,de,Grace
",
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&["recipients", "import", "recipients.csv"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("recipients: 0 added, 1 updated, 1 unchanged"),
        "{stdout}"
    );

    std::fs::write(
        dir.path().join("names.csv"),
        "name,locale
Ada,en
",
    )
    .unwrap();
    let (ok, _, stderr) = run(&["recipients", "import", "names.csv"]);
    assert!(!ok);
    assert!(
        stderr.contains("must name the columns, including `email`"),
        "{stderr}"
    );
}

/// Runs a command in `dir` with `input` on its standard input.
fn run_with_input(dir: &std::path::Path, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = charter()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run charter");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn admin_create_reads_the_password_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let create = |args: &[&str], input: &str| {
        let mut all = vec!["admin", "create"];
        all.extend_from_slice(args);
        run_with_input(dir.path(), &all, input)
    };
    let (ok, stdout, stderr) = create(
        &["--email", "Ada@Example.com"],
        "a long and unusual passphrase\n",
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("created admin account ada@example.com"),
        "{stdout}"
    );

    for (args, input, expected) in [
        (
            vec!["--email", "ada@example.com"],
            "another long passphrase\n",
            "already exists",
        ),
        (
            vec!["--email", "grace@example.com"],
            "too short\n",
            "at least 12 characters",
        ),
        (
            vec!["--email", "grace@example.com"],
            "password1234\n",
            "common password",
        ),
        (
            vec!["--email", "not an address"],
            "a long passphrase\n",
            "is not an email address",
        ),
        (
            vec!["--email", "grace@example.com", "--role", "owner"],
            "a long passphrase\n",
            "use editor, publisher or admin",
        ),
    ] {
        let (ok, _, stderr) = create(&args, input);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let (ok, stdout, stderr) = create(
        &["--email", "grace@example.com", "--role", "editor"],
        "a long and unusual passphrase\r\n",
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("created editor account grace@example.com"),
        "{stdout}"
    );
}

#[test]
fn sites_are_registered_and_listed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        charter()
            .current_dir(dir.path())
            .env("DATABASE_URL", "sqlite:charter.db")
            .args(args)
            .output()
            .expect("run charter")
    };
    let added = run(&[
        "sites",
        "add",
        "https://*.example.com",
        "--model",
        "opt-out",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&added.stdout),
        "https://*.example.com is registered (opt-out)\n"
    );
    let again = run(&["sites", "add", "https://*.example.com"]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("is registered already"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let bad = run(&["sites", "add", "example.com/path"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a site origin"));
    let listed = run(&["sites", "list"]);
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        "https://*.example.com\topt-out\n"
    );
}
