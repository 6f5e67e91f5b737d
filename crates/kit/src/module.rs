//! The contract every product area implements once. The app crate lists its modules in one place;
//! everything else — routes, templates, static files, the menu, background work, audit labels,
//! CSRF exemptions, retention, and what the regional layer asks of each area — is collected from it.

use std::time::Duration;

use futures::future::BoxFuture;

use crate::auth::Routes;
pub use crate::catalogue::ApiDoc;
use crate::catalogue::{Asset, NavEntry};
pub use crate::catalogue::{Count, Figure, GminaData, SEARCH_COLUMNS, SearchSource};
use crate::error::AppResult;
pub use crate::figures::Period;
use crate::state::AppState;

/// A product area (Baza PES, Giełda, accounts, the panel…) as the app sees it. Only `name` and
/// `routes` are required; every other part defaults to "nothing".
pub trait Module: Sync {
    /// A short English name for logs, metrics and errors ("offers").
    fn name(&self) -> &'static str;

    /// Adds the module's routes, each with its hosts and access rule.
    fn routes(&self, routes: Routes) -> Routes;

    /// Its templates, by the names pages render them by (see [`crate::templates!`]).
    fn templates(&self) -> &'static [Asset] {
        &[]
    }

    /// Files it serves under `/static/` (see [`crate::static_files!`]).
    fn static_files(&self) -> &'static [Asset] {
        &[]
    }

    /// Its entries in the main menu, in order.
    fn nav(&self) -> &'static [NavEntry] {
        &[]
    }

    /// Background jobs, each run on its own schedule.
    fn workers(&self) -> Vec<Worker> {
        Vec::new()
    }

    /// Polish names of the actions it writes to the audit log.
    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// Paths whose POSTs carry their own proof instead of a CSRF token (say why at the route).
    fn csrf_exempt(&self) -> &'static [&'static str] {
        &[]
    }

    /// What it deletes once it is no longer needed, and how.
    fn retention(&self) -> Option<Retention> {
        None
    }

    /// Figures about a gmina, kept by the figures' store for the regional pages and over any
    /// period (see [`Figure`] and [`crate::figures`]).
    fn gmina_figures(&self) -> &'static [Figure] {
        &[]
    }

    /// Its part of the search across gminas (see [`SearchSource`]).
    fn search_sources(&self) -> &'static [SearchSource] {
        &[]
    }

    /// Its endpoints in the open-data API's description, `/api/v1/openapi.json`.
    fn api_doc(&self) -> Option<ApiDoc> {
        None
    }

    /// Where one gmina's data of this module lives, for export and archiving.
    fn gmina_data(&self) -> GminaData {
        GminaData::default()
    }
}

/// A job a module runs in the background.
pub struct Worker {
    pub name: &'static str,
    /// Time between the starts of two runs (the first runs at start-up).
    pub every: Duration,
    pub run: fn(AppState) -> BoxFuture<'static, AppResult<()>>,
}

/// A module's data-retention rule: run hourly, with the others.
pub struct Retention {
    /// What is deleted and when, in Polish (for the operations guide and the log).
    pub rule: &'static str,
    /// Deletes what the rule allows; returns how many rows went.
    pub purge: fn(AppState) -> BoxFuture<'static, AppResult<u64>>,
}
