//! E-mail through an outbox: a message is a row written in the same transaction as the change that
//! causes it, and a background sender delivers due rows over SMTP with retries and backoff. If SMTP
//! is down nothing is lost — the row waits and is tried again.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, header::HeaderName, header::HeaderValue};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use pestor_config::MailSettings;
use sqlx::{PgConnection, PgPool};

/// Woken on every enqueue so messages leave at once, not at the next poll.
pub const OUTBOX_CHANNEL: &str = "pestor_outbox";

/// Longest wait between two attempts at one message.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("niepoprawny adres serwera SMTP: {0}")]
    BadUrl(String),
    #[error("niepoprawny adres e-mail: {0}")]
    BadAddress(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A message ready to be queued: Polish text and HTML bodies already rendered.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    /// TERYT of the gmina the message speaks for; `None` for the regional portal.
    pub teryt: Option<String>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Extra headers, e.g. `List-Unsubscribe`.
    pub headers: Vec<(String, String)>,
}

/// Queues `mail` inside the caller's transaction, so it exists exactly when the change commits.
pub async fn enqueue(conn: &mut PgConnection, mail: &Mail) -> Result<i64, MailError> {
    if mail.to.parse::<Mailbox>().is_err() {
        return Err(MailError::BadAddress(mail.to.clone()));
    }
    let headers: serde_json::Map<String, serde_json::Value> = mail
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (teryt, to_address, subject, body_text, body_html, headers)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&mail.teryt)
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(serde_json::Value::Object(headers))
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(OUTBOX_CHANNEL)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Where messages go: an SMTP server, or the log when none is configured.
#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Log,
}

/// The background sender. Several may run (one per replica): rows are claimed with `SKIP LOCKED`.
#[derive(Clone)]
pub struct Sender {
    pool: PgPool,
    transport: Transport,
    from: Mailbox,
    poll: Duration,
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub failed: usize,
}

impl Sender {
    pub fn new(pool: PgPool, settings: &MailSettings) -> Result<Self, MailError> {
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|_| MailError::BadAddress(settings.from.clone()))?;
        let transport = if settings.smtp_url.is_empty() {
            Transport::Log
        } else {
            Transport::Smtp(smtp_transport(settings.smtp_url.expose())?)
        };
        Ok(Self {
            pool,
            transport,
            from,
            poll: Duration::from_secs(settings.poll_secs.max(1)),
        })
    }

    /// Sends due messages until `shutdown` resolves; wakes on NOTIFY and every `poll` interval.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        let mut listener = match pestor_db::listener(&self.pool, OUTBOX_CHANNEL).await {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!(error = %e, "outbox: no LISTEN, polling only");
                None
            }
        };
        tokio::pin!(shutdown);
        loop {
            let failed = match self.send_due().await {
                Ok(_) => false,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox pass failed");
                    true
                }
            };
            let wake = async {
                let healthy = match listener.as_mut() {
                    Some(l) => {
                        !matches!(tokio::time::timeout(self.poll, l.recv()).await, Ok(Err(_)))
                    }
                    None => {
                        tokio::time::sleep(self.poll).await;
                        true
                    }
                };
                // With the database gone, both calls fail at once: wait instead of spinning
                // (a loop that never yields could not even be cancelled).
                if failed || !healthy {
                    tokio::time::sleep(self.poll).await;
                }
            };
            tokio::select! {
                () = &mut shutdown => break,
                () = wake => {}
            }
        }
    }

    /// One pass: every message due now, each claimed, sent and marked in its own transaction.
    pub async fn send_due(&self) -> Result<Pass, MailError> {
        let mut pass = Pass::default();
        loop {
            let mut tx = pestor_db::begin(&self.pool).await?;
            let row: Option<(i64, String, String, String, String, serde_json::Value, i32)> =
                sqlx::query_as(
                    "SELECT id, to_address, subject, body_text, body_html, headers, attempts
                     FROM outbox WHERE sent_at IS NULL AND send_after <= now()
                     ORDER BY send_after, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                )
                .fetch_optional(&mut *tx)
                .await?;
            let Some((id, to, subject, text, html, headers, attempts)) = row else {
                return Ok(pass);
            };
            match self.deliver(&to, &subject, text, html, &headers).await {
                Ok(()) => {
                    sqlx::query("UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    pass.sent += 1;
                }
                Err(error) => {
                    let wait = backoff(attempts);
                    tracing::warn!(id, %error, retry_in_secs = wait.as_secs(), "e-mail not sent");
                    sqlx::query(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                                send_after = now() + make_interval(secs => $3) WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&error)
                    .bind(wait.as_secs_f64())
                    .execute(&mut *tx)
                    .await?;
                    pass.failed += 1;
                }
            }
            tx.commit().await?;
        }
    }

    async fn deliver(
        &self,
        to: &str,
        subject: &str,
        text: String,
        html: String,
        headers: &serde_json::Value,
    ) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("adres odbiorcy: {e}"))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject);
        if let Some(map) = headers.as_object() {
            for (name, value) in map {
                let value = value.as_str().unwrap_or_default().to_owned();
                let name = HeaderName::new_from_ascii(name.clone())
                    .map_err(|e| format!("nagłówek {name}: {e}"))?;
                builder = builder.raw_header(HeaderValue::new(name, value));
            }
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Transport::Log => {
                tracing::info!(
                    message = %String::from_utf8_lossy(&message.formatted()),
                    "e-mail (no SMTP server configured, logged instead)"
                );
                Ok(())
            }
        }
    }
}

/// 30 s, 1 min, 2 min, … up to an hour between attempts.
pub fn backoff(attempts_so_far: i32) -> Duration {
    let exp = attempts_so_far.clamp(0, 12) as u32;
    Duration::from_secs(30u64.saturating_mul(1 << exp)).min(MAX_BACKOFF)
}

fn smtp_transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let bad = || MailError::BadUrl(pestor_config::redact_url(url));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let (credentials, host_port) = match rest.rsplit_once('@') {
        Some((userinfo, hp)) => {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            (
                Some(Credentials::new(user.to_owned(), password.to_owned())),
                hp,
            )
        }
        None => (None, rest),
    };
    let host_port = host_port.trim_end_matches('/');
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, Some(p.parse::<u16>().map_err(|_| bad())?)),
        None => (host_port, None),
    };
    if host.is_empty() {
        return Err(bad());
    }
    let mut builder = match scheme {
        // Plain SMTP: for a relay on the same host or network (and the tests' server on loopback).
        "smtp" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        "smtp+starttls" => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(|_| bad())?
        }
        "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    if let Some(port) = port {
        builder = builder.port(port);
    }
    if let Some(c) = credentials {
        builder = builder.credentials(c);
    }
    Ok(builder.timeout(Some(Duration::from_secs(20))).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let waits: Vec<u64> = [0, 1, 2, 3, 7, 20]
            .into_iter()
            .map(|a| backoff(a).as_secs())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 3600, 3600]);
    }

    #[test]
    fn smtp_urls_are_checked() {
        for good in [
            "smtp://127.0.0.1:2525",
            "smtp+starttls://user:pw@mail.example.pl:587",
            "smtps://mail.example.pl",
        ] {
            assert!(smtp_transport(good).is_ok(), "{good}");
        }
        for bad in [
            "mail.example.pl",
            "http://x",
            "smtp://:25",
            "smtp://host:port",
        ] {
            assert!(smtp_transport(bad).is_err(), "{bad}");
        }
        // The error never shows a password.
        let e = smtp_transport("imap://u:tajne@h")
            .err()
            .unwrap()
            .to_string();
        assert!(!e.contains("tajne"), "{e}");
    }
}
