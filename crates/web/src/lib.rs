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
    &pestor_equipment::Equipment,
    &pestor_premises::Premises,
    &pestor_support::Support,
    &pestor_procurement::Procurement,
    &pestor_region::Region,
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
