//! A change notice as its recipient reads it: in their language (the Fluent `notice-email-*`
//! messages), as plain text and as HTML, naming the document, the day the change takes effect
//! and the publisher's summary, with links to the comparison and the new text. Its `Message-ID`
//! is derived from campaign and addressee, so a message sent again after a crash is
//! recognisably the same message. A subscriber's notice also carries the unsubscribe link and
//! RFC 8058's one-click headers; an account holder's is transactional and has neither.
//!
//! Also the confirmation a visitor gets on subscribing (`subscribe-email-*`), whose Message-ID
//! is random: it shares nothing with the confirmation token in its link.

use app::{
    i18n::Locale,
    i18n::ssr::text_with,
    notices::{
        outbox::{Addressee, DueNotice},
        subscriptions::{
            CONFIRMATION_HOURS,
            ssr::{Confirmation, new_token},
        },
    },
};
use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};
use lettre::{
    Address, Message,
    message::{
        Mailbox, MultiPart, SinglePart,
        header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue},
    },
};

/// What every notice says about its sender.
#[derive(Clone, Debug)]
pub struct Letterhead {
    pub organisation: String,
    /// The public URL of the site, without a trailing slash.
    pub base_url: String,
    pub from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("`{0}` is not a deliverable address")]
    Address(String),
    #[error("the message cannot be built: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("no randomness for the Message-ID: {0}")]
    Random(String),
}

/// The words and links of one notice, before they become a MIME message.
#[derive(Debug, PartialEq, Eq)]
struct Content {
    subject: String,
    greeting: String,
    intro: String,
    summary_heading: String,
    summary: String,
    other_language: Option<String>,
    compare: Option<(String, String)>,
    read: (String, String),
    reason: String,
    /// A subscriber's unsubscribe link.
    unsubscribe: Option<(String, String)>,
    organisation: String,
}

impl Letterhead {
    fn host(&self) -> String {
        url::Url::parse(&self.base_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned())
    }
}

/// `<notice.CAMPAIGN.ADDRESSEE@HOST>` (addressee `r42` for an account holder, `s7` for a
/// subscriber): the same for every attempt at one message.
pub fn message_id(notice: &DueNotice, letterhead: &Letterhead) -> String {
    format!(
        "<notice.{}.{}@{}>",
        notice.campaign_id,
        notice.addressee.key(),
        letterhead.host()
    )
}

fn unsubscribe_link(token: &str, letterhead: &Letterhead) -> String {
    format!("{}/unsubscribe/{token}", letterhead.base_url)
}

fn mailbox(email: &str, name: &str) -> Result<Mailbox, ComposeError> {
    let address: Address = email
        .parse()
        .map_err(|_| ComposeError::Address(email.to_owned()))?;
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        address,
    ))
}

pub fn compose(notice: &DueNotice, letterhead: &Letterhead) -> Result<Message, ComposeError> {
    let to = mailbox(&notice.email, &notice.name)?;
    let content = content(notice, letterhead);
    let mut builder = Message::builder()
        .from(letterhead.from.clone())
        .to(to)
        .subject(content.subject.clone())
        .message_id(Some(message_id(notice, letterhead)))
        .date_now();
    if let Addressee::Subscriber { token, .. } = &notice.addressee {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", unsubscribe_link(token, letterhead)),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    Ok(builder.multipart(
        MultiPart::alternative()
            .singlepart(part(ContentType::TEXT_PLAIN, plain(&content)))
            .singlepart(part(ContentType::TEXT_HTML, html(&content, notice.locale))),
    )?)
}

/// `<subscribe.RANDOM@HOST>`: 128 random bits, unrelated to the link's token, so the headers
/// (which mail systems log and forward freely) never carry it.
fn confirmation_message_id(letterhead: &Letterhead) -> Result<String, ComposeError> {
    let random = new_token().map_err(|error| ComposeError::Random(error.to_string()))?;
    Ok(format!("<subscribe.{random}@{}>", letterhead.host()))
}

