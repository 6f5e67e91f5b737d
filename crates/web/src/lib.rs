//! The app: the one list of modules, the home pages and the demo data. Everything a module brings —
//! routes, templates, static files, menu entries, workers, audit labels — is collected from
//! [`MODULES`]; adding a product area means writing its crate and adding it here.

pub mod demo;
mod home;

use std::future::Future;
use std::sync::LazyLock;

use pestor_config::Settings;
use pestor_db::Database;
use pestor_kit::app::{self, Modules};
use pestor_kit::module::Module;
use pestor_kit::{AppError, AppState};

pub use pestor_kit::app::Workers;

/// The product areas, in menu order.
pub const MODULES: &[&dyn Module] = &[
    &home::Home,
    &pestor_accounts::Accounts,
    &pestor_panel::Panel,
    &pestor_organisations::Organisations,
    &pestor_offers::Offers,
];

static ASSEMBLED: LazyLock<Modules> = LazyLock::new(|| {
    // Two modules claiming one template or label is a programming error; every test would fail.
    Modules::new(MODULES).expect("the modules' names do not clash")
});

/// The modules put together, with their catalogue.
pub fn modules() -> &'static Modules {
    &ASSEMBLED
}

/// Every route with its access rule, in one table (also walked by the authorisation test).
pub fn routes() -> pestor_kit::auth::Routes {
    modules().routes()
}

/// The state of a running app (the signing secret is loaded or created on first start).
pub async fn load_state(db: Database, settings: Settings) -> Result<AppState, AppError> {
    AppState::load(db, settings, modules().catalogue()).await
}

/// The whole app as one router.
pub fn app(state: AppState) -> axum::Router {
    app::router(state, modules())
}

/// Starts the background work of every module.
pub async fn start_workers(state: &AppState) -> Result<Workers, AppError> {
    app::start_workers(state, modules()).await
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    app::serve(listener, state, modules(), shutdown).await
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    /// Files under `dir` (recursively), as absolute paths.
    fn files(dir: &Path, out: &mut BTreeSet<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.insert(path);
            }
        }
    }

    /// Every crate's `<folder>/` files that pass `keep`.
    fn on_disk(folder: &str, keep: impl Fn(&Path) -> bool) -> BTreeSet<PathBuf> {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut all = BTreeSet::new();
        for krate in std::fs::read_dir(crates).unwrap().flatten() {
            files(&krate.path().join(folder), &mut all);
        }
        all.into_iter().filter(|p| keep(p)).collect()
    }

    fn registered<'a>(
        assets: impl Iterator<Item = &'a pestor_kit::catalogue::Asset>,
    ) -> BTreeSet<PathBuf> {
        // Test builds are debug builds: every asset names its file in the source tree.
        assets
            .map(|a| PathBuf::from(a.source.path().expect("debug builds read files")))
            .collect()
    }

    #[test]
    fn every_template_file_is_registered_by_a_module_and_every_registered_one_exists() {
        let catalogue = super::modules().catalogue();
        let registered = registered(catalogue.templates());
        let on_disk = on_disk("templates", |_| true);
        let unregistered: Vec<_> = on_disk.difference(&registered).collect();
        let missing: Vec<_> = registered.difference(&on_disk).collect();
        assert!(
            unregistered.is_empty(),
            "no module registers {unregistered:?}"
        );
        assert!(missing.is_empty(), "registered but missing: {missing:?}");
        assert!(registered.len() > 30, "{}", registered.len());
        // Names are what pages render and gminas override: the path under `templates/`.
        for t in catalogue.templates() {
            assert!(
                t.source
                    .path()
                    .unwrap()
                    .ends_with(&format!("/templates/{}", t.name)),
                "{}",
                t.name
            );
        }
    }

    #[test]
    fn every_servable_static_file_is_registered_and_every_registered_one_exists() {
        let catalogue = super::modules().catalogue();
        let registered = registered(catalogue.static_files());
        let servable = |p: &Path| pestor_kit::assets::content_type(&p.to_string_lossy()).is_some();
        let on_disk = on_disk("static", servable);
        let unregistered: Vec<_> = on_disk.difference(&registered).collect();
        let missing: Vec<_> = registered.difference(&on_disk).collect();
        assert!(
            unregistered.is_empty(),
            "no module registers {unregistered:?}"
        );
        assert!(missing.is_empty(), "registered but missing: {missing:?}");
    }

    #[test]
    fn the_menu_and_the_audit_labels_come_from_the_modules() {
        let catalogue = super::modules().catalogue();
        let menu: Vec<_> = catalogue.nav().iter().map(|e| e.label).collect();
        assert_eq!(
            menu,
            [
                "Gminy regionu",
                "Strona główna",
                "Baza PES",
                "Mapa PES",
                "Giełda ofert"
            ]
        );
        assert_eq!(catalogue.audit_label("offer.hidden"), "ukrycie oferty");
        assert_eq!(catalogue.audit_label("role.grant"), "nadanie roli");
        assert_eq!(
            catalogue.audit_label("nieznana.czynnosc"),
            "nieznana.czynnosc"
        );
        assert!(catalogue.csrf_exempt(pestor_offers::notices::UNSUBSCRIBE_PATH));
        assert!(!catalogue.csrf_exempt("/oferty/nowa"));
    }
}
