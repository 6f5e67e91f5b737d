//! Bank sprzętu (`/bank-sprzetu`): equipment anyone signed in gives away (*przekazanie*) or lends
//! free of charge (*użyczenie*) to PES of the gmina. This first part: items — added by any
//! signed-in account (for themselves, one of their organisations or the urząd), listed with
//! filters and sorts, each on its page. Requests, loans (the schema's exclusion constraint already
//! keeps a unit's loans apart), photos and reminders come next (docs/bank-sprzetu.md).

mod items;
mod manage;

use axum::routing::{get, post};
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::module::{ApiDoc, Figure, GminaData, Module};
use pestor_kit::templates;

/// Bank sprzętu as a module of the app.
pub struct Equipment;

impl Module for Equipment {
    fn name(&self) -> &'static str {
        "equipment"
    }

    fn routes(&self, r: Routes) -> Routes {
        use Hosts::Gmina;
        r.add(
            "/bank-sprzetu",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(items::list),
        )
        .add(
            "/bank-sprzetu/nowy",
            &["GET", "POST"],
            Gmina,
            Access::SignedIn,
            get(items::new_form).post(items::create),
        )
        .api(
            "/api/v1/bank-sprzetu",
            Gmina,
            Access::Anyone,
            get(items::api),
        )
        .add(
            "/bank-sprzetu/{id}",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(items::show),
        )
        // The handlers check who: the giver or staff withdraw, staff hide and show.
        .add(
            "/bank-sprzetu/{id}/wycofanie",
            &["GET"],
            Gmina,
            Access::SignedIn,
            get(manage::confirm_withdrawal),
        )
        .add(
            "/bank-sprzetu/{id}/status",
            &["POST"],
            Gmina,
            Access::SignedIn,
            post(manage::set_status),
        )
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "equipment/list.html",
            "equipment/form.html",
            "equipment/show.html",
            "equipment/withdraw.html",
        ]
    }

    fn api_doc(&self) -> Option<ApiDoc> {
        Some(ApiDoc {
            hosts: Hosts::Gmina,
            describe: items::describe,
        })
    }

    fn nav(&self) -> &'static [NavEntry] {
        &[NavEntry {
            href: "/bank-sprzetu",
            label: "Bank sprzętu",
            hosts: Hosts::Gmina,
        }]
    }

    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("equipment.added", "dodanie przedmiotu do banku sprzętu"),
            (
                "equipment.withdrawn",
                "wycofanie przedmiotu z banku sprzętu",
            ),
            ("equipment.hidden", "ukrycie przedmiotu w banku sprzętu"),
            ("equipment.shown", "przywrócenie przedmiotu w banku sprzętu"),
        ]
    }

    fn gmina_figures(&self) -> &'static [Figure] {
        &[Figure {
            key: "equipment_offered",
            label: "przedmioty w banku sprzętu",
            query: "SELECT count(*) FROM {schema}.equipment_items WHERE status = 'active' AND available > 0",
            public: false,
        }]
    }

    fn gmina_data(&self) -> GminaData {
        GminaData {
            tenant_tables: &[
                "equipment_categories",
                "equipment_items",
                "equipment_requests",
                "equipment_loans",
            ],
            public_tables: &[],
            object_prefixes: &[],
        }
    }
}
