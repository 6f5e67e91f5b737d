//! A private PostgreSQL cluster started from the system's PostgreSQL binaries.
//!
//! Used by `pestor serve` when no database URL is configured and by the test harness. The server is a
//! child process listening only on a Unix socket inside the data folder, so no port can collide. It is
//! spawned from a thread that lives as long as the server, with `PR_SET_PDEATHSIG`, so the server shuts
//! down (fast mode) even if this process dies without running its destructors.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// Database user created by `initdb` (trust authentication over the private socket).
pub const SUPERUSER: &str = "pestor";
const PORT: u16 = 5432;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "nie znaleziono programów PostgreSQL (initdb, postgres) ani w PATH, ani w /usr/lib/postgresql/*/bin. \
         Zainstaluj serwer: apt-get install postgresql (albo ustaw database.url na istniejący serwer)"
    )]
    BinariesMissing,
    #[error(
        "proces działa jako root, a PostgreSQL nie może działać jako root; brak użytkownika systemowego „postgres” \
         (tworzy go pakiet postgresql)"
    )]
    NoPostgresUser,
    #[error("katalog danych {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("initdb nie powiódł się: {0}")]
    Initdb(String),
    #[error("serwer PostgreSQL nie wystartował w {waited:?}; koniec dziennika {log}:\n{tail}")]
    NotReady {
        waited: Duration,
        log: PathBuf,
        tail: String,
    },
}

/// Options for a cluster; tests trade durability for speed.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    pub bin_dir: Option<PathBuf>,
    pub durable: bool,
    pub max_connections: u32,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        Self {
            bin_dir: None,
            durable: true,
            max_connections: 100,
        }
    }
}

pub struct EmbeddedPostgres {
    root: PathBuf,
    /// `None` when another process of ours already runs the cluster and we only connect to it.
    server: Option<(u32, ExitSlot)>,
}

/// The user the server runs as: ourselves, or `postgres` when we are root.
#[derive(Clone, Copy)]
struct RunAs {
    uid: Option<u32>,
    gid: Option<u32>,
}

