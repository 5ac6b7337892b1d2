//! Recipients files: CSV with the header `email,name,locale` (in any order; `name` and `locale`
//! may be left empty), read by `charter recipients import` and uploaded on `/admin/recipients`.
//! Every row is checked on its own, so one bad row is reported by its line and the valid rows
//! are still imported.

use crate::{
    admin::Email,
    i18n::Locale,
    notices::{MAX_NAME_CHARS, NewRecipient},
};
use std::collections::HashMap;
use strum::VariantArray;

/// A row that cannot be imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file, counting the header as line 1.
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecipientsFileError {
    #[error(
        "the first line must name the columns, including `email` (for example email,name,locale); found {0:?}"
    )]
    NoEmailColumn(String),
    #[error("the file is not readable CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// The valid rows of `file`, and the others with their line and reason.
pub fn read(
    file: impl std::io::Read,
) -> Result<(Vec<NewRecipient>, Vec<RowError>), RecipientsFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(file);
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers.iter().position(|header| {
            header
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(name)
        })
    };
    let email_column = column("email").ok_or_else(|| {
        RecipientsFileError::NoEmailColumn(headers.iter().collect::<Vec<_>>().join(","))
    })?;
    let (name_column, locale_column) = (column("name"), column("locale"));
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    let mut first_line_of: HashMap<Email, u64> = HashMap::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, |position| position.line());
        let field = |column: Option<usize>| column.and_then(|c| record.get(c)).unwrap_or("");
        match row(
            field(Some(email_column)),
            field(name_column),
            field(locale_column),
        ) {
            Ok(recipient) => match first_line_of.get(&recipient.email) {
                Some(first) => errors.push(RowError {
                    line,
                    message: format!("{} is already on line {first}", recipient.email),
                }),
                None => {
                    first_line_of.insert(recipient.email.clone(), line);
                    valid.push(recipient);
                }
            },
            Err(message) => errors.push(RowError { line, message }),
        }
    }
    Ok((valid, errors))
}

fn row(email: &str, name: &str, locale: &str) -> Result<NewRecipient, String> {
    let email: Email = email
        .parse()
        .map_err(|e: crate::admin::BadEmail| e.to_string())?;
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(format!(
            "the name must be at most {MAX_NAME_CHARS} characters on one line"
        ));
    }
    let locale = if locale.is_empty() {
        Locale::default()
    } else {
        locale.parse().map_err(|_| {
            let supported: Vec<_> = Locale::VARIANTS.iter().map(|l| l.as_str()).collect();
            format!(
                "{locale:?} is not a language notices are written in; use {} or leave it empty for {}",
                supported.join(" or "),
                Locale::default()
            )
        })?
    };
    Ok(NewRecipient {
        email,
        name: name.to_owned(),
        locale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_rows_are_read_and_bad_ones_named_by_line() {
        let file = "\u{feff}Email,Name,Locale\n\
                    ada@example.com,Ada Lovelace,en\n\
                    not-an-address,Nobody,en\n\
                    \"grace@example.com\",\"Hopper, Grace\",DE\n\
                    alan@example.com,,\n\
                    ADA@example.com,Ada again,en\n\
                    bob@example.com,Bob,fr\n";
        let (valid, errors) = read(file.as_bytes()).expect("readable");
        let read: Vec<_> = valid
            .iter()
            .map(|r| (r.email.as_str(), r.name.as_str(), r.locale))
            .collect();
        assert_eq!(
            read,
            [
                ("ada@example.com", "Ada Lovelace", Locale::En),
                ("grace@example.com", "Hopper, Grace", Locale::De),
                ("alan@example.com", "", Locale::default()),
            ]
        );
        let errors: Vec<_> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("line 3: "), "{errors:?}");
        assert!(errors[0].contains("not an email address"), "{errors:?}");
        assert_eq!(errors[1], "line 6: ada@example.com is already on line 2");
        assert!(
            errors[2].starts_with("line 7: \"fr\" is not a language"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_file_without_an_email_column_is_refused() {
        assert!(matches!(
            read("name,locale\nAda,en\n".as_bytes()),
            Err(RecipientsFileError::NoEmailColumn(_))
        ));
    }
}
