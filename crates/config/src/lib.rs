//! Layered configuration: built-in defaults, then an optional TOML file, then `PESTOR__SECTION__KEY`
//! environment variables. Every key is documented in `docs/configuration.md`.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A setting that must never be printed: its `Debug` and `Serialize` forms are `***` (a URL keeps
/// everything but its password), so logs and `pestor config` show where it points, not what it
/// holds. The value itself is read with [`Secret::expose`].
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What may be shown: nothing for an empty value, the URL without its password, else `***`.
    fn shown(&self) -> String {
        if self.0.is_empty() {
            String::new()
        } else if self.0.contains("://") {
            redact_url(&self.0)
        } else {
            "***".into()
        }
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.shown())
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.shown())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("błąd konfiguracji: {0}")]
    Load(#[from] config::ConfigError),
    #[error("błąd konfiguracji: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub tenants: TenantSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub storage: StorageSettings,
    pub log: LogSettings,
}

/// Where photos and logos are kept, and what an upload may be.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StorageSettings {
    /// `local` (a folder, the default) or `s3` (AWS, MinIO, Ceph, Garage…).
    pub backend: String,
    /// Folder of the `local` backend.
    pub local_dir: PathBuf,
    /// `https://…` of an S3-compatible service; empty means AWS for `s3_region`.
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_bucket: String,
    /// Path-style URLs (`endpoint/bucket/key`), which most S3-compatible services need.
    pub s3_path_style: bool,
    pub s3_access_key: String,
    pub s3_secret_key: Secret,
    /// `when_required` (the default; many S3-compatible services reject the CRC checksums newer
    /// AWS SDKs add to every request) or `always`.
    pub s3_checksums: String,
    /// Largest upload accepted, in bytes (refused while the body is read).
    pub max_upload_bytes: usize,
    /// Largest image accepted, in pixels (width × height), checked before decoding.
    pub max_image_pixels: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthSettings {
    /// A session unused this long ends.
    pub session_idle_minutes: u64,
    /// A sign-in ends this long after the password was typed, however active.
    pub session_absolute_hours: u64,
    /// Failed sign-ins allowed per account in `throttle_window_minutes`.
    pub max_failed_logins: u32,
    /// Failed sign-ins allowed per IP address in the window (higher: offices share one address).
    pub max_failed_logins_per_ip: u32,
    /// Registrations and password-reset requests allowed per IP address in the window.
    pub max_requests_per_ip: u32,
    pub throttle_window_minutes: u64,
    /// Accounts whose e-mail is not verified within this many hours are deleted.
    pub unverified_account_hours: u64,
    /// OpenID Connect identity providers offered on the sign-in page (`[[auth.providers]]`).
    #[serde(default)]
    pub providers: Vec<ProviderSettings>,
}

