//! Test harness: one private PostgreSQL cluster per test binary, a template database with the public
//! migrations, the region's registry and a few provisioned gminas, one fresh database per test copied
//! from it, and the app spawned on `127.0.0.1:0` for real HTTP requests.

pub mod browser;
pub mod forge;
pub mod idp;
pub mod s3;
pub mod smtp;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use pestor_config::Settings;
use pestor_core::Registry;
use pestor_db::{Database, EmbeddedOptions, EmbeddedPostgres, PoolLimits, TenantStore};
use pestor_kit::AppState;
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;

/// Gminas the template database has provisioned (active); every other gmina is only registered.
pub const PROVISIONED: &[&str] = &["torun", "bydgoszcz", "gmina-chelmza"];
const TEMPLATE_DB: &str = "pestor_template";

struct Cluster {
    pg: EmbeddedPostgres,
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_owned()
}

pub fn tenants_dir() -> PathBuf {
    repo_root().join("tenants")
}

/// Starts the cluster and builds the template once per process, on a runtime of its own so no test's
/// runtime owns anything shared.
fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let root = scratch_dir("pg");
                let opts = EmbeddedOptions {
                    durable: false,
                    max_connections: 400,
                    ..EmbeddedOptions::default()
                };
                let pg = EmbeddedPostgres::start(&root, &opts)
                    .await
                    .expect("start the test PostgreSQL cluster");
                build_template(&pg).await;
                Cluster { pg }
            })
        })
        .join()
        .expect("cluster thread")
    })
}

/// A folder under `target/test-scratch/<pid>-<what>`; folders of finished runs are removed first.
pub fn scratch_dir(what: &str) -> PathBuf {
    let base = repo_root().join("target/test-scratch");
    if let Ok(entries) = std::fs::read_dir(&base) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let pid = name.split('-').next().unwrap_or("");
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = base.join(format!("{}-{what}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

async fn build_template(pg: &EmbeddedPostgres) {
    let mut admin = sqlx::PgConnection::connect_with(&pg.connect_options("postgres"))
        .await
        .expect("admin");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {TEMPLATE_DB}"
    )))
    .execute(&mut admin)
    .await
    .expect("create");
    let db = Database::connect(
        pg.connect_options(TEMPLATE_DB),
        PoolLimits::new(4, Duration::from_secs(10)),
    )
    .await
    .expect("connect");
    pestor_db::migrate::migrate_public(&db)
        .await
        .expect("public migrations");
    let store = TenantStore::new(db.clone());
    store
        .sync(&Registry::load(&tenants_dir()).expect("registry"))
        .await
        .expect("sync");
    for slug in PROVISIONED {
        store.provision(slug).await.expect("provision");
    }
    db.platform().close().await;
}

/// Options of a fresh database copied from the template.
pub async fn fresh_database() -> (String, PgConnectOptions) {
    let c = cluster();
    let name = format!("t_{}", uuid_like());
    let mut admin = sqlx::PgConnection::connect_with(&c.pg.connect_options("postgres"))
        .await
        .expect("admin");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}"
    )))
    .execute(&mut admin)
    .await
    .expect("create test database");
    (name.clone(), c.pg.connect_options(&name))
}

/// Drops a test database at once, cutting every connection to it (a database "going away").
pub async fn drop_database(name: &str) {
    let mut admin = sqlx::PgConnection::connect_with(&cluster().pg.connect_options("postgres"))
        .await
        .expect("admin");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .expect("drop test database");
}

/// The lines the test cluster's server logged for database `name` (its `log_line_prefix` names the
/// database), e.g. the warnings of a connection handed on inside a transaction.
pub fn postgres_log_of(name: &str) -> Vec<String> {
    let log = std::fs::read_to_string(cluster().pg.root().join("postgres.log")).unwrap_or_default();
    let tag = format!("@{name} ");
    log.lines()
        .filter(|l| l.contains(&tag))
        .map(str::to_owned)
        .collect()
}

