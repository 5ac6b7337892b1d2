//! A real SMTP server on loopback for the notice tests: it speaks RFC 5321 over a socket
//! (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps every message it
//! accepted, and answers the end of DATA as the test's policy says, so tests can make it defer
//! (4xx) or refuse (5xx) particular deliveries. It runs on its own threads, so it serves
//! Charter in the test's runtime and Charter processes started by the test alike.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Write},
    net::{TcpListener, TcpStream},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

/// A message the server accepted.
#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as transmitted (headers and body), dot-unstuffed.
    pub data: String,
}

impl Received {
    /// The text of the part of type `content_type` (`text/plain`, `text/html`), its
    /// quoted-printable decoded.
    pub fn part(&self, content_type: &str) -> Option<String> {
        let boundary = self
            .header("Content-Type")?
            .split("boundary=")
            .nth(1)?
            .trim_matches('"')
            .to_owned();
        let start = self.data.find(&format!("Content-Type: {content_type}"))?;
        let part = &self.data[start..];
        let body_start = part.find("\r\n\r\n")? + 4;
        let body = &part[body_start..];
        let end = body.find(&format!("\r\n--{boundary}"))?;
        let decoded =
            quoted_printable::decode(&body[..end], quoted_printable::ParseMode::Robust).ok()?;
        String::from_utf8(decoded).ok()
    }

    /// The value of header `name` (unfolded), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(value) = value.as_mut() {
                    value.push_str(line);
                }
                continue;
            }
            if value.is_some() {
                break;
            }
            if let Some((key, rest)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                value = Some(rest.trim().to_owned());
            }
        }
        value
    }
}

/// Decides the reply to a completed DATA: `None` accepts; `Some((code, text))` answers with
/// that reply instead. It gets the recipient and how many earlier deliveries to that recipient
/// the server has seen (accepted or not).
pub type Policy = dyn Fn(&str, usize) -> Option<(u16, String)> + Send + Sync;

#[derive(Default)]
struct Mailbox {
    accepted: Vec<Received>,
    tries: HashMap<String, usize>,
}

pub struct SmtpServer {
    pub port: u16,
    mailbox: Arc<Mutex<Mailbox>>,
}

impl SmtpServer {
    /// A server that accepts everything.
    pub fn start() -> Self {
        Self::with_policy(|_, _| None)
    }

    pub fn with_policy(
        policy: impl Fn(&str, usize) -> Option<(u16, String)> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SMTP test server");
        Self::serve(listener, Arc::new(policy))
    }

    /// A server that accepts everything on `port`, which a test chose while nothing listened
    /// there (a mail server that was down and comes back).
    pub fn start_on(port: u16) -> Self {
        let listener =
            TcpListener::bind(("127.0.0.1", port)).expect("bind the SMTP test server's port");
        Self::serve(listener, Arc::new(|_: &str, _: usize| None))
    }

    fn serve(listener: TcpListener, policy: Arc<Policy>) -> Self {
        let port = listener.local_addr().expect("address").port();
        let mailbox = Arc::new(Mutex::new(Mailbox::default()));
        {
            let mailbox = mailbox.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming().map_while(Result::ok) {
                    let (mailbox, policy) = (mailbox.clone(), policy.clone());
                    std::thread::spawn(move || {
                        // A client that hangs up mid-session is not the server's problem.
                        let _ = session(stream, &mailbox, &*policy);
                    });
                }
            });
        }
        Self { port, mailbox }
    }

    /// `smtp://127.0.0.1:PORT`, plain, as Charter's `CHARTER_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.lock().accepted.clone()
    }

    /// Waits until at least `count` messages were accepted, and returns them all.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count || started.elapsed() > timeout {
                return received;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mailbox> {
        self.mailbox.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A loopback port nothing listens on (now): where a mail server is down.
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn session(stream: TcpStream, mailbox: &Mutex<Mailbox>, policy: &Policy) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut reply = |text: &str| writer.write_all(format!("{text}\r\n").as_bytes());
    reply("220 charter-test ESMTP ready")?;
    let (mut from, mut to) = (None::<String>, Vec::<String>::new());
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => reply("250-charter-test\r\n250-8BITMIME\r\n250 SMTPUTF8")?,
            "HELO" => reply("250 charter-test")?,
            "MAIL" => match path(command, "FROM:") {
                Some(address) => {
                    from = Some(address);
                    to.clear();
                    reply("250 2.1.0 OK")?;
                }
                None => reply("501 5.5.4 MAIL FROM:<address> expected")?,
            },
            "RCPT" if from.is_none() => reply("503 5.5.1 MAIL first")?,
            "RCPT" => match path(command, "TO:") {
                Some(address) if address.contains('@') => {
                    to.push(address);
                    reply("250 2.1.5 OK")?;
                }
                _ => reply("501 5.1.3 RCPT TO:<address> expected")?,
            },
            "DATA" if to.is_empty() => reply("503 5.5.1 RCPT first")?,
            "DATA" => {
                reply("354 end data with <CR><LF>.<CR><LF>")?;
                let data = read_data(&mut reader)?;
                let answer = {
                    let mut mailbox = mailbox.lock().unwrap_or_else(PoisonError::into_inner);
                    let recipient = to[0].clone();
                    let tries = mailbox.tries.entry(recipient.clone()).or_default();
                    let earlier = *tries;
                    *tries += 1;
                    let answer = policy(&recipient, earlier);
                    if answer.is_none() {
                        mailbox.accepted.push(Received {
                            from: from.clone().unwrap_or_default(),
                            to: to.clone(),
                            data,
                        });
                    }
                    answer
                };
                match answer {
                    None => reply("250 2.0.0 queued")?,
                    Some((code, text)) => reply(&format!("{code} {text}"))?,
                }
                from = None;
                to.clear();
            }
            "RSET" => {
                from = None;
                to.clear();
                reply("250 2.0.0 OK")?;
            }
            "NOOP" => reply("250 2.0.0 OK")?,
            "QUIT" => {
                reply("221 2.0.0 bye")?;
                return Ok(());
            }
            _ => reply("502 5.5.2 command not implemented")?,
        }
    }
}

/// The address in `MAIL FROM:<a>` or `RCPT TO:<a>`, parameters after it ignored.
fn path(command: &str, keyword: &str) -> Option<String> {
    let (_, rest) = command.split_once(' ')?;
    let rest = rest.trim_start();
    if !rest.to_ascii_uppercase().starts_with(keyword) {
        return None;
    }
    let rest = rest[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?.split_once('>')?.0;
    Some(inner.to_owned())
}

fn read_data(reader: &mut impl BufRead) -> std::io::Result<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == ".\r\n" || line == ".\n" {
            return Ok(data);
        }
        let unstuffed = line.strip_prefix('.').unwrap_or(&line);
        data.push_str(unstuffed);
    }
}

#[test]
fn parses_paths_and_unfolds_headers() {
    assert_eq!(
        path("MAIL FROM:<a@example.com> SIZE=10", "FROM:").as_deref(),
        Some("a@example.com")
    );
    assert_eq!(
        path("RCPT TO: <b@example.com>", "TO:").as_deref(),
        Some("b@example.com")
    );
    assert_eq!(path("RCPT FOO:<b@example.com>", "TO:"), None);
    let received = Received {
        from: String::new(),
        to: Vec::new(),
        data: "Subject: a\r\n b\r\nTo: x\r\n\r\nbody".to_owned(),
    };
    assert_eq!(received.header("subject").as_deref(), Some("a b"));
    assert_eq!(received.header("to").as_deref(), Some("x"));
    assert_eq!(received.header("cc"), None);
}
