//! Baza PES — the registry of social economy entities of each gmina (issue 4): registration by
//! residents and direct entry by staff, verification, editing by the organisation's members,
//! hiding, claims of staff-made cards, the 12-month re-verification, the list and the card page.

mod card;
mod claims;
pub mod directory;
mod foreign;
mod form;
mod import;
mod list;
mod manage;
mod map;
pub mod notices;
mod open_data;
mod register;
pub mod store;
mod verify;

use std::time::Duration;

use axum::routing::{get, post};

use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::forms::path_id;
use pestor_kit::letters::send_to;
use pestor_kit::membership::{Visibility, is_member, member_emails, record_visibility};
use pestor_kit::module::{ApiDoc, Count, Figure, GminaData, Module, SearchSource, Worker};
use pestor_kit::templates;

/// Baza PES as a module of the app. Other modules read its organisations only through the view
/// `organisation_summaries` (id, name, status) of the gmina schema, which it owns; membership is
/// the kit's ([`pestor_kit::membership`]).
pub struct Organisations;

impl Module for Organisations {
    fn name(&self) -> &'static str {
        "organisations"
    }

    fn routes(&self, routes: Routes) -> Routes {
        self::routes(routes)
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "organisations/new.html",
            "organisations/queue.html",
            "organisations/card.html",
            "organisations/list.html",
            "organisations/claim.html",
            "organisations/map.html",
            "organisations/import.html",
            "organisations/foreign.html",
            "organisations/foreign_entry.html",
        ]
    }

    fn nav(&self) -> &'static [NavEntry] {
        &[
            NavEntry {
                href: "/podmioty",
                label: "Baza PES",
                hosts: Hosts::Gmina,
                summary: "Stowarzyszenia, fundacje, spółdzielnie socjalne, CIS, KIS, ZAZ i WTZ działające w gminie — z kontaktem i mapą.",
            },
            NavEntry {
                href: "/mapa",
                label: "Mapa PES",
                hosts: Hosts::Gmina,
                summary: "Gdzie działają organizacje z bazy gminy.",
            },
        ]
    }

    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("organisation.verified", "weryfikacja organizacji"),
            ("organisation.rejected", "odrzucenie zgłoszenia organizacji"),
            ("organisation.added", "dodanie organizacji przez urząd"),
            ("organisation.edited", "edycja karty organizacji"),
            (
                "organisation.confirmed",
                "potwierdzenie aktualności danych organizacji",
            ),
            ("organisation.hidden", "ukrycie karty organizacji"),
            ("organisation.shown", "przywrócenie widoczności karty"),
            ("organisation.reverified", "ponowna weryfikacja organizacji"),
            ("organisation.reminders", "prośby o potwierdzenie danych"),
            (
                "organisation.claim_approved",
                "zatwierdzenie przejęcia karty",
            ),
            ("organisation.claim_rejected", "odrzucenie przejęcia karty"),
            ("organisation.imported", "import organizacji z pliku CSV"),
            (
                "organisation.foreign_hidden",
                "ukrycie karty organizacji z innej gminy",
            ),
            (
                "organisation.foreign_shown",
                "pokazanie karty organizacji z innej gminy",
            ),
        ]
    }

    fn workers(&self) -> Vec<Worker> {
        vec![Worker {
            name: notices::JOB,
            every: Duration::from_secs(60),
            run: |state| {
                Box::pin(async move {
                    notices::send(&state).await?;
                    Ok(())
                })
            },
        }]
    }

    fn gmina_figures(&self) -> &'static [Figure] {
        &[
            Figure {
                key: "pes_verified",
                label: "PES zweryfikowane",
                count: Count::Now("SELECT count(*) FROM {schema}.organisations WHERE status = 'verified'"),
                public: true,
            },
            Figure {
                key: "pes_pending",
                label: "PES czekające na weryfikację",
                count: Count::Now("SELECT count(*) FROM {schema}.organisations WHERE status = 'pending'"),
                public: false,
            },
            Figure {
                key: "pes_not_reverified",
                label: "PES bez potwierdzenia danych od 12 miesięcy",
                count: Count::Now("SELECT count(*) FROM {schema}.organisations WHERE status = 'verified'
                          AND (coalesce(confirmed_at, verified_at) AT TIME ZONE 'Europe/Warsaw')::date
                              < {today} - interval '12 months'"),
                public: false,
            },
            Figure {
                key: "pes_from_elsewhere",
                label: "PES z innych gmin działające w gminie",
                count: Count::Now("SELECT count(*) FROM public.pes_directory WHERE '{teryt}' = ANY (also_in)
                          AND teryt <> '{teryt}' AND status = 'verified'"),
                public: false,
            },
            Figure {
                key: "pes_from_elsewhere_hidden",
                label: "z nich ukryte przez gminę",
                // Only hidden cards that still name the gmina and are verified.
                count: Count::Now("SELECT count(*) FROM public.foreign_hidden h WHERE h.teryt = '{teryt}'
                          AND EXISTS (SELECT 1 FROM public.pes_directory d WHERE d.teryt = h.source_teryt
                                      AND d.organisation_id = h.organisation_id AND d.status = 'verified'
                                      AND '{teryt}' = ANY (d.also_in))"),
                public: false,
            },
        ]
    }

    fn api_doc(&self) -> Option<ApiDoc> {
        Some(ApiDoc {
            hosts: Hosts::Gmina,
            describe: open_data::describe,
        })
    }

    fn search_sources(&self) -> &'static [SearchSource] {
        &[directory::SEARCH]
    }

    fn gmina_data(&self) -> GminaData {
        GminaData {
            tenant_tables: &[
                "organisations",
                "organisation_claims",
                "organisation_summaries",
            ],
            public_tables: &[
                ("pes_directory", "teryt"),
                ("foreign_hidden", "teryt"),
                ("foreign_notices", "teryt"),
            ],
            object_prefixes: &[],
            transient_tables: &[],
            account_columns: &[
                ("organisations", "created_by"),
                ("organisation_claims", "account_id"),
            ],
        }
    }
}

