//! Giełda — the catalogue of products and services that PES of a gmina offer (issue 5): offers
//! managed by the members of their verified organisation, up to eight photos each in the object
//! store, the searchable list, staff hiding with a reason, and the gmina's categories kept by
//! its staff.

mod categories;
mod elsewhere;
mod feeds;
mod foreign;
mod list;
mod manage;
pub mod notices;
mod page;
mod photos;
mod regional;
pub mod store;

use axum::routing::{get, post};

use std::time::Duration;

use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::module::{ApiDoc, Count, Figure, GminaData, Module, Period, SearchSource, Worker};
use pestor_kit::page::Page;
use pestor_kit::state::AppState;
use pestor_kit::templates;

/// Giełda as a module of the app.
pub struct Offers;

impl Module for Offers {
    fn name(&self) -> &'static str {
        "offers"
    }

    fn routes(&self, routes: Routes) -> Routes {
        self::routes(routes)
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "offers/list.html",
            "offers/foreign.html",
            "offers/foreign_entry.html",
            "offers/show.html",
            "offers/form.html",
            "offers/subscribe.html",
            "offers/categories.html",
            "offers/category_delete.html",
        ]
    }

    fn nav(&self) -> &'static [NavEntry] {
        &[NavEntry {
            href: "/oferty",
            label: "Giełda ofert",
            hosts: Hosts::Gmina,
            summary: "Produkty i usługi podmiotów ekonomii społecznej dla urzędu, mieszkańców, innych organizacji i firm.",
        }]
    }

    fn workers(&self) -> Vec<Worker> {
        vec![
            Worker {
                name: notices::DIGEST_JOB,
                // Hourly: each subscription gets at most one digest a day.
                every: Duration::from_secs(3600),
                run: |state| {
                    Box::pin(async move {
                        notices::send_digests(&state).await?;
                        Ok(())
                    })
                },
            },
            Worker {
                name: notices::ELSEWHERE_JOB,
                every: Duration::from_secs(60),
                run: |state| {
                    Box::pin(async move {
                        notices::send_elsewhere_notices(&state).await?;
                        Ok(())
                    })
                },
            },
        ]
    }

    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("offer.hidden", "ukrycie oferty"),
            ("offer.shown", "przywrócenie oferty"),
            ("offer_category.added", "dodanie kategorii ofert"),
            ("offer_category.renamed", "zmiana nazwy kategorii ofert"),
            ("offer_category.moved", "zmiana kolejności kategorii ofert"),
            ("offer_category.deleted", "usunięcie kategorii ofert"),
            (
                "offer.foreign_hidden",
                "ukrycie oferty organizacji z innej gminy",
            ),
            (
                "offer.foreign_shown",
                "pokazanie oferty organizacji z innej gminy",
            ),
        ]
    }

    fn csrf_exempt(&self) -> &'static [&'static str] {
        // One-click unsubscribe (RFC 8058): the secret in the link is the proof, and unsubscribing
        // is all it can do.
        &[notices::UNSUBSCRIBE_PATH]
    }

    fn gmina_figures(&self) -> &'static [Figure] {
        &[
            Figure {
                key: "offers_active",
                label: "aktywne oferty",
                count: Count::Now("SELECT count(*) FROM {schema}.offers WHERE status = 'active'"),
                public: true,
            },
            Figure {
                key: "offers_new_30_days",
                label: "oferty dodane w ostatnich 30 dniach",
                count: Count::ByDay {
                    query: "SELECT (created_at AT TIME ZONE 'Europe/Warsaw')::date, count(*) FROM {schema}.offers GROUP BY 1",
                    column: Some(Period::LastDays(30)),
                },
                public: true,
            },
            Figure {
                key: "offers_from_elsewhere",
                label: "oferty PES z innych gmin dostępne w gminie",
                count: Count::Now("SELECT count(*) FROM public.offer_directory f JOIN public.pes_visible v ON v.gmina = '{teryt}'
                          AND v.teryt = f.teryt AND v.organisation_id = f.organisation_id
                        WHERE f.across_gminas AND f.teryt <> '{teryt}'"),
                public: false,
            },
        ]
    }

    fn api_doc(&self) -> Option<ApiDoc> {
        Some(ApiDoc {
            hosts: Hosts::Gmina,
            describe: feeds::describe,
        })
    }

    fn search_sources(&self) -> &'static [SearchSource] {
        &[regional::SEARCH]
    }

    fn gmina_data(&self) -> GminaData {
        GminaData {
            tenant_tables: &[
                "offer_categories",
                "offers",
                "offer_photos",
                "offer_subscriptions",
            ],
            public_tables: &[
                ("offer_directory", "teryt"),
                ("foreign_offer_hidden", "teryt"),
                ("foreign_offer_notices", "teryt"),
            ],
            object_prefixes: &["zdjecia/"],
            transient_tables: &[],
            account_columns: &[("offers", "created_by")],
        }
    }
}

