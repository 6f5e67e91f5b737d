//! What the modules put together: every template, static file, menu entry, audit label and CSRF
//! exemption of the running app, looked up by name. Built once from the module list (see
//! [`crate::module::Modules`]) and kept in the state, so the layers below the modules never name one.

use std::borrow::Cow;
use std::collections::HashMap;

/// Where a template's or static file's text comes from. Debug builds read the file from the source
/// tree, so editing a template needs no rebuild; release builds embed it in the binary.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    Embedded(&'static [u8]),
    File(&'static str),
}

impl Source {
    pub fn read(&self) -> std::io::Result<Cow<'static, [u8]>> {
        match self {
            Source::Embedded(bytes) => Ok(Cow::Borrowed(bytes)),
            Source::File(path) => std::fs::read(path).map(Cow::Owned),
        }
    }

    /// The file in the source tree (debug builds only).
    pub fn path(&self) -> Option<&'static str> {
        match self {
            Source::File(p) => Some(p),
            Source::Embedded(_) => None,
        }
    }
}

/// A file of a module: a template under its `templates/` or a static file under its `static/`.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub name: &'static str,
    pub source: Source,
}

/// `templates!["offers/list.html", …]`: the module's templates, by the name pages render them by
/// (which is also the file a gmina overrides in `tenants/<teryt>/templates/`).
#[macro_export]
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        $crate::module_files!("/templates/", $($name),*)
    };
}

/// `static_files!["map.js", …]`: files the module serves under `/static/`.
#[macro_export]
macro_rules! static_files {
    ($($name:literal),* $(,)?) => {
        $crate::module_files!("/static/", $($name),*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! module_files {
    ($dir:literal, $($name:literal),*) => {{
        #[cfg(debug_assertions)]
        const FILES: &[$crate::catalogue::Asset] = &[$($crate::catalogue::Asset {
            name: $name,
            source: $crate::catalogue::Source::File(concat!(env!("CARGO_MANIFEST_DIR"), $dir, $name)),
        }),*];
        #[cfg(not(debug_assertions))]
        const FILES: &[$crate::catalogue::Asset] = &[$($crate::catalogue::Asset {
            name: $name,
            source: $crate::catalogue::Source::Embedded(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), $dir, $name))),
        }),*];
        FILES
    }};
}

/// On which hosts a route or menu entry exists (a route elsewhere is 404); see
/// [`Hosts::admits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hosts {
    Portal,
    Gmina,
    Both,
}

/// One entry of a site's main menu.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub href: &'static str,
    pub label: &'static str,
    pub hosts: Hosts,
    /// What the area is, in one sentence: its tile on the gmina's home page (empty: no tile).
    pub summary: &'static str,
}

/// The lookup tables built from the modules.
#[derive(Debug, Default)]
pub struct Catalogue {
    templates: HashMap<&'static str, Asset>,
    static_files: HashMap<&'static str, Asset>,
    nav: Vec<NavEntry>,
    audit_labels: HashMap<&'static str, &'static str>,
    csrf_exempt: Vec<&'static str>,
    figures: Vec<Figure>,
    search_sources: Vec<SearchSource>,
    api_docs: Vec<ApiDoc>,
    gmina_data: Vec<GminaData>,
    /// Paths of the routes that answer in JSON ([`crate::auth::Format::Json`]).
    api_paths: Vec<&'static str>,
    /// (kind, name) → the module that claimed it.
    owners: HashMap<(&'static str, &'static str), &'static str>,
}

/// Two modules claiming the same name: a programming error, found by the first test that builds
/// the app.
#[derive(Debug, thiserror::Error)]
#[error("{kind} „{name}” jest zgłoszony przez dwa moduły: {first} i {second}")]
pub struct Clash {
    pub kind: &'static str,
    pub name: &'static str,
    pub first: &'static str,
    pub second: &'static str,
}

