//! The server side of the admin area: accounts, passwords, sessions and sign-in throttling.

pub mod accounts;
pub mod guard;
pub mod http;
pub mod invitations;
pub mod password;
pub mod sessions;
pub mod throttle;
