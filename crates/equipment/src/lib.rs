//! Bank sprzętu (`/bank-sprzetu`): equipment anyone signed in gives away (*przekazanie*) or lends
//! free of charge (*użyczenie*) to PES of the gmina. Items are added by any signed-in account (for
//! themselves, one of their organisations or the urząd) and listed with filters; members of a
//! verified PES ask for a gift (`gifts`) or borrow for some days (`loans`, kept apart by the
//! schema's exclusion constraint); the giver decides; reminders go out before and after the due
//! day (`reminders`). The rules: docs/bank-sprzetu.md.

mod edit;
mod gifts;
mod items;
mod loans;
mod manage;
mod mine;
mod page;
mod photo_store;
mod photos;
mod powiat;
pub mod reminders;
mod shared;
mod vocab;

use std::time::Duration;

use axum::routing::{get, post};
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::module::{ApiDoc, Count, Figure, GminaData, Module, Period, SearchSource, Worker};
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
        .add(
            "/bank-sprzetu/moje",
            &["GET"],
            Gmina,
            Access::SignedIn,
            get(mine::items),
        )
        .add(
            "/bank-sprzetu/moje-prosby",
            &["GET"],
            Gmina,
            Access::SignedIn,
            get(mine::requests),
        )
        .add(
            "/bank-sprzetu.atom",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(items::atom),
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
            get(page::show),
        )
        .add(
            "/bank-sprzetu/zdjecia/{object}/{variant}",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(photos::serve),
        )
        // The handlers check who: the giver or staff edit and withdraw, staff hide and show.
        .add(
            "/bank-sprzetu/{id}/edycja",
            &["GET", "POST"],
            Gmina,
            Access::SignedIn,
            get(edit::form).post(edit::save),
        )
        .upload(
            "/bank-sprzetu/{id}/zdjecia",
            &["POST"],
            Gmina,
            Access::SignedIn,
            post(photos::add),
        )
        .add(
            "/bank-sprzetu/{id}/zdjecia/{photo}/usun",
            &["GET", "POST"],
            Gmina,
            Access::SignedIn,
            get(photos::delete_form).post(photos::delete),
        )
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
        // Who may ask (a verified PES' member, not the giver) and who decides (the giver,
        // staff; the requester withdraws) is each handler's check, against the item's state.
        .add(
            "/bank-sprzetu/{id}/prosby",
            &["POST"],
            Gmina,
            Access::SignedIn,
            post(gifts::request),
        )
        .add(
            "/bank-sprzetu/{id}/prosby/{request}",
            &["POST"],
            Gmina,
            Access::SignedIn,
            post(gifts::decide),
        )
        .add(
            "/bank-sprzetu/{id}/wypozyczenia",
            &["POST"],
            Gmina,
            Access::SignedIn,
            post(loans::request),
        )
        .add(
            "/bank-sprzetu/{id}/wypozyczenia/{loan}",
            &["POST"],
            Gmina,
            Access::SignedIn,
            post(loans::decide),
        )
    }

    fn workers(&self) -> Vec<Worker> {
        vec![Worker {
            name: reminders::REMINDER_JOB,
            // Hourly: each loan's reminders are sent once, on their day.
            every: Duration::from_secs(3600),
            run: |state| {
                Box::pin(async move {
                    reminders::send_reminders(&state).await?;
                    Ok(())
                })
            },
        }]
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "equipment/list.html",
            "equipment/form.html",
            "equipment/show.html",
            "equipment/withdraw.html",
            "equipment/mine.html",
            "equipment/requests.html",
            "equipment/photo_delete.html",
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
            summary: "Meble, sprzęt i wyposażenie, które urząd, mieszkańcy i organizacje oddają albo użyczają PES.",
        }]
    }

    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("equipment.added", "dodanie przedmiotu do banku sprzętu"),
            (
                "equipment.edited",
                "zmiana opisu przedmiotu w banku sprzętu",
            ),
            (
                "equipment.withdrawn",
                "wycofanie przedmiotu z banku sprzętu",
            ),
            ("equipment.hidden", "ukrycie przedmiotu w banku sprzętu"),
            ("equipment.shown", "przywrócenie przedmiotu w banku sprzętu"),
            ("equipment.request_accepted", "przyjęcie prośby o przedmiot"),
            (
                "equipment.request_declined",
                "odrzucenie prośby o przedmiot",
            ),
            (
                "equipment.handed_over",
                "przekazanie przedmiotu organizacji",
            ),
            ("equipment.loan_approved", "zatwierdzenie wypożyczenia"),
            ("equipment.loan_declined", "odrzucenie wypożyczenia"),
            ("equipment.lent", "wydanie wypożyczanego przedmiotu"),
            ("equipment.returned", "zwrot wypożyczonego przedmiotu"),
        ]
    }

    fn gmina_figures(&self) -> &'static [Figure] {
        &[
            Figure {
                key: "equipment_offered",
                label: "przedmioty w banku sprzętu",
                count: Count::Now("SELECT count(*) FROM {schema}.equipment_items WHERE status = 'active' AND available > 0"),
                public: false,
            },
            // "This year" is the calendar year of {today} in Poland; times are compared in it.
            Figure {
                key: "equipment_given_this_year",
                label: "przedmioty przekazane PES w tym roku",
                count: Count::ByDay {
                    query: "SELECT (handed_over_at AT TIME ZONE 'Europe/Warsaw')::date, count(*) FROM {schema}.equipment_requests
                            WHERE status = 'handed_over' GROUP BY 1",
                    column: Some(Period::ThisYear),
                },
                public: false,
            },
            Figure {
                key: "equipment_lent_this_year",
                label: "wypożyczenia wydane w tym roku",
                count: Count::ByDay {
                    query: "SELECT (lent_at AT TIME ZONE 'Europe/Warsaw')::date, count(*) FROM {schema}.equipment_loans
                            WHERE lent_at IS NOT NULL GROUP BY 1",
                    column: Some(Period::ThisYear),
                },
                public: false,
            },
            Figure {
                key: "equipment_loans_active",
                label: "trwające wypożyczenia",
                count: Count::Now("SELECT count(*) FROM {schema}.equipment_loans WHERE status = 'lent'"),
                public: false,
            },
            Figure {
                key: "equipment_loans_overdue",
                label: "wypożyczenia po terminie zwrotu",
                count: Count::Now("SELECT count(*) FROM {schema}.equipment_loans WHERE status = 'lent' AND upper(during) <= {today}"),
                public: false,
            },
        ]
    }

    fn search_sources(&self) -> &'static [SearchSource] {
        &[powiat::SEARCH]
    }

    fn gmina_data(&self) -> GminaData {
        GminaData {
            tenant_tables: &[
                "equipment_categories",
                "equipment_items",
                "equipment_requests",
                "equipment_loans",
                "equipment_photos",
            ],
            public_tables: &[("equipment_directory", "teryt")],
            // Photos are under the Giełda's `zdjecia/` prefix (one photo store), exported with it.
            object_prefixes: &[],
            transient_tables: &[],
            account_columns: &[
                ("equipment_items", "giver_id"),
                ("equipment_requests", "requested_by"),
                ("equipment_loans", "requested_by"),
            ],
        }
    }
}
