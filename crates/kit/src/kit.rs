//! The kit's own part of the app, registered before every module: the page layout, the error page,
//! the letter layout, the map includes, the stylesheet and the self-hosted map library, and the
//! removal of deleted photos from the store.

use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::auth::Access;
use crate::catalogue::{Asset, Hosts};
use crate::error::AppResult;
use crate::input::open_data_headers;
use crate::module::{GminaData, Module, Worker};
use crate::openapi::Document;
use crate::page::Page;
use crate::site::Site;
use crate::state::AppState;
use crate::{static_files, templates};

pub struct Kit;

impl Module for Kit {
    fn name(&self) -> &'static str {
        "kit"
    }

    /// Probes, metrics and static files are host-independent (see `app::router`); the API's
    /// description is per host.
    fn routes(&self, routes: crate::auth::Routes) -> crate::auth::Routes {
        routes.api(
            "/api/v1/openapi.json",
            Hosts::Both,
            Access::Anyone,
            get(api_document),
        )
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "base.html",
            "error.html",
            "mail/letter.html",
            "confirm.html",
            "map_assets.html",
            "message.html",
            "ui.html"
        ]
    }

    fn static_files(&self) -> &'static [Asset] {
        static_files![
            "pestor.css",
            "region.svg",
            "emblem.svg",
            "map.js",
            "vendor/leaflet/leaflet.js",
            "vendor/leaflet/leaflet.css",
            "vendor/leaflet/images/layers.png",
            "vendor/leaflet/images/layers-2x.png",
            "vendor/leaflet/images/marker-icon.png",
            "vendor/leaflet/images/marker-icon-2x.png",
            "vendor/leaflet/images/marker-shadow.png",
            "vendor/markercluster/leaflet.markercluster.js",
            "vendor/markercluster/MarkerCluster.css",
            "vendor/markercluster/MarkerCluster.Default.css",
        ]
    }

    fn workers(&self) -> Vec<Worker> {
        vec![Worker {
            name: "photo-removal",
            every: Duration::from_secs(60),
            run: |state| {
                Box::pin(async move {
                    crate::photos::purge_deleted(&state).await?;
                    Ok(())
                })
            },
        }]
    }

    fn gmina_data(&self) -> GminaData {
        GminaData {
            tenant_tables: &["tenant_info"],
            public_tables: &[("audit_log", "teryt")],
            object_prefixes: &[],
            // Queued letters carry live links (invitations, resets): an export holds none. The
            // figures' store is counted again from the restored tables.
            transient_tables: &[
                ("outbox", "teryt"),
                ("figure_marks", "teryt"),
                ("figure_values", "teryt"),
                ("figure_days", "teryt"),
                ("figure_counts", "teryt"),
            ],
            account_columns: &[],
        }
    }
}

/// `/api/v1/openapi.json`: the parts of the modules whose endpoints this host serves.
async fn api_document(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let mut doc = Document {
        search_kinds: state
            .catalogue
            .search_sources()
            .iter()
            .map(|s| s.kind)
            .collect(),
        ..Document::default()
    };
    for part in state.catalogue.api_docs() {
        if part.hosts.admits(&page.site) {
            (part.describe)(&mut doc);
        }
    }
    let (title, description, server) = match &page.site {
        Site::Portal => (
            "Dane otwarte portalu gmin województwa kujawsko-pomorskiego".to_owned(),
            "Wyszukiwanie organizacji i ofert we wszystkich gminach, które prowadzą serwis na platformie, oraz gminy regionu. Bez logowania.",
            state.settings.host_url(None),
        ),
        Site::Tenant(t) => (
            format!(
                "Dane otwarte: baza PES i giełda ofert — {}",
                t.branding.display_name
            ),
            "Zweryfikowane organizacje gminy oraz organizacje z innych gmin, które działają także w tej gminie, i ich oferty. Dane otwarte, bez logowania.",
            state
                .settings
                .host_url(Some(t.tenant.gmina().slug.as_str())),
        ),
    };
    let doc = doc.finish(&title, description, &server);
    Ok((open_data_headers("application/json"), doc.to_string()).into_response())
}