fn routes(r: Routes) -> Routes {
    r.add(
        "/podmioty/nowy",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::SignedIn,
        get(register::form).post(register::submit),
    )
    .add(
        "/podmioty/weryfikacja",
        &["GET"],
        Hosts::Gmina,
        Access::Staff,
        get(verify::queue),
    )
    .add(
        "/podmioty/z-innych-gmin",
        &["GET"],
        Hosts::Gmina,
        Access::Staff,
        get(foreign::list),
    )
    .add(
        "/podmioty/z-innych-gmin/{teryt}/{id}",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Staff,
        get(foreign::show).post(foreign::decide),
    )
    .add(
        "/podmioty/{id}",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(card::show),
    )
    .add(
        "/podmioty",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(list::list),
    )
    .add(
        "/podmioty/{id}/weryfikacja",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(verify::decide),
    )
    .add(
        "/podmioty/{id}/edycja",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::MemberOrStaff,
        get(manage::edit_form).post(manage::edit),
    )
    .add(
        "/podmioty/{id}/potwierdzenie",
        &["POST"],
        Hosts::Gmina,
        Access::MemberOrStaff,
        post(manage::confirm),
    )
    .add(
        "/podmioty/{id}/widocznosc",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(manage::visibility),
    )
    .add(
        "/podmioty/{id}/przejecie",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::SignedIn,
        get(claims::form).post(claims::submit),
    )
    .add(
        "/podmioty/przejecia/{id}",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(claims::decide),
    )
    .add(
        "/podmioty/import",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Staff,
        get(import::form).post(import::submit),
    )
    .add(
        "/mapa",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(map::show),
    )
    .api(
        "/api/v1/podmioty",
        Hosts::Gmina,
        Access::Anyone,
        get(open_data::list),
    )
    .api(
        "/api/v1/podmioty.geojson",
        Hosts::Gmina,
        Access::Anyone,
        get(open_data::geojson),
    )
    .api(
        "/api/v1/podmioty.csv",
        Hosts::Gmina,
        Access::Anyone,
        get(open_data::csv),
    )
    .add(
        "/podmioty/przypomnienia",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(verify::remind),
    )
}
