//! The kit's own part of the app, registered before every module: the page layout, the error page,
//! the letter layout, the map includes, the stylesheet and the self-hosted map library, and the
//! removal of deleted photos from the store.

use std::time::Duration;

use crate::catalogue::Asset;
use crate::module::{GminaData, Module, Worker};
use crate::{static_files, templates};

pub struct Kit;

impl Module for Kit {
    fn name(&self) -> &'static str {
        "kit"
    }

    fn routes(&self, routes: crate::auth::Routes) -> crate::auth::Routes {
        routes // probes, metrics and static files are host-independent: see `app::router`
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "base.html",
            "error.html",
            "mail/letter.html",
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
            public_tables: &[("audit_log", "teryt"), ("outbox", "teryt")],
            object_prefixes: &[],
        }
    }
}