impl EmbeddedPostgres {
    /// Creates the cluster in `root` on first use, starts it, and waits until it accepts connections.
    pub async fn start(root: &Path, opts: &EmbeddedOptions) -> Result<Self, EmbeddedError> {
        let bin = find_binaries(opts.bin_dir.as_deref()).ok_or(EmbeddedError::BinariesMissing)?;
        let run_as = run_as()?;
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| EmbeddedError::Io { path, source }
        };
        std::fs::create_dir_all(root).map_err(io(root))?;
        let root = std::fs::canonicalize(root).map_err(io(root))?;
        let (data, run) = (root.join("pgdata"), root.join("run"));
        // `pestor serve` may already run this cluster; CLI commands then share it.
        let attached = Self {
            root: root.clone(),
            server: None,
        };
        if run.join(format!(".s.PGSQL.{PORT}")).exists() && attached.accepts_connections().await {
            return Ok(attached);
        }
        std::fs::create_dir_all(&run).map_err(io(&run))?;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).map_err(io(&run))?;
        chown(&root, run_as).map_err(io(&root))?;
        chown(&run, run_as).map_err(io(&run))?;

        if !data.join("PG_VERSION").exists() {
            let out = command(&bin.join("initdb"), run_as)
                .args(["-D"])
                .arg(&data)
                .args([
                    "-U",
                    SUPERUSER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "-N",
                ])
                .output()
                .map_err(|e| EmbeddedError::Initdb(e.to_string()))?;
            if !out.status.success() {
                return Err(EmbeddedError::Initdb(
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                ));
            }
        }

        let log_path = root.join("postgres.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io(&log_path))?;
        chown(&log_path, run_as).map_err(io(&log_path))?;
        let mut cmd = command(&bin.join("postgres"), run_as);
        cmd.arg("-D").arg(&data).arg("-k").arg(&run);
        cmd.args(["-p", &PORT.to_string(), "-c", "listen_addresses=", "-c"]);
        cmd.arg(format!("max_connections={}", opts.max_connections));
        // The database name in every line: the test harness reads one test database's lines, and
        // an operator of the embedded cluster sees which database a warning came from.
        cmd.args(["-c", "log_line_prefix=%m [%p] %q%u@%d "]);
        if !opts.durable {
            cmd.args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]);
        }
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone().map_err(io(&log_path))?)
            .stderr(log);
        let (pid, exit) = spawn_tied_to_process(cmd).map_err(io(&bin))?;
        let server = Self {
            root,
            server: Some((pid, exit)),
        };
        server.wait_ready(&log_path).await?;
        Ok(server)
    }

    /// Connection options for the given database over the private socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(self.root.join("run"))
            .port(PORT)
            .username(SUPERUSER)
            .database(database)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    async fn wait_ready(&self, log: &Path) -> Result<(), EmbeddedError> {
        let started = Instant::now();
        let limit = Duration::from_secs(60);
        loop {
            let exited = self.has_exited();
            if !exited && self.accepts_connections().await {
                return Ok(());
            }
            if exited || started.elapsed() > limit {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
                return Err(EmbeddedError::NotReady {
                    waited: started.elapsed(),
                    log: log.to_owned(),
                    tail,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn accepts_connections(&self) -> bool {
        let opts = self.connect_options("postgres").disable_statement_logging();
        match sqlx::PgConnection::connect_with(&opts).await {
            Ok(conn) => {
                let _ = conn.close().await;
                true
            }
            Err(_) => false,
        }
    }

    fn has_exited(&self) -> bool {
        self.server
            .as_ref()
            .is_some_and(|(_, exit)| exit.lock().expect("exit lock").is_some())
    }

    /// Fast shutdown: open transactions are rolled back, the data folder is left consistent.
    /// Does nothing for a cluster another process started.
    pub async fn stop(self) {
        let Some((pid, _)) = &self.server else { return };
        signal(*pid, libc::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.has_exited() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Finds a folder holding both `initdb` and `postgres`.
pub fn find_binaries(hint: Option<&Path>) -> Option<PathBuf> {
    let has_both = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(h) = hint {
        return has_both(h).then(|| h.to_owned());
    }
    let from_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| has_both(d));
    if from_path.is_some() {
        return from_path;
    }
    // Debian keeps the server binaries off PATH; prefer the newest major version.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, d)| has_both(d))
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d)
}

fn run_as() -> Result<RunAs, EmbeddedError> {
    if !is_root() {
        return Ok(RunAs {
            uid: None,
            gid: None,
        });
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    match (id("-u"), id("-g")) {
        (Some(uid), Some(gid)) => Ok(RunAs {
            uid: Some(uid),
            gid: Some(gid),
        }),
        _ => Err(EmbeddedError::NoPostgresUser),
    }
}

fn command(program: &Path, run_as: RunAs) -> Command {
    let mut cmd = Command::new(program);
    if let (Some(uid), Some(gid)) = (run_as.uid, run_as.gid) {
        cmd.uid(uid).gid(gid);
        // The child inherits our environment; point HOME somewhere the postgres user may read.
        cmd.env("HOME", "/tmp");
    }
    cmd
}

fn chown(path: &Path, run_as: RunAs) -> std::io::Result<()> {
    match (run_as.uid, run_as.gid) {
        (Some(uid), Some(gid)) => std::os::unix::fs::chown(path, Some(uid), Some(gid)),
        _ => Ok(()),
    }
}

type ExitSlot = Arc<Mutex<Option<std::process::ExitStatus>>>;

/// Spawns `cmd` from a dedicated thread that waits for it. The child gets SIGINT when that thread —
/// which only ends with the process or the child — goes away.
fn spawn_tied_to_process(mut cmd: Command) -> std::io::Result<(u32, ExitSlot)> {
    set_parent_death_signal(&mut cmd);
    // Own process group: a Ctrl-C in the terminal reaches us, and we stop the server after draining.
    cmd.process_group(0);
    let exit: ExitSlot = Arc::new(Mutex::new(None));
    let (tx, rx) = std::sync::mpsc::channel();
    let slot = exit.clone();
    std::thread::Builder::new()
        .name("embedded-postgres".into())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(child.id()));
                let status = child.wait().ok();
                *slot.lock().expect("exit lock") =
                    status.or(Some(std::process::ExitStatus::default()));
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        })?;
    let pid = rx
        .recv()
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    Ok((pid, exit))
}

// The three calls below are the only unsafe code in the project: plain libc calls with no pointers.
#[allow(unsafe_code)]
fn set_parent_death_signal(cmd: &mut Command) {
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[allow(unsafe_code)]
fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill(2) with a pid we spawned ourselves.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

#[allow(unsafe_code)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
