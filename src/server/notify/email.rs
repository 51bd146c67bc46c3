//! SMTP delivery with lettre. `SMTP_URL` examples: `smtp://127.0.0.1:2525` (plain, local relay),
//! `smtp://user:pass@mail.example.com:587?tls=required`, `smtps://mail.example.com`.

use lettre::{
    message::{header::ContentType, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::{templates::EmailMessage, Failure};

#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: String,
    },
    /// No `SMTP_URL`: messages stay in the outbox and are logged (development).
    Log,
}

impl Mailer {
    pub fn from_config(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        match smtp_url {
            None => Ok(Self::Log),
            Some(url) => {
                // Fail at start-up, not at the first email.
                from.parse::<lettre::message::Mailbox>()
                    .map_err(|e| anyhow::anyhow!("MAIL_FROM {from:?} is not an address: {e}"))?;
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is invalid: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    .build();
                Ok(Self::Smtp {
                    transport,
                    from: from.to_owned(),
                })
            }
        }
    }

    /// Sends one email. A refusal the server says is permanent (5xx), or an address or message
    /// that cannot be written, is not worth retrying; anything else (a connection, a 4xx) is.
    pub async fn send(&self, to: &str, message: &EmailMessage) -> Result<(), Failure> {
        match self {
            Self::Log => Ok(()),
            Self::Smtp { transport, from } => {
                let permanent =
                    |what: &str, e: &dyn std::fmt::Display| Failure::Permanent(format!("{what}: {e}"));
                let email = Message::builder()
                    .from(from.parse().map_err(|e| permanent("from", &e))?)
                    .to(to.parse().map_err(|e| permanent("to", &e))?)
                    .subject(&message.subject)
                    .multipart(
                        MultiPart::alternative()
                            .singlepart(
                                SinglePart::builder()
                                    .header(ContentType::TEXT_PLAIN)
                                    .body(message.text.clone()),
                            )
                            .singlepart(
                                SinglePart::builder()
                                    .header(ContentType::TEXT_HTML)
                                    .body(message.html.clone()),
                            ),
                    )
                    .map_err(|e| permanent("message", &e))?;
                transport.send(email).await.map(|_| ()).map_err(|e| {
                    if e.is_permanent() {
                        Failure::Permanent(e.to_string())
                    } else {
                        Failure::Transient(e.to_string())
                    }
                })
            }
        }
    }
}
