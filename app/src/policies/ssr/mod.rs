//! What machines read of the policies: Atom feeds of published revisions, and each revision's
//! Markdown, metadata and diffs in plain formats.

pub mod exports;
pub mod feeds;

fn no_such_document() -> crate::http::HttpError {
    crate::http::HttpError::NotFound("no such document".into())
}
