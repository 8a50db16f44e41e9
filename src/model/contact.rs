//! Contact values parsed once, where they are read: email addresses and fax numbers. Later code
//! holds these types and never parses the text again.

use std::fmt;

use lettre::Address;

/// Why a text is not a usable email address or fax number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("`{0}` is not an email address (no @)")]
    NoAt(String),
    #[error("`{0}` is not an email address")]
    NotAnAddress(String),
    #[error(
        "`{0}` has non-ASCII characters before the @, which servers accept only with SMTPUTF8; appeal sends plain SMTP"
    )]
    NonAsciiLocal(String),
    #[error("`{text}`: `{domain}` is not a valid domain name")]
    BadDomain { text: String, domain: String },
    #[error("`{text}`: the domain `{domain}` has no dot; a full domain is needed")]
    NoDot { text: String, domain: String },
    #[error("`{text}` is not an email address ({reason})")]
    Rejected { text: String, reason: String },
    #[error("the fax number `{0}` is not international (it needs + and the country code)")]
    FaxNotInternational(String),
    #[error("the fax number `{fax}` has `{c}`, which is not a digit")]
    FaxNotADigit { fax: String, c: char },
    #[error("the fax number `{fax}` has {n} digits; an international number has 7 to 15")]
    FaxDigits { fax: String, n: usize },
}

/// An email address as users write it (settings, supporters file, directory), checked for
/// sending: the domain may be an IDN (`straße.de`), sent in its ASCII form (`xn--strae-oqa.de`).
/// A non-ASCII local part would need SMTPUTF8, which many servers of officials lack, so it is
/// refused with a reason. Reads as the text written (trimmed).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    written: String,
    address: Address,
}

impl EmailAddress {
    pub fn parse(text: &str) -> Result<EmailAddress, ContactError> {
        let text = text.trim();
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(ContactError::NoAt(text.to_string()));
        };
        if local.is_empty() || domain.is_empty() {
            return Err(ContactError::NotAnAddress(text.to_string()));
        }
        if !local.is_ascii() {
            return Err(ContactError::NonAsciiLocal(text.to_string()));
        }
        let ascii = idna::domain_to_ascii(domain).map_err(|_| ContactError::BadDomain {
            text: text.to_string(),
            domain: domain.to_string(),
        })?;
        if !ascii.contains('.') {
            return Err(ContactError::NoDot {
                text: text.to_string(),
                domain: ascii,
            });
        }
        let address = Address::new(local, &ascii).map_err(|e| ContactError::Rejected {
            text: text.to_string(),
            reason: e.to_string(),
        })?;
        Ok(EmailAddress {
            written: text.to_string(),
            address,
        })
    }

    /// The address as sent (IDN domain in ASCII).
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        &self.written
    }
}

impl std::ops::Deref for EmailAddress {
    type Target = str;

    fn deref(&self) -> &str {
        &self.written
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// A fax number as written (`+7 (495) 987-56-56`, printed so in letters and sheets) and its
/// E.164 digits (`74959875656`, dialled by the gateway). It must be international (`+` or `00`
/// first): a national number would be dialled in the gateway's country. Reads as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FaxNumber {
    written: String,
    digits: String,
}

impl FaxNumber {
    pub fn parse(fax: &str) -> Result<FaxNumber, ContactError> {
        let t = fax.trim();
        let rest = if let Some(r) = t.strip_prefix('+') {
            r
        } else if let Some(r) = t.strip_prefix("00") {
            r
        } else {
            return Err(ContactError::FaxNotInternational(fax.to_string()));
        };
        let mut digits = String::new();
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
                _ => {
                    return Err(ContactError::FaxNotADigit {
                        fax: fax.to_string(),
                        c,
                    });
                }
            }
        }
        if !(7..=15).contains(&digits.len()) {
            return Err(ContactError::FaxDigits {
                fax: fax.to_string(),
                n: digits.len(),
            });
        }
        Ok(FaxNumber {
            written: t.to_string(),
            digits,
        })
    }

    /// The E.164 digits, without `+`.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl std::ops::Deref for FaxNumber {
    type Target = str;

    fn deref(&self) -> &str {
        &self.written
    }
}

impl fmt::Display for FaxNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_idn_domains_and_refuses_non_ascii_local_parts() {
        let e = EmailAddress::parse(" post@bücher.example ").unwrap();
        assert_eq!(e.address().to_string(), "post@xn--bcher-kva.example");
        assert_eq!(e.as_str(), "post@bücher.example");
        assert!(matches!(
            EmailAddress::parse("jürgen@example.org"),
            Err(ContactError::NonAsciiLocal(_))
        ));
        assert!(matches!(
            EmailAddress::parse("nobody"),
            Err(ContactError::NoAt(_))
        ));
        assert!(matches!(
            EmailAddress::parse("a@localhost"),
            Err(ContactError::NoDot { .. })
        ));
        assert!(
            EmailAddress::parse("jürgen@example.org")
                .unwrap_err()
                .to_string()
                .contains("SMTPUTF8")
        );
    }

    #[test]
    fn normalises_fax_numbers_to_e164_digits_and_keeps_them_as_written() {
        let f = FaxNumber::parse("+7 (495) 987-56-56").unwrap();
        assert_eq!(f.digits(), "74959875656");
        assert_eq!(&*f, "+7 (495) 987-56-56");
        assert_eq!(
            FaxNumber::parse("0049 30 1234567").unwrap().digits(),
            "49301234567"
        );
        assert!(matches!(
            FaxNumber::parse("030 1234567"),
            Err(ContactError::FaxNotInternational(_))
        ));
        assert!(matches!(
            FaxNumber::parse("+49 30 12x4567"),
            Err(ContactError::FaxNotADigit { c: 'x', .. })
        ));
        assert!(matches!(
            FaxNumber::parse("+49 1"),
            Err(ContactError::FaxDigits { n: 3, .. })
        ));
    }
}
