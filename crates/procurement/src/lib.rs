//! Klauzule społeczne (`/klauzule-spoleczne`): the register of procurements with social clauses,
//! from planning to the end of the contract. Staff enter procurements and the clauses they apply
//! from the catalogue (`public.social_clause_types`, the Act's articles summarised), move them
//! one status at a time (`register`), and record the checks of each clause while the contract
//! runs (`checks`, with a queue and reminders); the public sees the register and the indicators
//! counted from it (`indicators`, with CSV and `/api/v1/klauzule`). The rules: docs/klauzule.md.

mod checks;
mod indicators;
mod matching;
mod regional;
mod register;
mod shared;
mod subscriptions;

use std::time::Duration;

use axum::routing::{get, post};
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::module::{ApiDoc, Count, Figure, GminaData, Module, Period, Worker};
use pestor_kit::templates;

pub use checks::send_reminders;

/// Klauzule społeczne as a module of the app.
pub struct Procurement;

/// The procurements the clause figures count (not cancelled, with a clause), each with its day:
/// the publication day, the entry's without one (as on the indicators page).
macro_rules! with_clauses {
    () => {
        "SELECT p.*, coalesce(p.published_on, p.created_at::date) AS day FROM {schema}.procurements p
         WHERE p.status <> 'cancelled' AND EXISTS (SELECT 1 FROM {schema}.procurement_clauses c WHERE c.procurement_id = p.id)"
    };
}

/// Clauses of those procurements by their latest check's verdict ('' for none yet), completed
/// with the verdict and `GROUP BY day`.
macro_rules! verdicts {
    () => {
        concat!(
            "SELECT p.day, count(*) FROM {schema}.procurement_clauses c JOIN (",
            with_clauses!(),
            ") p ON p.id = c.procurement_id
             LEFT JOIN (SELECT DISTINCT ON (k.clause_id) k.clause_id, k.verdict FROM {schema}.clause_checks k
                        ORDER BY k.clause_id, k.checked_on DESC, k.id DESC) l ON l.clause_id = c.id
             WHERE coalesce(l.verdict, '') = "
        )
    };
}

