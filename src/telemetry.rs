//! Structured logs through `tracing`, filtered by `CHARTER_LOG`.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the global subscriber. Later calls (tests start many servers) keep the first one.
/// Logs go to standard error, so commands that write data (`charter consent export`) keep
/// standard output clean.
pub fn init(filter: EnvFilter) {
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_target(true).with_writer(std::io::stderr))
        .try_init();
}
