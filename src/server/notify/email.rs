//! SMTP delivery with lettre. `SMTP_URL` examples: `smtp://127.0.0.1:2525` (plain, local relay),
//! `smtp://user:pass@mail.example.com:587?tls=required`, `smtps://mail.example.com`.

use lettre::{
    message::{header::ContentType, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::templates::EmailMessage;

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

    pub async fn send(&self, to: &str, message: &EmailMessage) -> Result<(), String> {
        match self {
            Self::Log => Ok(()),
            Self::Smtp { transport, from } => {
                let email = Message::builder()
                    .from(from.parse().map_err(|e| format!("from: {e}"))?)
                    .to(to.parse().map_err(|e| format!("to: {e}"))?)
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
                    .map_err(|e| e.to_string())?;
                transport.send(email).await.map(|_| ()).map_err(|e| e.to_string())
            }
        }
    }
}