/// A `postgres://` URL of a database of the test cluster (for the `pestor` binary).
pub fn database_url(name: &str) -> String {
    let c = cluster();
    format!(
        "postgres://pestor@localhost/{name}?host={}",
        c.pg.root().join("run").display()
    )
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub db: Database,
    pub db_name: String,
    pub client: reqwest::Client,
    /// The SMTP server this app's e-mail goes to.
    pub mail: smtp::SmtpServer,
    /// The S3 server this app's photos go to.
    pub s3: s3::S3Server,
    server: tokio::task::JoinHandle<()>,
    _workers: pestor_web::Workers,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Resolves every name to loopback, so requests carry real gmina host names.
struct Loopback;

impl reqwest::dns::Resolve for Loopback {
    fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async {
            let addrs: reqwest::dns::Addrs =
                Box::new(std::iter::once(SocketAddr::from(([127, 0, 0, 1], 0))));
            Ok(addrs)
        })
    }
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(Loopback))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the app on a fresh database; `configure` adjusts the settings (pool size, proxies, …).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (db_name, opts) = fresh_database().await;
    spawn_app_on(db_name, opts, configure).await
}

/// A PostgreSQL cluster of one test's own, for tests that stop and start the server (the shared
/// cluster serves every other test of the binary). Its database is built like the template.
pub struct OwnCluster {
    pub root: PathBuf,
    pub pg: Option<EmbeddedPostgres>,
}

impl OwnCluster {
    pub async fn start(what: &str) -> Self {
        let root = scratch_dir(what);
        let pg = EmbeddedPostgres::start(&root, &own_cluster_options())
            .await
            .expect("start an own cluster");
        build_template(&pg).await;
        Self { root, pg: Some(pg) }
    }

    pub fn connect_options(&self) -> PgConnectOptions {
        self.pg
            .as_ref()
            .expect("running")
            .connect_options(TEMPLATE_DB)
    }

    /// Stops the server (a fast shutdown: every connection is cut).
    pub async fn stop(&mut self) {
        if let Some(pg) = self.pg.take() {
            pg.stop().await;
        }
    }

    /// Starts it again on the same data.
    pub async fn restart(&mut self) {
        self.pg = Some(
            EmbeddedPostgres::start(&self.root, &own_cluster_options())
                .await
                .expect("restart the own cluster"),
        );
    }
}

fn own_cluster_options() -> EmbeddedOptions {
    EmbeddedOptions {
        durable: false,
        max_connections: 50,
        ..EmbeddedOptions::default()
    }
}

/// Spawns the app on the database `opts` points at; `configure` adjusts the settings.
pub async fn spawn_app_on(
    db_name: String,
    opts: PgConnectOptions,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    // Server warnings and errors appear in a failing test's captured output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut settings = Settings::default();
    settings.server.bind = addr;
    settings.server.public_port = Some(addr.port());
    settings.tenants.dir = tenants_dir();
    settings.database.max_connections = 5;
    let mail = smtp::SmtpServer::start().await;
    settings.mail.smtp_url = pestor_config::Secret::new(mail.url());
    settings.mail.poll_secs = 1;
    let s3 = s3::S3Server::start().await;
    s3.configure(&mut settings.storage);
    configure(&mut settings);
    let limits = PoolLimits {
        acquire_timeout: Duration::from_secs(10),
        ..PoolLimits::from(&settings.database)
    };
    let db = Database::connect(opts, limits).await.expect("pool");
    let state = pestor_web::load_state(db.clone(), settings)
        .await
        .expect("state");
    let workers = pestor_web::start_workers(&state).await.expect("workers");
    let serve_state = state.clone();
    let server = tokio::spawn(async move {
        pestor_web::serve(listener, serve_state, std::future::pending())
            .await
            .expect("serve");
    });
    TestApp {
        addr,
        state,
        db,
        db_name,
        client: http_client(),
        mail,
        s3,
        server,
        _workers: workers,
    }
}

impl TestApp {
    /// The server's own store: a change made through it is seen by the server's next request.
    pub fn store(&self) -> TenantStore {
        self.state.tenants.clone()
    }

