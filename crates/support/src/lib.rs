//! Mapa wsparcia (`/wsparcie`): where PES and those founding one find support — OWES, ROPS, PUP,
//! MOPS/GOPS, CIS/KIS, incubators, loan funds, the gmina's NGO centre — with the kinds of support
//! and whom it serves, on a map and in a list. Regional entries are kept once by coordinators in
//! `public` (`/koordynator/wsparcie`) and shown in every gmina beside the gmina's own, which its
//! staff keep. The rules: docs/lokale-wsparcie.md.

mod entries;
mod pages;

use axum::routing::get;
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::module::{ApiDoc, Count, Figure, GminaData, Module};
use pestor_kit::templates;

/// Mapa wsparcia as a module of the app.
pub struct Support;

impl Module for Support {
    fn name(&self) -> &'static str {
        "support"
    }

    fn routes(&self, r: Routes) -> Routes {
        use Hosts::{Gmina, Portal};
        r.add(
            "/wsparcie",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(pages::list),
        )
        .api(
            "/api/v1/wsparcie",
            Gmina,
            Access::Anyone,
            get(pages::geojson),
        )
        .add(
            "/wsparcie/nowy",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(pages::new_local).post(pages::create_local),
        )
        .add(
            "/wsparcie/{id}/edycja",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(pages::edit_local).post(pages::save_local),
        )
        .add(
            "/wsparcie/{id}/usun",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(pages::confirm_local).post(pages::delete_local),
        )
        .add(
            "/koordynator/wsparcie",
            &["GET"],
            Portal,
            Access::Coordinator,
            get(pages::regional_list),
        )
        .add(
            "/koordynator/wsparcie/nowy",
            &["GET", "POST"],
            Portal,
            Access::Coordinator,
            get(pages::new_regional).post(pages::create_regional),
        )
        .add(
            "/koordynator/wsparcie/{id}/edycja",
            &["GET", "POST"],
            Portal,
            Access::Coordinator,
            get(pages::edit_regional).post(pages::save_regional),
        )
        .add(
            "/koordynator/wsparcie/{id}/usun",
            &["GET", "POST"],
            Portal,
            Access::Coordinator,
            get(pages::confirm_regional).post(pages::delete_regional),
        )
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "support/list.html",
            "support/form.html",
            "support/delete.html",
            "support/regional.html",
        ]
    }

    fn nav(&self) -> &'static [NavEntry] {
        &[NavEntry {
            href: "/wsparcie",
            label: "Wsparcie",
            hosts: Hosts::Gmina,
            summary: "Gdzie szukać doradztwa, szkoleń, dotacji i pożyczek dla PES — w gminie i w regionie.",
        }]
    }

    fn api_doc(&self) -> Option<ApiDoc> {
        Some(ApiDoc {
            hosts: Hosts::Gmina,
            describe: pages::describe,
        })
    }

    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("support.added", "dodanie wpisu na mapie wsparcia"),
            ("support.edited", "zmiana wpisu na mapie wsparcia"),
            ("support.deleted", "usunięcie wpisu z mapy wsparcia"),
        ]
    }

    fn gmina_figures(&self) -> &'static [Figure] {
        &[Figure {
            key: "support_entries",
            label: "wpisy gminy na mapie wsparcia",
            count: Count::Now("SELECT count(*) FROM {schema}.support_entries"),
            public: false,
        }]
    }

    fn gmina_data(&self) -> GminaData {
        GminaData {
            tenant_tables: &["support_entries"],
            public_tables: &[],
            object_prefixes: &[],
            transient_tables: &[],
            account_columns: &[],
        }
    }
}
