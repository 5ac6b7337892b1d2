//! What the load benchmarks share: the optimised `charter` binary, started on loopback.

use std::{
    ffi::OsStr,
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

/// A running `charter` process.
pub struct Server {
    pub child: Child,
    /// `http://` and the address it listens on.
    pub base: String,
}

/// `program` with `args` (the `charter` binary, or a wrapper that runs it) with nothing of
/// this process's environment but `PATH`, set to listen on a free loopback port. The caller
/// adds its settings.
pub fn charter_command<I, S>(program: &str, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHARTER_ADDR", "127.0.0.1:0")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

impl Server {
    /// Starts `command` (see [`charter_command`]) and waits until the server says where it
    /// listens; what it logs is shown as it comes.
    pub fn start(mut command: Command) -> Self {
        let mut child = command.spawn().expect("start charter");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let listening = lines
            .by_ref()
            .map_while(Result::ok)
            .inspect(|line| eprintln!("  charter: {line}"))
            .find(|line| line.contains("Charter is listening"))
            .expect("the server reports its address");
        let addr = listening
            .split("addr=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("address in the log line")
            .to_owned();
        // Keep reading, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("  charter: {line}");
            }
        });
        Server {
            child,
            base: format!("http://{addr}"),
        }
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