/// One OpenID Connect provider (authorization code flow with PKCE, discovery from `issuer`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProviderSettings {
    /// Short name used in URLs, e.g. `um-torun`.
    pub id: String,
    /// Button text, e.g. "Konto służbowe Urzędu Miasta Torunia".
    pub label: String,
    /// Issuer URL; `<issuer>/.well-known/openid-configuration` must answer.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Slugs or TERYT codes of the gminas whose sign-in offers this provider; empty: every gmina
    /// and the portal.
    #[serde(default)]
    pub gminas: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MailSettings {
    /// `smtp://host:port` (plain), `smtp+starttls://…` or `smtps://…`, with optional `user:password@`.
    /// Empty: messages are written to the log instead of being sent.
    pub smtp_url: Secret,
    /// The `From` header of every message.
    pub from: String,
    /// How often the sender looks for due messages (it is also woken when one is queued).
    pub poll_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServerSettings {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// `{slug}.{base_domain}` is a gmina; `base_domain` itself is the regional portal.
    pub base_domain: String,
    /// Scheme used in links between hosts (`https` in production).
    pub public_scheme: String,
    /// Port appended to links between hosts; `0` means none (production behind 80/443). Not set:
    /// the port of `bind`, so changing `bind` alone is enough on a developer's machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_port: Option<u16>,
    /// Peers whose `X-Forwarded-Host` is believed. Empty: the header is ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<IpAddr>,
    pub request_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
    /// Open connections at most; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// A request's headers must arrive within this time (slow-header clients are cut off).
    pub header_read_timeout_secs: u64,
    /// A connection with nothing read or written for this long is closed (kept-alive or stalled).
    pub idle_timeout_secs: u64,
    /// Sends `Strict-Transport-Security` (only when `public_scheme` is `https`).
    pub hsts_max_age_secs: u64,
}

impl ServerSettings {
    /// The port links between hosts carry: `public_port` if set (`0`: none), else the bound one.
    pub fn link_port(&self) -> Option<u16> {
        match self.public_port.unwrap_or(self.bind.port()) {
            0 => None,
            p => Some(p),
        }
    }

    /// `scheme://host[:port]` of a host of this deployment, as links between hosts are written.
    pub fn url_of(&self, host: &str) -> String {
        match self.link_port() {
            None => format!("{}://{host}", self.public_scheme),
            Some(p) => format!("{}://{host}:{p}", self.public_scheme),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DatabaseSettings {
    /// `postgres://…` of an external server. Empty: start the embedded cluster in `data_dir`.
    pub url: Secret,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
    /// The server ends any statement of the app running longer than this (`0`: no limit).
    pub statement_timeout_secs: u64,
    /// The server ends a session that sits this long inside an open transaction (`0`: never).
    pub idle_in_transaction_timeout_secs: u64,
    /// How many regional computations (figures over every gmina: the coordinators' dashboard,
    /// the portal's figures) run at once; the others wait up to `acquire_timeout_secs`, then
    /// answer 503. The rest of the pool stays for the gminas' pages and the workers.
    pub regional_concurrency: u32,
    /// A regional statement running longer than this is ended and its page answers 503.
    pub regional_statement_timeout_secs: u64,
    /// A pooled connection is closed after it has been borrowed this many times. PostgreSQL
    /// keeps the catalogue entries and plans of every schema a session touched (~80 KB a gmina)
    /// until the session ends; a borrower touches at most a gmina or two, so this bounds a
    /// connection's memory however many gminas there are and however fast requests come.
    pub connection_max_uses: u64,
    /// Data folder of the embedded cluster.
    pub data_dir: PathBuf,
    /// Folder with `initdb` and `postgres`. Empty: search `PATH`, then `/usr/lib/postgresql/*/bin`.
    pub pg_bin_dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TenantSettings {
    /// Folder with `gminy.csv`, `powiaty.csv` and per-gmina branding folders named by TERYT code.
    pub dir: PathBuf,
    /// How long a resolved host stays cached (changes are also pushed through LISTEN/NOTIFY).
    pub cache_ttl_secs: u64,
    /// How many tenant schemas are migrated at once.
    pub migrate_concurrency: usize,
    /// Key that signs a gmina's archives (HMAC-SHA256). Empty: a key generated once for this
    /// deployment's database. Deployments that move gminas between them share one.
    #[serde(default)]
    pub archive_secret: Secret,
    /// Largest archive accepted for a restore, in bytes once decompressed (every part together).
    pub max_archive_bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogSettings {
    /// `tracing` filter directive, e.g. `info,pestor_web=debug`.
    pub filter: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings {
                bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
                base_domain: "localhost".into(),
                public_scheme: "http".into(),
                public_port: None,
                trusted_proxies: Vec::new(),
                request_timeout_secs: 30,
                shutdown_grace_secs: 20,
                max_connections: 4096,
                header_read_timeout_secs: 10,
                idle_timeout_secs: 40,
                hsts_max_age_secs: 31_536_000,
            },
            database: DatabaseSettings {
                url: Secret::default(),
                max_connections: 20,
                acquire_timeout_secs: 5,
                statement_timeout_secs: 30,
                idle_in_transaction_timeout_secs: 60,
                regional_concurrency: 2,
                regional_statement_timeout_secs: 10,
                connection_max_uses: 500,
                data_dir: PathBuf::from(".pestor/postgres"),
                pg_bin_dir: String::new(),
            },
            tenants: TenantSettings {
                dir: PathBuf::from("tenants"),
                cache_ttl_secs: 60,
                migrate_concurrency: 8,
                archive_secret: Secret::default(),
                max_archive_bytes: 2 * 1024 * 1024 * 1024,
            },
            auth: AuthSettings {
                session_idle_minutes: 8 * 60,
                session_absolute_hours: 7 * 24,
                max_failed_logins: 5,
                max_failed_logins_per_ip: 50,
                max_requests_per_ip: 10,
                throttle_window_minutes: 15,
                unverified_account_hours: 72,
                providers: Vec::new(),
            },
            mail: MailSettings {
                smtp_url: Secret::default(),
                from: "Platforma PES <no-reply@localhost>".into(),
                poll_secs: 30,
            },
            storage: StorageSettings {
                backend: "local".into(),
                local_dir: PathBuf::from(".pestor/photos"),
                s3_endpoint: String::new(),
                s3_region: "us-east-1".into(),
                s3_bucket: String::new(),
                s3_path_style: true,
                s3_access_key: String::new(),
                s3_secret_key: Secret::default(),
                s3_checksums: "when_required".into(),
                max_upload_bytes: 10 * 1024 * 1024,
                max_image_pixels: 40_000_000,
            },
            log: LogSettings {
                filter: "info,sqlx=warn".into(),
            },
        }
    }
}

impl Settings {
    /// Defaults, then `file` (if given), then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, None)
    }

    /// Like [`Settings::load`], with the environment given explicitly (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: Option<std::collections::HashMap<String, String>>,
    ) -> Result<Self, ConfigError> {
        let defaults = config::Config::try_from(&Settings::default())?;
        let mut builder = config::Config::builder().add_source(defaults);
        if let Some(file) = file {
            builder = builder.add_source(
                config::File::from(file)
                    .format(config::FileFormat::Toml)
                    .required(true),
            );
        }
        let env_source = config::Environment::with_prefix("PESTOR")
            .prefix_separator("__")
            .separator("__")
            .list_separator(",")
            .with_list_parse_key("server.trusted_proxies")
            .try_parsing(true)
            .source(env);
        let settings: Settings = builder.add_source(env_source).build()?.try_deserialize()?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let d = &self.server.base_domain;
        let valid_domain = !d.is_empty()
            && d.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !valid_domain {
            return Err(ConfigError::Invalid(format!(
                "server.base_domain „{d}” musi być nazwą domeny małymi literami"
            )));
        }
        if !matches!(self.server.public_scheme.as_str(), "http" | "https") {
            return Err(ConfigError::Invalid(
                "server.public_scheme musi być http albo https".into(),
            ));
        }
        if self.database.max_connections == 0 || self.tenants.migrate_concurrency == 0 {
            return Err(ConfigError::Invalid(
                "database.max_connections i tenants.migrate_concurrency muszą być większe od zera"
                    .into(),
            ));
        }
        let sv = &self.server;
        if sv.max_connections == 0 || sv.header_read_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "server.max_connections i server.header_read_timeout_secs muszą być większe od zera"
                    .into(),
            ));
        }
        // A request being answered writes within the request timeout; a shorter idle limit
        // could cut a slow answer off.
        if sv.idle_timeout_secs <= sv.request_timeout_secs {
            return Err(ConfigError::Invalid(
                "server.idle_timeout_secs musi być większe od server.request_timeout_secs".into(),
            ));
        }
        let st = &self.storage;
        match st.backend.as_str() {
            "local" => {}
            "s3" if st.s3_bucket.is_empty() => {
                return Err(ConfigError::Invalid(
                    "storage.s3_bucket jest wymagane, gdy storage.backend = \"s3\"".into(),
                ));
            }
            "s3" => {}
            other => {
                return Err(ConfigError::Invalid(format!(
                    "storage.backend musi być local albo s3, podano „{other}”"
                )));
            }
        }
        if !matches!(st.s3_checksums.as_str(), "when_required" | "always") {
            return Err(ConfigError::Invalid(
                "storage.s3_checksums musi być when_required albo always".into(),
            ));
        }
        if self.database.regional_concurrency == 0
            || self.database.regional_concurrency >= self.database.max_connections
            || self.database.regional_statement_timeout_secs == 0
        {
            return Err(ConfigError::Invalid(
                "database.regional_concurrency musi być od 1 do database.max_connections − 1, a database.regional_statement_timeout_secs większe od zera"
                    .into(),
            ));
        }
        if self.database.connection_max_uses == 0 {
            return Err(ConfigError::Invalid(
                "database.connection_max_uses musi być większe od zera".into(),
            ));
        }
        if self.tenants.max_archive_bytes == 0 {
            return Err(ConfigError::Invalid(
                "tenants.max_archive_bytes musi być większe od zera".into(),
            ));
        }
        if st.max_upload_bytes == 0 || st.max_image_pixels == 0 {
            return Err(ConfigError::Invalid(
                "storage.max_upload_bytes i storage.max_image_pixels muszą być większe od zera"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The effective configuration as TOML; every [`Secret`] shows itself as `***`.
    pub fn redacted_toml(&self) -> String {
        let value = serde_json::to_value(self).expect("settings serialise");
        render_toml(&value)
    }

    /// Base URL of a host of this deployment (`sub` = `None` for the regional portal).
    pub fn host_url(&self, sub: Option<&str>) -> String {
        let host = match sub {
            Some(s) => format!("{s}.{}", self.server.base_domain),
            None => self.server.base_domain.clone(),
        };
        self.server.url_of(&host)
    }
}

/// Hides the password of a `scheme://user:password@host/…` URL.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

// The settings are two levels deep, so a tiny renderer beats pulling a TOML serializer in here.
fn render_toml(value: &serde_json::Value) -> String {
    let mut out = String::new();
    if let serde_json::Value::Object(sections) = value {
        for (name, section) in sections {
            out.push_str(&format!("[{name}]\n"));
            if let serde_json::Value::Object(keys) = section {
                for (k, v) in keys {
                    out.push_str(&format!("{k} = {v}\n"));
                }
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.host_url(Some("torun")), "http://torun.localhost:8080");
        assert_eq!(s.host_url(None), "http://localhost:8080");
    }

    #[test]
    fn links_follow_the_bound_port_unless_the_public_one_is_set() {
        let mut s = Settings::default();
        s.server.bind = "127.0.0.1:9090".parse().unwrap();
        assert_eq!(s.host_url(Some("torun")), "http://torun.localhost:9090");
        s.server.public_port = Some(0);
        assert_eq!(s.host_url(None), "http://localhost");
        s.server.public_port = Some(8443);
        assert_eq!(s.host_url(None), "http://localhost:8443");
    }

    #[test]
    fn file_then_environment_override_defaults() {
        let dir = tempfile_dir();
        let file = dir.join("pestor.toml");
        std::fs::write(&file, "[server]\nbase_domain = \"kujawsko-pomorskie.pes.pl\"\npublic_port = 0\n[database]\nmax_connections = 7\n").unwrap();
        let s = Settings::load_from(
            Some(&file),
            env(&[
                ("PESTOR__DATABASE__MAX_CONNECTIONS", "9"),
                ("PESTOR__DATABASE__URL", "postgres://app:tajne@db/pestor"),
                ("PESTOR__SERVER__TRUSTED_PROXIES", "10.0.0.1,10.0.0.2"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.base_domain, "kujawsko-pomorskie.pes.pl");
        assert_eq!(s.database.max_connections, 9);
        assert_eq!(s.server.trusted_proxies.len(), 2);
        assert_eq!(
            s.host_url(Some("torun")),
            "http://torun.kujawsko-pomorskie.pes.pl"
        );
        let shown = s.redacted_toml();
        assert!(
            shown.contains("url = \"postgres://app:***@db/pestor\""),
            "{shown}"
        );
        assert!(!shown.contains("tajne"));
        assert!(shown.contains("[tenants]"));
        // Nothing prints a secret by accident: not Debug, not a log line of the whole settings.
        let debugged = format!("{s:?}");
        assert!(!debugged.contains("tajne"), "{debugged}");
        assert!(
            debugged.contains("postgres://app:***@db/pestor"),
            "{debugged}"
        );
        assert_eq!(s.database.url.expose(), "postgres://app:tajne@db/pestor");
        let key = Secret::new("klucz-s3");
        assert_eq!(format!("{key:?}"), "\"***\"");
        assert_eq!(serde_json::to_value(&key).unwrap(), "***");
        assert_eq!(format!("{:?}", Secret::default()), "\"\"");
    }

    #[test]
    fn invalid_values_are_refused_with_the_key_named() {
        let err = Settings::load_from(None, env(&[("PESTOR__SERVER__BASE_DOMAIN", "Bad Domain")]))
            .unwrap_err();
        assert!(err.to_string().contains("server.base_domain"), "{err}");
        let err = Settings::load_from(None, env(&[("PESTOR__DATABASE__MAX_CONNECTIONS", "dużo")]));
        assert!(err.is_err());
        let err = Settings::load_from(None, env(&[("PESTOR__DATABASE__CONNECTION_MAX_USES", "0")]))
            .unwrap_err();
        assert!(
            err.to_string().contains("database.connection_max_uses"),
            "{err}"
        );
        assert!(
            Settings::load_from(Some(Path::new("/nonexistent/pestor.toml")), env(&[])).is_err()
        );
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pestor-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