    /// `http://{host}:{port}{path}`; `host` is e.g. `torun.localhost` or `localhost`.
    pub fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.addr.port())
    }

    pub async fn get(&self, host: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(host, path))
            .send()
            .await
            .expect("request")
    }

    pub async fn page(&self, host: &str, path: &str) -> (u16, String) {
        let r = self.get(host, path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// Sends raw HTTP/1.1 with exactly the given `Host` header line (or none), for malformed hosts.
    pub async fn raw_get(&self, host_header: Option<&str>, extra: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("connect");
        let host = host_header
            .map(|h| format!("Host: {h}\r\n"))
            .unwrap_or_default();
        let req = format!("GET / HTTP/1.1\r\n{host}{extra}Connection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.expect("write");
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.expect("read");
        let text = String::from_utf8_lossy(&buf).into_owned();
        let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
        (status, text)
    }

    /// The figures' store brought up to date (what the background job does every second).
    pub async fn count_figures(&self) {
        pestor_kit::figures::catch_up(&self.state)
            .await
            .expect("counting the figures");
    }

    /// The coordinators' dashboard figures of gmina `slug` whose keys start with `prefix`, in the
    /// catalogue's order, from the figures' store once it is up to date.
    pub async fn figures(&self, slug: &str, prefix: &str) -> Vec<(&'static str, i64)> {
        self.count_figures().await;
        let t = self.store().find(slug).await.expect("tenant");
        let columns: Vec<pestor_kit::module::Figure> = self
            .state
            .catalogue
            .figures()
            .iter()
            .filter(|f| f.is_column())
            .copied()
            .collect();
        let mut conn = self.db.platform().acquire().await.expect("connection");
        let values = pestor_kit::figures::values(&mut conn, &columns)
            .await
            .expect("figures")
            .remove(t.teryt().as_str())
            .expect("the gmina's figures");
        columns
            .iter()
            .zip(values)
            .filter(|(f, _)| f.key.starts_with(prefix))
            .map(|(f, v)| (f.key, v))
            .collect()
    }

    /// Every dashboard figure of gmina `slug` counted directly from its tables, bypassing the
    /// store, in the same order as [`TestApp::figures`].
    pub async fn direct_figures(&self, slug: &str, prefix: &str) -> Vec<(&'static str, i64)> {
        let t = self.store().find(slug).await.expect("tenant");
        let mut out = Vec::new();
        for f in self.state.catalogue.figures() {
            if !f.is_column() || !f.key.starts_with(prefix) {
                continue;
            }
            let sql = pestor_kit::figures::direct_sql(f, t.teryt(), self.state.clock.today(), None);
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(self.db.platform())
                .await
                .expect("a direct count");
            out.push((f.key, n));
        }
        out
    }

    /// One number from gmina `slug`'s schema (`sql` is a query of one value, cast to bigint).
    pub async fn scalar(&self, slug: &str, sql: &str) -> i64 {
        let t = self.store().find(slug).await.expect("tenant");
        let mut tx = self.db.tenant(&t).begin().await.expect("begin");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT ({sql})::bigint")))
            .fetch_one(&mut *tx)
            .await
            .expect("scalar");
        tx.commit().await.expect("commit");
        n
    }

    /// Removes queued objects from the store until `done` holds on the store's keys (a handler's
    /// own removal may hold some rows a moment), or five seconds pass; returns the keys left.
    pub async fn purge_until(&self, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let keys = self.s3.keys();
            if done(&keys) || tokio::time::Instant::now() > deadline {
                return keys;
            }
            pestor_kit::photos::purge_deleted(&self.state)
                .await
                .expect("purge");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls until `check` holds on the page or five seconds pass; returns the last page seen.
    /// For effects delivered asynchronously (LISTEN/NOTIFY); not a performance assertion.
    pub async fn eventually(
        &self,
        host: &str,
        path: &str,
        check: impl Fn(u16, &str) -> bool,
    ) -> (u16, String) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let (status, body) = self.page(host, path).await;
            if check(status, &body) || tokio::time::Instant::now() > deadline {
                return (status, body);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// A browser-like HTTP client with its own cookie jar, for flows across pages and hosts.
pub struct Visitor {
    pub client: reqwest::Client,
    port: u16,
}

/// A response read to the end.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub set_cookies: Vec<String>,
}

impl TestApp {
    pub fn visitor(&self) -> Visitor {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(Loopback))
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .no_proxy()
            .build()
            .expect("client");
        Visitor {
            client,
            port: self.addr.port(),
        }
    }
}

impl Visitor {
    pub fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.port)
    }

    async fn read(r: reqwest::Response) -> Reply {
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let set_cookies = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        Reply {
            status,
            location,
            body: r.text().await.expect("body"),
            set_cookies,
        }
    }

    pub async fn get_url(&self, url: &str) -> Reply {
        Self::read(self.client.get(url).send().await.expect("request")).await
    }

    pub async fn get(&self, host: &str, path: &str) -> Reply {
        self.get_url(&self.url(host, path)).await
    }

    /// GETs a path and returns the response as it came (for files: their headers and bytes).
    pub async fn get_raw(&self, host: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(host, path))
            .send()
            .await
            .expect("request")
    }

    /// GETs `url` and follows redirects (across hosts) like a browser; returns the last reply and its URL.
    pub async fn follow(&self, url: &str) -> (Reply, String) {
        let mut url = url.to_owned();
        for _ in 0..10 {
            let r = self.get_url(&url).await;
            match (&r.location, r.status) {
                (Some(loc), 301 | 302 | 303 | 307 | 308) => {
                    url = absolute(&url, loc);
                }
                _ => return (r, url),
            }
        }
        panic!("too many redirects from {url}");
    }

    /// POSTs a form as-is (no CSRF token added).
    pub async fn post(&self, host: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
        Self::read(
            self.client
                .post(self.url(host, path))
                .form(fields)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// The CSRF token of the forms on `page`.
    pub async fn csrf(&self, host: &str, page: &str) -> String {
        let r = self.get(host, page).await;
        csrf_of(&r.body).unwrap_or_else(|| panic!("no CSRF field on {host}{page}: {}", r.body))
    }

    /// Opens `page`, takes its CSRF token and POSTs `fields` to `action`, as a browser submits a form.
    pub async fn submit(
        &self,
        host: &str,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let token = self.csrf(host, page).await;
        let mut all = fields.to_vec();
        all.push(("csrf", &token));
        self.post(host, action, &all).await
    }
}

impl Visitor {
    /// Opens `page` and sends a multipart form to `action` as a browser does: the CSRF token in
    /// the query string, the text `fields`, and one file.
    pub async fn upload(
        &self,
        host: &str,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, Vec<u8>),
    ) -> Reply {
        let token = self.csrf(host, page).await;
        let (name, file_name, bytes) = file;
        // Text fields first, the file last — the order of the platform's forms.
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            name.to_owned(),
            reqwest::multipart::Part::bytes(bytes)
                .file_name(file_name.to_owned())
                .mime_str("application/octet-stream")
                .expect("mime"),
        );
        let url = format!("{}?csrf={token}", self.url(host, action));
        Self::read(
            self.client
                .post(url)
                .multipart(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }
}

/// The value of the first `name="csrf"` hidden field in `html`.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Resolves a `Location` against the URL it came from.
pub fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_owned();
    }
    let origin_end = base[8..].find('/').map_or(base.len(), |i| i + 8);
    format!("{}{location}", &base[..origin_end])
}