/// The message that asks a new subscriber to confirm their address.
pub fn compose_confirmation(
    confirmation: &Confirmation,
    letterhead: &Letterhead,
) -> Result<Message, ComposeError> {
    let locale = confirmation.locale;
    let say = |key: &str, args: &[(&'static str, String)]| text_with(locale, key, args);
    let scope = match &confirmation.document {
        Some(title) => say("subscribe-scope-one", &[("document", title.clone())]),
        None => say("subscribe-scope-all", &[]),
    };
    let subject = say(
        "subscribe-email-subject",
        &[("organisation", letterhead.organisation.clone())],
    );
    let body = say(
        "subscribe-email-body",
        &[("scope", scope), ("hours", CONFIRMATION_HOURS.to_string())],
    );
    let ignore = say("subscribe-email-ignore", &[]);
    let link = format!(
        "{}/subscribe/confirm/{}",
        letterhead.base_url, confirmation.token
    );
    let plain = format!(
        "{body}\n{link}\n\n{ignore}\n\n-- \n{}\n",
        letterhead.organisation
    );
    let html = html_page(
        locale,
        &subject,
        &format!(
            "{}{}{}",
            link_paragraph(&body, &link),
            paragraph(&ignore),
            paragraph(&letterhead.organisation)
        ),
    );
    Ok(Message::builder()
        .from(letterhead.from.clone())
        .to(mailbox(&confirmation.email, "")?)
        .subject(subject)
        .message_id(Some(confirmation_message_id(letterhead)?))
        .date_now()
        .multipart(
            MultiPart::alternative()
                .singlepart(part(ContentType::TEXT_PLAIN, plain))
                .singlepart(part(ContentType::TEXT_HTML, html)),
        )?)
}

/// Quoted-printable whatever the text: readable in the raw message, safe for servers without
/// 8BITMIME, and predictable (lettre would otherwise pick base64 for some texts).
fn part(content_type: ContentType, body: String) -> SinglePart {
    SinglePart::builder()
        .header(content_type)
        .header(ContentTransferEncoding::QuotedPrintable)
        .body(body)
}

fn content(notice: &DueNotice, letterhead: &Letterhead) -> Content {
    let locale = notice.locale;
    let day = notice
        .effective_at
        .rfc3339()
        .chars()
        .take(10)
        .collect::<String>();
    let say = |key: &str, args: &[(&'static str, String)]| text_with(locale, key, args);
    let document = notice.document_title.clone();
    let organisation = letterhead.organisation.clone();
    let policy = format!("{}/policies/{}", letterhead.base_url, notice.document_slug);
    let lang = format!("?lang={}", notice.revision_locale.as_str());
    Content {
        subject: say(
            "notice-email-subject",
            &[
                ("organisation", organisation.clone()),
                ("document", document.clone()),
                ("date", day.clone()),
            ],
        ),
        greeting: if notice.name.is_empty() {
            say("notice-email-greeting-anonymous", &[])
        } else {
            say("notice-email-greeting", &[("name", notice.name.clone())])
        },
        intro: say(
            "notice-email-intro",
            &[("document", document), ("date", day)],
        ),
        summary_heading: say("notice-email-summary", &[]),
        summary: notice.summary.trim().to_owned(),
        other_language: (notice.revision_locale != locale)
            .then(|| say("notice-email-other-language", &[])),
        compare: (notice.number > 1).then(|| {
            (
                say("notice-email-compare", &[]),
                format!(
                    "{policy}/diff/{}..{}{lang}",
                    notice.number - 1,
                    notice.number
                ),
            )
        }),
        read: (
            say("notice-email-read", &[]),
            format!("{policy}/v/{}{lang}", notice.number),
        ),
        reason: match &notice.addressee {
            Addressee::AccountHolder { .. } => say(
                "notice-email-reason",
                &[("organisation", organisation.clone())],
            ),
            Addressee::Subscriber { every_document, .. } => {
                let scope = if *every_document {
                    say("subscribe-scope-all", &[])
                } else {
                    say(
                        "subscribe-scope-one",
                        &[("document", notice.document_title.clone())],
                    )
                };
                say(
                    "notice-email-reason-subscriber",
                    &[("scope", scope), ("organisation", organisation.clone())],
                )
            }
        },
        unsubscribe: match &notice.addressee {
            Addressee::AccountHolder { .. } => None,
            Addressee::Subscriber { token, .. } => Some((
                say("notice-email-unsubscribe", &[]),
                unsubscribe_link(token, letterhead),
            )),
        },
        organisation,
    }
}

fn plain(content: &Content) -> String {
    let mut body = format!(
        "{}\n\n{}\n\n{}\n{}\n\n",
        content.greeting, content.intro, content.summary_heading, content.summary
    );
    if let Some(note) = &content.other_language {
        body.push_str(&format!("{note}\n\n"));
    }
    if let Some((label, link)) = &content.compare {
        body.push_str(&format!("{label}\n{link}\n\n"));
    }
    let (label, link) = &content.read;
    body.push_str(&format!("{label}\n{link}\n\n"));
    body.push_str(&format!(
        "{}\n\n-- \n{}\n",
        content.organisation, content.reason
    ));
    if let Some((label, link)) = &content.unsubscribe {
        body.push_str(&format!("{label} {link}\n"));
    }
    body
}

/// A paragraph of text, escaped.
fn paragraph(words: &str) -> String {
    format!("<p>{}</p>\n", text(words))
}

/// A paragraph of text with a link under it, showing its address.
fn link_paragraph(label: &str, href: &str) -> String {
    format!(
        "<p>{}<br><a href=\"{}\">{}</a></p>\n",
        text(label),
        attribute(href),
        text(href)
    )
}

/// The HTML document around `body`, in `locale`, titled `title`.
fn html_page(locale: Locale, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{body}</body>\n</html>\n",
        locale.as_str(),
        text(title)
    )
}

fn html(content: &Content, locale: Locale) -> String {
    let summary = content
        .summary
        .lines()
        .map(|line| text(line).into_owned())
        .collect::<Vec<_>>()
        .join("<br>\n");
    let mut body = paragraph(&content.greeting);
    body.push_str(&paragraph(&content.intro));
    body.push_str(&format!(
        "<h2>{}</h2>\n<blockquote><p>{summary}</p></blockquote>\n",
        text(&content.summary_heading)
    ));
    if let Some(note) = &content.other_language {
        body.push_str(&paragraph(note));
    }
    if let Some((label, href)) = &content.compare {
        body.push_str(&link_paragraph(label, href));
    }
    let (label, href) = &content.read;
    body.push_str(&link_paragraph(label, href));
    body.push_str(&paragraph(&content.organisation));
    body.push_str(&format!("<hr>\n<p><small>{}", text(&content.reason)));
    if let Some((label, href)) = &content.unsubscribe {
        body.push_str(&format!(
            "<br>{} <a href=\"{}\">{}</a>",
            text(label),
            attribute(href),
            text(href)
        ));
    }
    body.push_str("</small></p>\n");
    html_page(locale, &content.subject, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::clock::Timestamp;

    fn notice(locale: Locale, revision_locale: Locale) -> DueNotice {
        DueNotice {
            outbox_id: 7,
            campaign_id: 3,
            addressee: Addressee::AccountHolder { recipient_id: 42 },
            attempts: 1,
            email: "ada@example.com".to_owned(),
            name: "Ada <Lovelace>".to_owned(),
            locale,
            document_slug: "privacy".to_owned(),
            document_title: "Privacy Policy".to_owned(),
            revision_locale,
            number: 4,
            effective_at: Timestamp::parse("2027-01-15").expect("a day"),
            summary: "We add a processor & keep logs 30 days.\nNothing else changes.".to_owned(),
        }
    }

    fn letterhead() -> Letterhead {
        Letterhead {
            organisation: "Example Ltd".to_owned(),
            base_url: "https://legal.example.com".to_owned(),
            from: "Example Ltd <legal@example.com>"
                .parse()
                .expect("a mailbox"),
        }
    }

    #[test]
    fn the_message_id_depends_on_campaign_and_recipient_only() {
        let first = notice(Locale::En, Locale::En);
        let mut again = first.clone();
        again.attempts = 5;
        again.outbox_id = 99;
        assert_eq!(
            message_id(&first, &letterhead()),
            "<notice.3.r42@legal.example.com>"
        );
        assert_eq!(
            message_id(&first, &letterhead()),
            message_id(&again, &letterhead())
        );
    }

    #[test]
    fn plain_text_names_the_change_and_links_to_comparison_and_text() {
        let content = content(&notice(Locale::En, Locale::En), &letterhead());
        let body = plain(&content);
        assert!(
            content.subject.contains("Privacy Policy"),
            "{}",
            content.subject
        );
        assert!(
            content.subject.contains("2027-01-15"),
            "{}",
            content.subject
        );
        assert!(body.contains("Hello Ada <Lovelace>,"), "{body}");
        assert!(
            body.contains("We add a processor & keep logs 30 days."),
            "{body}"
        );
        assert!(
            body.contains("https://legal.example.com/policies/privacy/diff/3..4?lang=en"),
            "{body}"
        );
        assert!(
            body.contains("https://legal.example.com/policies/privacy/v/4?lang=en"),
            "{body}"
        );
        assert!(content.other_language.is_none());
    }

    #[test]
    fn html_escapes_what_people_typed() {
        let notice = notice(Locale::En, Locale::En);
        let body = html(&content(&notice, &letterhead()), notice.locale);
        assert!(body.contains("Ada &lt;Lovelace&gt;"), "{body}");
        assert!(body.contains("processor &amp; keep"), "{body}");
        assert!(body.contains("30 days.<br>\nNothing else"), "{body}");
        assert!(!body.contains("<Lovelace>"), "{body}");
    }

    #[test]
    fn a_german_recipient_reads_german_and_learns_the_text_is_english() {
        let content = content(&notice(Locale::De, Locale::En), &letterhead());
        assert!(
            content.greeting.starts_with("Hallo"),
            "{}",
            content.greeting
        );
        assert!(content.other_language.is_some());
        assert!(
            content.read.1.ends_with("/v/4?lang=en"),
            "{}",
            content.read.1
        );
    }

    #[test]
    fn a_first_revision_has_nothing_to_compare_with() {
        let mut first = notice(Locale::En, Locale::En);
        first.number = 1;
        assert!(content(&first, &letterhead()).compare.is_none());
    }

    #[test]
    fn the_mime_message_has_both_parts_and_the_stable_id() {
        let message = compose(&notice(Locale::En, Locale::En), &letterhead()).expect("built");
        let raw = String::from_utf8(message.formatted()).expect("utf-8");
        assert!(
            raw.contains("Message-ID: <notice.3.r42@legal.example.com>"),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain"), "{raw}");
        assert!(raw.contains("text/html"), "{raw}");
        assert!(
            raw.contains("Content-Transfer-Encoding: quoted-printable"),
            "{raw}"
        );
        let to = raw
            .lines()
            .find(|line| line.starts_with("To: "))
            .expect("a To line");
        assert!(to.ends_with(" <ada@example.com>"), "{to}");
    }

    #[test]
    fn an_account_holder_cannot_unsubscribe_but_a_subscriber_can_in_one_click() {
        let holder = compose(&notice(Locale::En, Locale::En), &letterhead()).expect("built");
        let raw = String::from_utf8(holder.formatted()).expect("utf-8");
        assert!(!raw.contains("List-Unsubscribe"), "{raw}");

        let mut subscriber = notice(Locale::En, Locale::En);
        subscriber.addressee = Addressee::Subscriber {
            subscription_id: 7,
            token: "0123456789abcdef0123456789abcdef".to_owned(),
            every_document: true,
            ended: false,
        };
        let link = "https://legal.example.com/unsubscribe/0123456789abcdef0123456789abcdef";
        let body = plain(&content(&subscriber, &letterhead()));
        assert!(
            body.contains("subscribed to changes to all our policies"),
            "{body}"
        );
        assert!(body.contains(link), "{body}");
        let raw = String::from_utf8(
            compose(&subscriber, &letterhead())
                .expect("built")
                .formatted(),
        )
        .expect("utf-8");
        assert!(
            raw.contains(&format!("List-Unsubscribe: <{link}>")),
            "{raw}"
        );
        assert!(
            raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{raw}"
        );
        assert!(
            raw.contains("Message-ID: <notice.3.s7@legal.example.com>"),
            "{raw}"
        );
    }

    #[test]
    fn a_confirmation_links_to_the_confirmation_page_in_the_visitors_language() {
        let confirmation = Confirmation {
            email: "new@example.com".to_owned(),
            locale: Locale::De,
            document: Some("Datenschutzerklärung".to_owned()),
            token: "0123456789abcdef0123456789abcdef".to_owned(),
        };
        let raw = String::from_utf8(
            compose_confirmation(&confirmation, &letterhead())
                .expect("built")
                .formatted(),
        )
        .expect("utf-8");
        assert!(raw.contains("To: new@example.com"), "{raw}");
        let unfolded = raw.replace("=\r\n", "");
        assert!(
            unfolded.contains(
                "https://legal.example.com/subscribe/confirm/0123456789abcdef0123456789abcdef"
            ),
            "{raw}"
        );
        assert!(unfolded.contains("<html lang=3D\"de\">"), "{raw}");
        let message_id = raw
            .lines()
            .find(|line| line.starts_with("Message-ID: "))
            .expect("a Message-ID");
        assert!(
            !message_id.contains(&confirmation.token),
            "the Message-ID carries no token: {message_id}"
        );
        let again = String::from_utf8(
            compose_confirmation(&confirmation, &letterhead())
                .expect("built")
                .formatted(),
        )
        .expect("utf-8");
        assert!(!again.contains(message_id), "each Message-ID is new");
    }

    #[test]
    fn an_undeliverable_address_is_refused() {
        let mut broken = notice(Locale::En, Locale::En);
        broken.email = "not an address".to_owned();
        assert!(matches!(
            compose(&broken, &letterhead()),
            Err(ComposeError::Address(_))
        ));
    }
}
