//! The server side of consent: the signed cookie, the event log, and deciding what a
//! submission means.

mod cookie;
mod decide;
pub mod export;
pub mod http;
pub mod log;
mod records;
mod service;

pub use cookie::{CONSENT_COOKIE, ConsentCookie, ShortKey, SigningKey};
pub use decide::{
    Standing, Submission, SubmissionError, action, allows_sale_or_sharing, banner_text,
    gpc_choices, refused, resolve,
};
pub use log::{
    Banner, BatchLimit, ChainReport, ConsentLog, Event, GENESIS, NewEvent, Place, RecordError,
    Recorded, events_of, logged_events_of, verify_chain,
};
pub use records::{EventQuery, choice_totals, newest_events};
pub use service::{
    Applied, ApplyError, CHOICES_COOKIE, CONSENT_HEADER, ConsentService, HeldChoice, Origin,
    consent_cookie, cookie_domain, mirror, ticked_choices,
};
