//! The server side of consent: the signed cookie, the event log, and deciding what a
//! submission means.

mod cookie;
mod decide;
mod log;
mod service;

pub use cookie::{CONSENT_COOKIE, ConsentCookie, ShortKey, SigningKey, ip_prefix};
pub use decide::{
    Standing, Submission, SubmissionError, action, banner_text, gpc_choices, refused, resolve,
};
pub use log::{
    Banner, BatchLimit, ChainReport, ConsentLog, Event, ExportError, GENESIS, NewEvent,
    RecordError, Recorded, events_of, for_each_event_between, verify_chain,
};
pub use service::{Applied, ApplyError, ConsentService, Origin, consent_cookie, ticked_choices};
