//! `pestor`: the one binary of the platform. Thin: parses the command line and calls the crates.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use pestor_config::Settings;
use pestor_core::{Registry, TenantStatus, load_branding_file};
use pestor_db::migrate::{self, MigrationReport, TenantMigration};
use pestor_db::{Database, EmbeddedOptions, EmbeddedPostgres, TenantStore};
use pestor_kit::archive::{Seal, Trust};

#[derive(Parser)]
#[command(
    name = "pestor",
    version,
    about = "Platforma PES — gminy województwa kujawsko-pomorskiego"
)]
struct Cli {
    /// TOML configuration file (also PESTOR_CONFIG); environment variables PESTOR__… override it.
    #[arg(long, global = true, env = "PESTOR_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the web server.
    Serve {
        /// Before serving: load the registry and provision all 144 gminas (idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Applies the public migrations, then the tenant migrations of every provisioned gmina.
    Migrate,
    /// Manages gminas (tenants).
    #[command(subcommand)]
    Tenants(TenantsCommand),
    /// Manages the region's coordinators (the first one; then they appoint each other in the UI).
    #[command(subcommand)]
    Coordinators(CoordinatorsCommand),
    /// Prints the effective configuration, secrets redacted.
    Config,
}

#[derive(Subcommand)]
enum TenantsCommand {
    /// Loads tenants/gminy.csv into the database (idempotent) and checks every branding folder.
    Sync,
    /// Creates and migrates a gmina's schema and makes it active.
    Provision {
        /// Slug or TERYT code.
        gmina: Option<String>,
        #[arg(long, conflicts_with = "gmina")]
        all: bool,
    },
    /// Suspends a gmina: its site answers 503 until resumed.
    Suspend {
        gmina: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Resumes a suspended gmina.
    Resume { gmina: String },
    /// Lists gminas with their status.
    List,
    /// Adds a custom domain to a gmina.
    AddDomain { gmina: String, domain: String },
    /// Writes one gmina's archive (its rows, the accounts they name, its photos and logo, a
    /// manifest with counts and checksums) to a .tar.gz file.
    Export { gmina: String, file: PathBuf },
    /// Restores an archive into this deployment, where its gmina has not joined or was archived.
    /// The archive must carry this deployment's signature (see `tenants.archive_secret`).
    Import {
        file: PathBuf,
        /// Accept an archive without this deployment's signature (from another deployment, after
        /// checking where it came from). Its parts are still checked; it still grants no role
        /// beyond the gmina and sets no password.
        #[arg(long)]
        unsigned: bool,
    },
    /// Archives the suspended gmina of a fresh export: drops its schema, rows and objects.
    Archive { file: PathBuf },
    /// Writes the schema every tenant migration builds (with `pg_dump`) to the baseline new
    /// gminas are created from; run after adding a tenant migration.
    Baseline {
        #[arg(long, default_value = "migrations/tenant_baseline.sql")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum CoordinatorsCommand {
    /// Makes the account with this e-mail address a coordinator of the region.
    Add { email: String },
    /// Lists the coordinators and operators.
    List,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&settings);
    match run(cli.command, settings).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("błąd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&settings.log.filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    if let Command::Config = command {
        print!("{}", settings.redacted_toml());
        return Ok(ExitCode::SUCCESS);
    }
    let (db, embedded) = open_database(&settings).await?;
    let outcome = dispatch(command, &settings, &db).await;
    db.platform().close().await;
    if let Some(pg) = embedded {
        pg.stop().await;
    }
    outcome
}

async fn dispatch(
    command: Command,
    settings: &Settings,
    db: &Database,
) -> anyhow::Result<ExitCode> {
    migrate::migrate_public(db)
        .await
        .context("migracje schematu public")?;
    let store = TenantStore::new(db.clone());
    let concurrency = settings.tenants.migrate_concurrency;
    match command {
        Command::Config => unreachable!("handled before connecting"),
        Command::Serve { demo } => {
            if demo {
                sync(settings, &store).await?;
                let report = store.provision_all(concurrency, progress_printer()).await?;
                print_report("udostępniono", &report);
                let registry = Registry::load(&settings.tenants.dir)?;
                pestor_web::demo::seed(db, &registry, settings).await?;
                println!(
                    "Konta demo (hasło każdego: {}):",
                    pestor_web::demo::ADMIN_PASSWORD
                );
                for a in pestor_web::demo::ACCOUNTS {
                    println!("  {:<28} {}", a.email, a.name);
                }
            }
            serve(settings, db.clone()).await?;
        }
        Command::Migrate => {
            let report = store.migrate_all(concurrency, progress_printer()).await?;
            print_report("zmigrowano", &report);
            if !report.is_success() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Tenants(TenantsCommand::Export { gmina, file }) => {
            let t = store.find(&gmina).await?;
            let m = pestor_kit::archive::export(
                db,
                &photo_store(settings)?,
                &store,
                t.teryt(),
                &gmina_data(),
                &Seal::of(db, settings).await?,
                &file,
            )
            .await?;
            print_manifest("wyeksportowano", &m, &file);
        }
        Command::Tenants(TenantsCommand::Import { file, unsigned }) => {
            let trust = if unsigned {
                Trust::Unsigned
            } else {
                Trust::Signed
            };
            let m = pestor_kit::archive::import(
                db,
                &photo_store(settings)?,
                &store,
                &gmina_data(),
                &Seal::of(db, settings).await?,
                trust,
                &file,
            )
            .await?;
            print_manifest("zaimportowano", &m, &file);
        }
        Command::Tenants(TenantsCommand::Archive { file }) => {
            let m = pestor_kit::archive::archive(
                db,
                &photo_store(settings)?,
                &store,
                &gmina_data(),
                &Seal::of(db, settings).await?,
                &file,
            )
            .await?;
            print_manifest("zarchiwizowano", &m, &file);
        }
        Command::Tenants(TenantsCommand::Baseline { output }) => {
            let hint = (!settings.database.pg_bin_dir.is_empty())
                .then(|| PathBuf::from(&settings.database.pg_bin_dir));
            let bin = pestor_db::embedded::find_binaries(hint.as_deref())
                .ok_or(pestor_db::EmbeddedError::BinariesMissing)
                .map_err(pestor_db::DbError::from)?;
            // Beside the server's binaries, or on PATH (where Debian's wrapper is).
            let beside = bin.join("pg_dump");
            let pg_dump = if beside.is_file() {
                beside
            } else {
                PathBuf::from("pg_dump")
            };
            let text = pestor_db::migrate::dump_baseline(db, &pg_dump).await?;
            std::fs::write(&output, text)?;
            println!(
                "zapisano {} (migracje gmin do {})",
                output.display(),
                pestor_db::migrate::latest_tenant_version()
            );
        }
        Command::Tenants(cmd) => return tenants(cmd, settings, &store).await,
        Command::Coordinators(CoordinatorsCommand::Add { email }) => {
            let actor = pestor_region::coordinators::Actor::command_line();
            match pestor_region::coordinators::appoint(db, &email, &actor).await {
                Ok(_) => println!("{email}: koordynator regionu"),
                Err(pestor_region::coordinators::CoordinatorError::Database(e)) => {
                    return Err(e.into());
                }
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Command::Coordinators(CoordinatorsCommand::List) => {
            let mut out = std::io::stdout().lock();
            for (_, name, email, role) in pestor_region::coordinators::all(db).await? {
                let role = if role == "operator" {
                    "operator"
                } else {
                    "koordynator"
                };
                writeln!(out, "{email:<40} {role:<12} {name}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn tenants(
    cmd: TenantsCommand,
    settings: &Settings,
    store: &TenantStore,
) -> anyhow::Result<ExitCode> {
    match cmd {
        TenantsCommand::Sync => sync(settings, store).await?,
        TenantsCommand::Provision {
            gmina: Some(g),
            all: false,
        } => {
            let t = store.provision(&g).await?;
            println!(
                "{} ({}): {}, schemat {}",
                t.gmina().slug,
                t.gmina().teryt,
                t.status(),
                t.gmina().teryt.schema()
            );
        }
        TenantsCommand::Provision { all: true, .. } => {
            let report = store
                .provision_all(settings.tenants.migrate_concurrency, progress_printer())
                .await?;
            print_report("udostępniono", &report);
            if !report.is_success() {
                return Ok(ExitCode::FAILURE);
            }
        }
        TenantsCommand::Provision { .. } => {
            anyhow::bail!("podaj gminę (adres lub kod TERYT) albo --all")
        }
        TenantsCommand::Suspend { gmina, reason } => {
            let t = store.suspend(&gmina, &reason).await?;
            println!("{}: {}", t.gmina().slug, t.status());
        }
        TenantsCommand::Resume { gmina } => {
            let t = store.resume(&gmina).await?;
            println!("{}: {}", t.gmina().slug, t.status());
        }
        TenantsCommand::List => {
            let tenants = store.list().await?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:<8} {:<28} {:<11} {:>6}  nazwa",
                "TERYT", "adres", "status", "wersja"
            )?;
            for t in tenants.iter() {
                let version = t.schema_version().map_or("-".to_owned(), |v| v.to_string());
                writeln!(
                    out,
                    "{:<8} {:<28} {:<11} {:>6}  {}",
                    t.gmina().teryt,
                    t.gmina().slug,
                    t.status(),
                    version,
                    t.gmina().name
                )?;
            }
            let count = |s: TenantStatus| tenants.iter().filter(|t| t.status() == s).count();
            writeln!(
                out,
                "razem {}: aktywne {}, zawieszone {}, zarejestrowane {}, zarchiwizowane {}",
                tenants.len(),
                count(TenantStatus::Active),
                count(TenantStatus::Suspended),
                count(TenantStatus::Registered),
                count(TenantStatus::Archived)
            )?;
        }
        TenantsCommand::Export { .. }
        | TenantsCommand::Import { .. }
        | TenantsCommand::Archive { .. }
        | TenantsCommand::Baseline { .. } => {
            unreachable!("handled in dispatch")
        }
        TenantsCommand::AddDomain { gmina, domain } => {
            store
                .add_domain(&gmina, &domain, &settings.server.base_domain)
                .await?;
            println!("{gmina}: dodano domenę {domain}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What every module keeps of a gmina.
fn gmina_data() -> Vec<pestor_kit::module::GminaData> {
    pestor_web::modules()
        .iter()
        .map(|m| m.gmina_data())
        .collect()
}

fn photo_store(settings: &Settings) -> anyhow::Result<pestor_photos::Store> {
    Ok(pestor_photos::Store::from_settings(&settings.storage)?)
}

fn print_manifest(what: &str, m: &pestor_kit::archive::Manifest, file: &std::path::Path) {
    let rows: usize = m.tables.iter().map(|t| t.rows).sum();
    println!(
        "{} ({}): {what} — {} tabel, {rows} wierszy, {} plików; {}",
        m.slug,
        m.teryt,
        m.tables.len(),
        m.objects.len(),
        file.display()
    );
}

/// Loads the registry and refuses to proceed if any gmina's branding files are invalid.
async fn sync(settings: &Settings, store: &TenantStore) -> anyhow::Result<()> {
    let dir = &settings.tenants.dir;
    let registry =
        Registry::load(dir).with_context(|| format!("rejestr gmin w {}", dir.display()))?;
    let mut problems = Vec::new();
    for g in &registry.gminas {
        if let Err(errors) = load_branding_file(dir, g) {
            problems.extend(
                errors
                    .into_iter()
                    .map(|e| format!("{} ({}): {e}", g.slug, g.teryt)),
            );
        }
    }
    if !problems.is_empty() {
        anyhow::bail!(
            "niepoprawna identyfikacja wizualna:\n  {}",
            problems.join("\n  ")
        );
    }
    let report = store.sync(&registry).await?;
    println!(
        "rejestr: {} gmin; dodano {}, zmieniono {}{}",
        registry.gminas.len(),
        report.added,
        report.updated,
        report
            .renamed
            .iter()
            .map(|(o, n)| format!(", {o} → {n}"))
            .collect::<String>()
    );
    Ok(())
}

fn progress_printer() -> impl FnMut(&TenantMigration) {
    let tty = std::io::stderr().is_terminal();
    move |p: &TenantMigration| {
        let mut err = std::io::stderr().lock();
        if let Some(e) = &p.error {
            let _ = writeln!(
                err,
                "{}[{}/{}] {} ({}): BŁĄD: {e}",
                if tty { "\r" } else { "" },
                p.done,
                p.total,
                p.slug,
                p.teryt
            );
        } else if tty {
            let _ = write!(err, "\r[{}/{}] {:<30}", p.done, p.total, p.slug);
            if p.done == p.total {
                let _ = writeln!(err);
            }
        }
    }
}

fn print_report(verb: &str, r: &MigrationReport) {
    println!(
        "{verb} {} gmin w {:.1} s; błędy: {}",
        r.migrated,
        r.seconds,
        r.failed.len()
    );
    for (slug, teryt, e) in &r.failed {
        println!("  {slug} ({teryt}): {e}");
    }
}

async fn open_database(
    settings: &Settings,
) -> anyhow::Result<(Database, Option<EmbeddedPostgres>)> {
    let db = &settings.database;
    if !db.url.is_empty() {
        let opts = db.url.expose().parse().context("database.url")?;
        return Ok((Database::connect(opts, db.into()).await?, None));
    }
    let opts = EmbeddedOptions {
        bin_dir: (!db.pg_bin_dir.is_empty()).then(|| PathBuf::from(&db.pg_bin_dir)),
        ..EmbeddedOptions::default()
    };
    let pg = EmbeddedPostgres::start(&db.data_dir, &opts).await?;
    tracing::info!(dir = %pg.root().display(), "embedded PostgreSQL running");
    pestor_db::ensure_database(&pg.connect_options("postgres"), "pestor").await?;
    let database = Database::connect(pg.connect_options("pestor"), db.into()).await?;
    Ok((database, Some(pg)))
}

async fn serve(settings: &Settings, db: Database) -> anyhow::Result<()> {
    let state = pestor_web::load_state(db, settings.clone()).await?;
    let workers = pestor_web::start_workers(&state).await?;
    let listener = tokio::net::TcpListener::bind(settings.server.bind)
        .await
        .with_context(|| format!("nie można nasłuchiwać na {}", settings.server.bind))?;
    println!(
        "Platforma działa: {}/ (portal), {}/ (Toruń)",
        settings.host_url(None),
        settings.host_url(Some("torun"))
    );
    let grace = Duration::from_secs(settings.server.shutdown_grace_secs);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pestor_web::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));
    shutdown_signal().await;
    tracing::info!("shutting down; draining requests for up to {grace:?}");
    let _ = stop_tx.send(());
    match tokio::time::timeout(grace, server).await {
        Ok(joined) => joined??,
        Err(_) => tracing::warn!("requests still running after the grace period; stopping anyway"),
    }
    // The listeners hold pooled connections; closing the pool would wait for them forever.
    drop(workers);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
