//! JazzCash hosted checkout (HTTP POST "page redirection", version 1.1): the signed form the app's
//! web view posts to JazzCash, and the check of what JazzCash posts back to the return and notify
//! addresses.
//!
//! `pp_SecureHash` is HMAC-SHA256 keyed with the integrity salt over `salt&v1&v2&…`: the values of
//! every non-empty field whose name starts with `pp` (so `pp_*`, `ppmpf_*`, `ppmbf_*`), except the
//! hash itself, in the byte order of their names. JazzCash sends its hashes in upper case; the
//! comparison ignores case and takes constant time.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::server::config::Config;

pub const HASH_FIELD: &str = "pp_SecureHash";

/// The merchant's settings; `None` in `AppState` when JazzCash is not configured.
#[derive(Clone)]
pub struct JazzCash {
    merchant_id: String,
    password: String,
    salt: String,
    pub checkout_url: String,
    return_url: String,
}

/// What a response code means for the payment (JazzCash's codes; 121 is "confirmed by merchant").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    /// 124 (voucher awaiting payment) and 157 (wallet payment pending).
    Pending,
    Failed,
}

pub fn outcome(code: &str) -> Outcome {
    match code.trim() {
        "000" | "121" => Outcome::Paid,
        "124" | "157" => Outcome::Pending,
        _ => Outcome::Failed,
    }
}

/// The hash of `fields` under `salt`, upper-case hex.
pub fn secure_hash(salt: &str, fields: &BTreeMap<String, String>) -> String {
    let mut message = String::from(salt);
    for (name, value) in fields {
        if name.starts_with("pp") && name != HASH_FIELD && !value.is_empty() {
            message.push('&');
            message.push_str(value);
        }
    }
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(salt.as_bytes()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// A transaction reference: `T`, the time in Pakistan, and five random digits (20 characters).
pub fn new_reference(now: DateTime<Utc>) -> String {
    use rand::Rng;
    let local = now.with_timezone(&chrono_tz::Asia::Karachi);
    format!(
        "T{}{:05}",
        local.format("%Y%m%d%H%M%S"),
        rand::rng().random_range(0..100_000)
    )
}

impl JazzCash {
    pub fn from_config(config: &Config) -> Option<Self> {
        Some(Self {
            merchant_id: config.jazzcash_merchant_id.clone()?,
            password: config.jazzcash_password.as_ref()?.expose().to_owned(),
            salt: config.jazzcash_integrity_salt.as_ref()?.expose().to_owned(),
            checkout_url: config.jazzcash_checkout_url.clone(),
            return_url: config.jazzcash_return_url(),
        })
    }

    /// The signed checkout form for `amount_minor` paisa, valid for `valid_for`.
    pub fn checkout_form(
        &self,
        reference: &str,
        bill_reference: &str,
        amount_minor: i64,
        now: DateTime<Utc>,
        valid_for: Duration,
    ) -> BTreeMap<String, String> {
        let local = |t: DateTime<Utc>| {
            t.with_timezone(&chrono_tz::Asia::Karachi)
                .format("%Y%m%d%H%M%S")
                .to_string()
        };
        let mut form: BTreeMap<String, String> = [
            ("pp_Version", "1.1".to_owned()),
            ("pp_TxnType", String::new()),
            ("pp_Language", "EN".to_owned()),
            ("pp_MerchantID", self.merchant_id.clone()),
            ("pp_SubMerchantID", String::new()),
            ("pp_Password", self.password.clone()),
            ("pp_BankID", String::new()),
            ("pp_ProductID", String::new()),
            ("pp_TxnRefNo", reference.to_owned()),
            ("pp_Amount", amount_minor.to_string()),
            ("pp_TxnCurrency", "PKR".to_owned()),
            ("pp_TxnDateTime", local(now)),
            ("pp_BillReference", bill_reference.to_owned()),
            // JazzCash refuses < > * = % / : ' | " { } here.
            ("pp_Description", "Appointment booking".to_owned()),
            ("pp_TxnExpiryDateTime", local(now + valid_for)),
            ("pp_ReturnURL", self.return_url.clone()),
            ("ppmpf_1", String::new()),
            ("ppmpf_2", String::new()),
            ("ppmpf_3", String::new()),
            ("ppmpf_4", String::new()),
            ("ppmpf_5", String::new()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let hash = secure_hash(&self.salt, &form);
        form.insert(HASH_FIELD.to_owned(), hash);
        form
    }

    /// Whether JazzCash signed `fields` (a return or notify post): the hash over the other fields,
    /// compared in constant time, ignoring case.
    pub fn verify(&self, fields: &BTreeMap<String, String>) -> bool {
        let Some(given) = fields.get(HASH_FIELD) else {
            return false;
        };
        let expected = secure_hash(&self.salt, fields);
        let given = given.trim().to_ascii_uppercase();
        given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
    }

    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&#39;")
}

/// A page that posts `form` to `action` as soon as it loads (the app loads it in a web view).
pub fn auto_post_page(action: &str, form: &BTreeMap<String, String>) -> String {
    let inputs: String = form
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape(k),
                escape(v)
            )
        })
        .collect();
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Redirecting to JazzCash</title></head><body><p>Redirecting to JazzCash…</p><form id="jazzcash" method="post" action="{}">{inputs}<noscript><button type="submit">Continue to JazzCash</button></noscript></form><script>document.getElementById("jazzcash").submit();</script></body></html>"#,
        escape(action)
    )
}