impl Module for Procurement {
    fn name(&self) -> &'static str {
        "procurement"
    }

    fn routes(&self, r: Routes) -> Routes {
        use Hosts::{Gmina, Portal};
        r.add(
            "/klauzule-spoleczne-w-regionie",
            &["GET"],
            Portal,
            Access::Anyone,
            get(regional::page),
        )
        .add(
            "/klauzule-spoleczne-w-regionie.csv",
            &["GET"],
            Portal,
            Access::Anyone,
            get(regional::csv),
        )
        .add(
            "/klauzule-spoleczne",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(register::list),
        )
        .add(
            "/klauzule-spoleczne/katalog",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(register::catalogue_page),
        )
        .add(
            "/klauzule-spoleczne/wskazniki",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(indicators::page),
        )
        .add(
            "/klauzule-spoleczne/wskazniki.csv",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(indicators::csv),
        )
        .add(
            "/klauzule-spoleczne/wskazniki/cel",
            &["POST"],
            Gmina,
            Access::Staff,
            post(indicators::set_target),
        )
        .api(
            "/api/v1/klauzule",
            Gmina,
            Access::Anyone,
            get(indicators::api),
        )
        .add(
            "/klauzule-spoleczne/powiadomienia",
            &["GET", "POST"],
            Gmina,
            Access::Anyone,
            get(subscriptions::form).post(subscriptions::subscribe),
        )
        .add(
            "/klauzule-spoleczne/powiadomienia/potwierdz",
            &["GET", "POST"],
            Gmina,
            Access::Anyone,
            get(subscriptions::confirm_form).post(subscriptions::confirm),
        )
        .add(
            subscriptions::UNSUBSCRIBE_PATH,
            &["GET", "POST"],
            Gmina,
            Access::Anyone,
            get(subscriptions::unsubscribe_form).post(subscriptions::unsubscribe),
        )
        .add(
            "/klauzule-spoleczne/nowe",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(register::new_form).post(register::create),
        )
        .add(
            "/klauzule-spoleczne/kontrole",
            &["GET"],
            Gmina,
            Access::Staff,
            get(checks::queue),
        )
        .add(
            "/klauzule-spoleczne/{id}",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(register::show),
        )
        .add(
            "/klauzule-spoleczne/{id}/dopasowanie",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(matching::page).post(matching::notify),
        )
        .add(
            "/klauzule-spoleczne/{id}/edycja",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(register::edit_form).post(register::save),
        )
        .add(
            "/klauzule-spoleczne/{id}/status",
            &["POST"],
            Gmina,
            Access::Staff,
            post(register::set_status),
        )
        .add(
            "/klauzule-spoleczne/{id}/klauzule",
            &["POST"],
            Gmina,
            Access::Staff,
            post(register::add_clause),
        )
        .upload(
            "/klauzule-spoleczne/{id}/kontrole",
            &["POST"],
            Gmina,
            Access::Staff,
            post(checks::add),
        )
        .add(
            "/klauzule-spoleczne/{id}/kontrole/{check}/dowod",
            &["GET"],
            Gmina,
            Access::Staff,
            get(checks::evidence),
        )
    }

    fn csrf_exempt(&self) -> &'static [&'static str] {
        // The one-click unsubscribe (RFC 8058): mail programs post the link without cookies.
        &[subscriptions::UNSUBSCRIBE_PATH]
    }

    fn workers(&self) -> Vec<Worker> {
        vec![Worker {
            name: checks::REMINDER_JOB,
            // Hourly: each check's reminder is sent once, on its day.
            every: Duration::from_secs(3600),
            run: |state| {
                Box::pin(async move {
                    checks::send_reminders(&state).await?;
                    Ok(())
                })
            },
        }]
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "procurement/list.html",
            "procurement/show.html",
            "procurement/form.html",
            "procurement/catalogue.html",
            "procurement/queue.html",
            "procurement/indicators.html",
            "procurement/matching.html",
            "procurement/region.html",
            "procurement/subscribe.html",
        ]
    }

    fn nav(&self) -> &'static [NavEntry] {
        &[
            NavEntry {
                href: "/klauzule-spoleczne",
                label: "Klauzule społeczne",
                hosts: Hosts::Gmina,
                summary: "Zamówienia urzędu z klauzulami społecznymi: rejestr, wskaźniki i powiadomienia o nowych zamówieniach.",
            },
            NavEntry {
                href: "/klauzule-spoleczne-w-regionie",
                label: "Klauzule społeczne",
                hosts: Hosts::Portal,
                summary: "",
            },
        ]
    }

    fn api_doc(&self) -> Option<ApiDoc> {
        Some(ApiDoc {
            hosts: Hosts::Gmina,
            describe: indicators::describe,
        })
    }

    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            (
                "procurement.added",
                "dodanie zamówienia do rejestru klauzul",
            ),
            (
                "procurement.edited",
                "zmiana zamówienia w rejestrze klauzul",
            ),
            ("procurement.status", "zmiana statusu zamówienia"),
            ("procurement.clause_added", "dodanie klauzuli społecznej"),
            ("procurement.checked", "kontrola klauzuli społecznej"),
            ("procurement.target", "cel programu dla klauzul społecznych"),
            (
                "procurement.matched",
                "powiadomienie PES o planowanym zamówieniu",
            ),
        ]
    }

    fn gmina_figures(&self) -> &'static [Figure] {
        // A procurement counts on its publication day (its entry's without one), as on the
        // indicators page; the clauses' verdicts (latest check) count on their procurement's day.
        &[
            Figure {
                key: "clauses_this_year",
                label: "zamówienia z klauzulami w tym roku",
                count: Count::ByDay {
                    query: concat!("SELECT day, count(*) FROM (", with_clauses!(), ") p GROUP BY day"),
                    column: Some(Period::ThisYear),
                },
                public: false,
            },
            Figure {
                key: "clauses_target",
                label: "cel programu na ten rok",
                count: Count::ByDay {
                    query: "SELECT make_date(year, 1, 1), target FROM {schema}.clause_targets",
                    column: Some(Period::ThisYear),
                },
                public: false,
            },
            Figure {
                key: "clauses_value",
                label: "wartość zamówień z klauzulami w tym roku (zł)",
                count: Count::ByDay {
                    query: concat!("SELECT day, coalesce(contract_value_grosze, value_grosze) / 100.0 FROM (", with_clauses!(), ") p"),
                    column: Some(Period::ThisYear),
                },
                public: false,
            },
            Figure {
                key: "clauses_value_grosze",
                label: "wartość zamówień z klauzulami (gr)",
                count: Count::ByDay {
                    query: concat!("SELECT day, coalesce(contract_value_grosze, value_grosze) FROM (", with_clauses!(), ") p"),
                    column: None,
                },
                public: false,
            },
            Figure {
                key: "clauses_won_by_pes",
                label: "z nich wygrane przez PES",
                count: Count::ByDay {
                    query: concat!("SELECT day, count(*) FROM (", with_clauses!(), ") p WHERE contractor_teryt IS NOT NULL GROUP BY day"),
                    column: Some(Period::ThisYear),
                },
                public: false,
            },
            Figure {
                key: "clauses_with_contractor",
                label: "z wykonawcą",
                count: Count::ByDay {
                    query: concat!("SELECT day, count(*) FROM (", with_clauses!(), ") p WHERE contractor_name <> '' GROUP BY day"),
                    column: None,
                },
                public: false,
            },
            Figure {
                key: "clauses_fulfilled",
                label: "klauzule spełnione",
                count: Count::ByDay { query: concat!(verdicts!(), "'spelniona' GROUP BY day"), column: None },
                public: false,
            },
            Figure {
                key: "clauses_partly",
                label: "klauzule spełnione częściowo",
                count: Count::ByDay { query: concat!(verdicts!(), "'czesciowo' GROUP BY day"), column: None },
                public: false,
            },
            Figure {
                key: "clauses_unfulfilled",
                label: "klauzule niespełnione",
                count: Count::ByDay { query: concat!(verdicts!(), "'niespelniona' GROUP BY day"), column: None },
                public: false,
            },
            Figure {
                key: "clauses_unchecked",
                label: "klauzule bez kontroli",
                count: Count::ByDay { query: concat!(verdicts!(), "'' GROUP BY day"), column: None },
                public: false,
            },
            Figure {
                key: "clauses_not_fulfilled",
                label: "klauzule niespełnione (ostatnia kontrola)",
                count: Count::Now("SELECT count(*) FROM (SELECT DISTINCT ON (k.clause_id) k.verdict FROM {schema}.clause_checks k
                        ORDER BY k.clause_id, k.checked_on DESC, k.id DESC) l WHERE l.verdict = 'niespelniona'"),
                public: false,
            },
        ]
    }

    fn gmina_data(&self) -> GminaData {
        GminaData {
            tenant_tables: &[
                "procurements",
                "procurement_clauses",
                "clause_checks",
                "clause_targets",
                "procurement_notices",
                "procurement_subscriptions",
            ],
            public_tables: &[],
            object_prefixes: &["klauzule/"],
            transient_tables: &[],
            account_columns: &[
                ("procurements", "responsible_id"),
                ("clause_checks", "checked_by"),
            ],
        }
    }
}