/// Creates a verified account with `password`; returns its id.
pub async fn create_account(app: &TestApp, email: &str, name: &str, password: &str) -> i64 {
    let hash = pestor_kit::auth::password::hash(password.to_owned()).await;
    sqlx::query_scalar(
        "INSERT INTO accounts (email, display_name, password_hash, email_verified_at)
         VALUES ($1, $2, $3, now()) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(hash)
    .fetch_one(app.db.platform())
    .await
    .expect("create account")
}

/// Makes `account` a member of Toruń's organisation `organisation` (as an approved claim does).
pub async fn join_organisation(app: &TestApp, account: i64, organisation: i64) {
    join_organisation_in(app, account, "torun", organisation).await;
}

/// Makes `account` a member of organisation `organisation` of the gmina `slug`.
pub async fn join_organisation_in(app: &TestApp, account: i64, slug: &str, organisation: i64) {
    sqlx::query(
        "INSERT INTO gmina_roles (account_id, teryt, role, organisation_id)
         SELECT $1, teryt, 'pes_member', $3 FROM tenants WHERE slug = $2",
    )
    .bind(account)
    .bind(slug)
    .bind(organisation)
    .execute(app.db.platform())
    .await
    .expect("membership");
}

/// Grants `role` in the gmina `slug` (for `pes_member`, of organisation 1).
pub async fn grant(app: &TestApp, account: i64, slug: &str, role: &str) {
    sqlx::query(
        "INSERT INTO gmina_roles (account_id, teryt, role, organisation_id)
         SELECT $1, teryt, $3, CASE WHEN $3 = 'pes_member' THEN 1 END FROM tenants WHERE slug = $2",
    )
    .bind(account)
    .bind(slug)
    .bind(role)
    .execute(app.db.platform())
    .await
    .expect("grant role");
}

impl TestApp {
    /// A new verified account with `role` in gmina `slug` (if any), signed in on that gmina's
    /// host; returns its id and its browser.
    pub async fn person(&self, email: &str, slug: &str, role: Option<&str>) -> (i64, Visitor) {
        const PASSWORD: &str = "hasło testowe 123";
        let id = create_account(self, email, email, PASSWORD).await;
        if let Some(role) = role {
            grant(self, id, slug, role).await;
        }
        let v = self.visitor();
        v.sign_in(email, PASSWORD).await;
        v.sign_in_to(&format!("{slug}.localhost")).await;
        (id, v)
    }
}

impl Visitor {
    /// Signs in on the portal with a password (the registration page's token serves the form).
    pub async fn sign_in(&self, email: &str, password: &str) -> Reply {
        let r = self
            .submit(
                "localhost",
                "/rejestracja",
                "/logowanie",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(r.status, 303, "sign-in of {email} failed: {}", r.body);
        r
    }

    /// Carries the portal sign-in over to a gmina `host` (one click on "Zaloguj się" there).
    pub async fn sign_in_to(&self, host: &str) {
        let (r, url) = self.follow(&self.url(host, "/logowanie?powrot=/")).await;
        assert_eq!(url, self.url(host, "/"), "handover to {host}: {}", r.body);
    }
}

impl Visitor {
    /// Opens a page as a browser does (`Accept: text/html`), following redirects across hosts.
    pub async fn open(&self, host: &str, path: &str) -> (Reply, String) {
        let mut url = self.url(host, path);
        for _ in 0..10 {
            let r = Self::read(
                self.client
                    .get(&url)
                    .header("accept", "text/html,application/xhtml+xml")
                    .send()
                    .await
                    .expect("request"),
            )
            .await;
            match (&r.location, r.status) {
                (Some(loc), 301 | 302 | 303 | 307 | 308) => url = absolute(&url, loc),
                _ => return (r, url),
            }
        }
        panic!("too many redirects opening {host}{path}");
    }
}

/// Stores an organisation card in gmina `slug` straight through the store (the forms are tested
/// on their own) with `status`; returns its id. `fields` are the form's fields.
pub async fn add_card(
    app: &TestApp,
    slug: &str,
    fields: &[(&str, &str)],
    areas: &[&str],
    also_in: &[&str],
    status: &str,
) -> i64 {
    use pestor_organisations::store;
    let fields: std::collections::HashMap<String, String> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let areas: Vec<String> = areas.iter().map(|s| s.to_string()).collect();
    let also_in: Vec<String> = also_in.iter().map(|s| s.to_string()).collect();
    let card = pestor_core::organisation::OrganisationDraft {
        fields: &fields,
        areas: &areas,
        also_in: &also_in,
    }
    .validate(&app.state.registry, 2026)
    .unwrap_or_else(|e| panic!("test card is invalid: {e:?}"));
    let tenant = app.store().find(slug).await.expect("tenant");
    let mut tx = app.db.tenant(&tenant).begin().await.expect("begin");
    let id = store::insert(&mut tx, &card, None)
        .await
        .expect("insert card");
    if status != "pending" {
        store::set_status(&mut tx, id, status, "powód testowy")
            .await
            .expect("set status");
    }
    tx.commit().await.expect("commit");
    id
}