/// A page that sends the web view on to `url` (what JazzCash's return post lands on).
pub fn redirect_page(url: &str) -> String {
    let url = escape(url);
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={url}"><title>Payment</title></head><body><p><a href="{url}">Continue</a></p></body></html>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_hash_matches_jazzcash_s_worked_example() {
        // JazzCash's hashing-scheme page: salt 0F5DD14AE2, values 2995, MER123, A48cvE28 (sorted by
        // field name), empty fields and the hash itself left out.
        let f = fields(&[
            ("pp_Amount", "2995"),
            ("pp_MerchantID", "MER123"),
            ("pp_Password", "A48cvE28"),
            ("pp_BankID", ""),
            ("pp_SecureHash", "anything"),
            ("other", "ignored"),
        ]);
        let hash = secure_hash("0F5DD14AE2", &f);
        assert_eq!(hash.len(), 64);
        assert!(hash.starts_with("C7689CDA") && hash.ends_with("C867"), "{hash}");
    }

    #[test]
    fn a_signed_form_verifies_and_any_change_does_not() {
        let jc = JazzCash {
            merchant_id: "MC1".into(),
            password: "pw".into(),
            salt: "salt".into(),
            checkout_url: "https://example.test/".into(),
            return_url: "https://pulse.test/api/v1/payments/jazzcash/return".into(),
        };
        let now = Utc::now();
        let mut form = jc.checkout_form("T2026", "bill", 250_000, now, Duration::hours(1));
        assert_eq!(form["pp_Amount"], "250000");
        assert!(jc.verify(&form));
        let lower = form[HASH_FIELD].to_ascii_lowercase();
        form.insert(HASH_FIELD.into(), lower);
        assert!(jc.verify(&form), "case does not matter");
        form.insert("pp_Amount".into(), "1".into());
        assert!(!jc.verify(&form));
        form.remove(HASH_FIELD);
        assert!(!jc.verify(&form));
        assert_eq!(new_reference(now).len(), 20);
        assert_eq!(outcome("121"), Outcome::Paid);
        assert_eq!(outcome("124"), Outcome::Pending);
        assert_eq!(outcome("112"), Outcome::Failed);
    }

    #[test]
    fn pages_escape_what_they_carry() {
        let page = auto_post_page(
            "https://x.test/?a=1&b=2",
            &fields(&[("pp_Description", "\"><script>")]),
        );
        assert!(page.contains("a=1&amp;b=2"));
        assert!(!page.contains("\"><script>"));
        assert!(redirect_page("https://x.test/payment-success?ref=T1").contains("payment-success?ref=T1"));
    }
}