/// One number about a gmina, counted from the module's own tables by the figures' store
/// ([`crate::figures`]) and read by the regional pages from there. Its SQL is written with
/// `{schema}.` before each tenant table, `'{teryt}'` for the gmina's code in public tables and
/// `{today}` for today's date in Poland by the app's clock; each placeholder is replaced by a name
/// from the registry (never by input). Every tenant table the SQL reads needs the `figures_mark`
/// trigger (tenant migration 0022), so a change to it is counted.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    pub key: &'static str,
    /// The dashboard column's heading (with its period, for a figure by day).
    pub label: &'static str,
    pub count: Count,
    /// Shown to everyone on the regional portal (per gmina and summed for the region), not only
    /// on the coordinators' dashboard.
    pub public: bool,
}

/// How a [`Figure`] is counted.
#[derive(Debug, Clone, Copy)]
pub enum Count {
    /// The value as of today: a `SELECT` of one `bigint`. It may depend on `{today}` ("overdue",
    /// "this year"): every gmina is counted again each day.
    Now(&'static str),
    /// Values attributed to days (`SELECT day, value`, a `date` and a number, any number of
    /// rows): over any period, the sum of its days' values, rounded to a whole number. `column`
    /// is the period the dashboard shows it over; `None` keeps it off the dashboard (read with
    /// [`crate::figures::over`] or [`crate::figures::by_year`]).
    ByDay {
        query: &'static str,
        column: Option<pestor_core::calendar::Period>,
    },
}

impl Figure {
    /// Is it one of the dashboard's columns?
    pub fn is_column(&self) -> bool {
        !matches!(self.count, Count::ByDay { column: None, .. })
    }
}

/// What a module adds to the search across gminas (`/szukaj` on the portal): `query` is a `SELECT`
/// over the module's regional projections in `public` with exactly the columns of
/// [`SEARCH_COLUMNS`], one row per public item of every gmina. The search joins the rows with the
/// tenants table and keeps those of active gminas only; its filters apply to the shared columns
/// (a filter on a column a kind leaves `NULL` leaves that kind out).
#[derive(Debug, Clone, Copy)]
pub struct SearchSource {
    /// The kind's code in URLs and the API ("podmiot", "oferta").
    pub kind: &'static str,
    /// One hit's kind as a label ("Organizacja") and the filter's plural ("organizacje").
    pub label: &'static str,
    pub plural: &'static str,
    pub query: &'static str,
}

/// The columns of every [`SearchSource::query`], in order: `kind` (text), `teryt` (the gmina
/// holding the item), `id` (bigint), `title`, `organisation` (who offers it, or NULL), `summary`,
/// `path` (the item's page on the gmina's host), `search_text` (folded, see `public.fold`),
/// `name_key` (`public.polish_key` of the title, collation "C"), `price_grosze` (bigint or NULL),
/// `legal_form`, `areas` (text[]), `category`, `category_name`, `target_groups` (text[]),
/// `created_at`.
pub const SEARCH_COLUMNS: &str = "kind, teryt, id, title, organisation, summary, path, search_text, name_key, \
     price_grosze, legal_form, areas, category, category_name, target_groups, created_at";

/// The parts of one gmina's data that belong to a module.
#[derive(Debug, Clone, Copy, Default)]
pub struct GminaData {
    /// Tables in the gmina's schema.
    pub tenant_tables: &'static [&'static str],
    /// Tables in `public` holding gmina rows, with the column naming the gmina's TERYT.
    pub public_tables: &'static [(&'static str, &'static str)],
    /// Object-store key prefixes under `gmina/<teryt>/`.
    pub object_prefixes: &'static [&'static str],
    /// Tables in `public` whose gmina rows are work in flight (a queue of e-mails), not records:
    /// never in an archive, removed when the gmina is archived.
    pub transient_tables: &'static [(&'static str, &'static str)],
    /// Columns of its tenant tables (table, column) that hold an account's id. They carry no
    /// foreign key (a key from every gmina's schema to `public.accounts` costs per gmina: tenant
    /// migration 0023), so an id may name a deleted account; the archive exports the accounts
    /// they name and a restore clears ids with no account here (a nullable column is set to
    /// NULL, a row that cannot be without its account — a claim — is deleted).
    pub account_columns: &'static [(&'static str, &'static str)],
}

/// A module's part of the open-data API's description (see [`crate::openapi`]): its paths and
/// schemas, on the hosts that serve them.
#[derive(Debug, Clone, Copy)]
pub struct ApiDoc {
    pub hosts: Hosts,
    pub describe: fn(&mut crate::openapi::Document),
}