fn routes(r: Routes) -> Routes {
    r.add(
        "/oferty",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(list::list),
    )
    .add(
        "/oferty/powiadomienia",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Anyone,
        get(notices::form).post(notices::subscribe),
    )
    .add(
        "/oferty/powiadomienia/potwierdz",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Anyone,
        get(notices::confirm_form).post(notices::confirm),
    )
    .add(
        notices::UNSUBSCRIBE_PATH,
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Anyone,
        get(notices::unsubscribe_form).post(notices::unsubscribe),
    )
    .add(
        "/oferty.atom",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(feeds::atom),
    )
    .api(
        "/api/v1/oferty",
        Hosts::Gmina,
        Access::Anyone,
        get(feeds::api),
    )
    .upload(
        "/oferty/nowa",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::PesMember,
        get(manage::new_form).post(manage::create),
    )
    .add(
        "/oferty/kategorie",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Staff,
        get(categories::list).post(categories::add),
    )
    .add(
        "/oferty/kategorie/{code}",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(categories::rename),
    )
    .add(
        "/oferty/kategorie/{code}/przesun",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(categories::reorder),
    )
    .add(
        "/oferty/kategorie/{code}/usun",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Staff,
        get(categories::delete_form).post(categories::delete),
    )
    .add(
        "/oferty/{id}",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(page::show),
    )
    .add(
        "/oferty/z-innych-gmin",
        &["GET"],
        Hosts::Gmina,
        Access::Staff,
        get(foreign::list),
    )
    .add(
        "/oferty/z-innych-gmin/{teryt}/{id}",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Staff,
        get(foreign::show).post(foreign::decide),
    )
    .add(
        "/oferty/{id}/edycja",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::PesMember,
        get(manage::edit_form).post(manage::edit),
    )
    .add(
        "/oferty/{id}/status",
        &["POST"],
        Hosts::Gmina,
        Access::PesMember,
        post(manage::set_status),
    )
    .add(
        "/oferty/{id}/usun",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::PesMember,
        get(manage::delete_form).post(manage::delete),
    )
    .add(
        "/oferty/{id}/widocznosc",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(manage::visibility),
    )
    .upload(
        "/oferty/{id}/zdjecia",
        &["POST"],
        Hosts::Gmina,
        Access::PesMember,
        post(photos::add),
    )
    .add(
        "/oferty/{id}/zdjecia/{photo}/przesun",
        &["POST"],
        Hosts::Gmina,
        Access::PesMember,
        post(photos::reorder),
    )
    .add(
        "/oferty/{id}/zdjecia/{photo}/usun",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::PesMember,
        get(photos::delete_form).post(photos::delete),
    )
    .add(
        "/zdjecia/{object}/{variant}",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(photos::serve),
    )
}

/// The verified organisations of this gmina the viewer is a member of: (id, name), by name.
pub(crate) async fn my_organisations(
    state: &AppState,
    page: &Page,
) -> AppResult<Vec<(i64, String)>> {
    let ids = pestor_kit::membership::organisations_of(state, page).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let t = page.gmina()?;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    // Baza PES' published view, not its table.
    let orgs: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM organisation_summaries WHERE id = ANY($1) AND status = 'verified'
         ORDER BY public.polish_key(name)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(orgs)
}

/// The offer `id` of this gmina, if the viewer may manage it (a member of its organisation):
/// 404 when there is no such offer, 403 when it is another organisation's.
pub(crate) async fn managed(
    state: &AppState,
    page: &Page,
    id: &str,
) -> AppResult<store::StoredOffer> {
    let id = pestor_kit::forms::path_id(id)?;
    let t = page.gmina()?;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    let offer = store::load(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let mine = my_organisations(state, page).await?;
    if mine.iter().any(|(o, _)| *o == offer.organisation_id) {
        Ok(offer)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The gmina's offer categories: (code, name), in their order.
pub(crate) async fn categories(
    tx: &mut pestor_db::TenantTx,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT code, name FROM offer_categories ORDER BY position, code")
        .fetch_all(&mut **tx)
        .await
}
