//! Delivery of change notices: the worker that takes queued messages from the outbox
//! (`app::notices::outbox`), writes each in its recipient's language and sends it through SMTP,
//! or into `.eml` files when no SMTP server is configured; and the form that queues failed
//! messages again.

pub mod forms;
pub mod message;
pub mod transport;
pub mod worker;

pub use message::Letterhead;
pub use transport::Mailer;
pub use worker::{NoticeWorker, WorkerHandle};
