//! Structured logs through `tracing`, filtered by `CHARTER_LOG`.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the global subscriber. Later calls (tests start many servers) keep the first one.
pub fn init(filter: EnvFilter) {
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_target(true))
        .try_init();
}
