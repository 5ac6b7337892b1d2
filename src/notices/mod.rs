//! Delivery of change notices: the worker that takes queued messages from the outbox
//! (`app::notices::outbox`), writes each in its recipient's language and sends it through SMTP,
//! or into `.eml` files when no SMTP server is configured, confirmation messages of the public
//! subscription forms (`app::notices::subscriptions`) included.

pub mod message;
pub mod transport;
pub mod witnesses;
pub mod worker;

pub use message::Letterhead;
pub use transport::Mailer;
pub use worker::{NoticeWorker, WorkerHandle};

/// How mail leaves this process: the worker's transport (its SMTP connection pool included)
/// and letterhead.
#[derive(Clone)]
pub struct Outgoing {
    pub mailer: Mailer,
    pub letterhead: Letterhead,
}