/// What one module contributes, as [`Catalogue::add`] takes it.
pub struct Contribution {
    pub module: &'static str,
    pub templates: &'static [Asset],
    pub static_files: &'static [Asset],
    pub nav: &'static [NavEntry],
    pub audit_labels: &'static [(&'static str, &'static str)],
    pub csrf_exempt: &'static [&'static str],
    pub figures: &'static [Figure],
    pub search_sources: &'static [SearchSource],
    pub api_doc: Option<ApiDoc>,
    pub gmina_data: GminaData,
}

impl Catalogue {
    pub fn add(&mut self, c: Contribution) -> Result<(), Clash> {
        let owners = &mut self.owners;
        let mut claim =
            |kind: &'static str, name: &'static str| match owners.insert((kind, name), c.module) {
                Some(first) if first != c.module => Err(Clash {
                    kind,
                    name,
                    first,
                    second: c.module,
                }),
                _ => Ok(()),
            };
        for t in c.templates {
            claim("szablon", t.name)?;
            self.templates.insert(t.name, *t);
        }
        for f in c.static_files {
            claim("plik statyczny", f.name)?;
            self.static_files.insert(f.name, *f);
        }
        for (action, label) in c.audit_labels {
            claim("czynność dziennika", action)?;
            self.audit_labels.insert(action, label);
        }
        for f in c.figures {
            claim("liczba na pulpicie", f.key)?;
        }
        self.figures.extend_from_slice(c.figures);
        for s in c.search_sources {
            claim("rodzaj wyniku wyszukiwania", s.kind)?;
        }
        self.search_sources.extend_from_slice(c.search_sources);
        self.api_docs.extend(c.api_doc);
        self.gmina_data.push(c.gmina_data);
        self.nav.extend_from_slice(c.nav);
        self.csrf_exempt.extend_from_slice(c.csrf_exempt);
        Ok(())
    }

    pub fn template(&self, name: &str) -> Option<&Asset> {
        self.templates.get(name)
    }

    pub fn templates(&self) -> impl Iterator<Item = &Asset> {
        self.templates.values()
    }

    pub fn static_file(&self, name: &str) -> Option<&Asset> {
        self.static_files.get(name)
    }

    pub fn static_files(&self) -> impl Iterator<Item = &Asset> {
        self.static_files.values()
    }

    /// Every module's figures about a gmina, in module order (the dashboard's columns are those
    /// with [`Figure::is_column`]).
    pub fn figures(&self) -> &[Figure] {
        &self.figures
    }

    /// Every module's part of the search across gminas, in module order.
    pub fn search_sources(&self) -> &[SearchSource] {
        &self.search_sources
    }

    /// Every module's part of the open-data API's description, in module order.
    pub fn api_docs(&self) -> &[ApiDoc] {
        &self.api_docs
    }

    /// Where each module keeps a gmina's data (for export, import and archiving), in module order.
    pub fn gmina_data(&self) -> &[GminaData] {
        &self.gmina_data
    }

    pub fn nav(&self) -> &[NavEntry] {
        &self.nav
    }

    /// The Polish name of an audit action, for the log page (an unknown one is shown as it is).
    pub fn audit_label<'a>(&self, action: &'a str) -> &'a str {
        self.audit_labels.get(action).copied().unwrap_or(action)
    }

    /// Records the JSON routes of the route table (the app does this once it has built it).
    pub fn set_api_paths(&mut self, rules: &[crate::auth::RouteRule]) {
        self.api_paths = rules
            .iter()
            .filter(|r| r.format == crate::auth::Format::Json)
            .map(|r| r.path)
            .collect();
    }

    /// Whether `path` is a route of the open-data API, whose errors are JSON, not pages.
    pub fn is_api(&self, path: &str) -> bool {
        self.api_paths.contains(&path)
    }

    /// Whether a POST to `path` skips the CSRF check (the module says why, next to its route).
    pub fn csrf_exempt(&self, path: &str) -> bool {
        self.csrf_exempt.contains(&path)
    }
}
