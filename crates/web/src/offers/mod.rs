//! Giełda — the catalogue of products and services that PES of a gmina offer (issue 5): offers
//! managed by the members of their verified organisation, up to eight photos each in the object
//! store, the searchable list, staff hiding with a reason, and the gmina's categories kept by
//! its staff.

mod categories;
mod feeds;
mod list;
mod manage;
pub mod notices;
mod page;
mod photos;
pub mod store;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::auth::{Access, Hosts, Routes};
use crate::error::{AppError, AppResult};
use crate::pages::Page;
use crate::panel::gmina;
use crate::state::AppState;

pub fn routes(r: Routes) -> Routes {
    // Multipart routes read their body themselves, within the configured upload limit.
    let upload = DefaultBodyLimit::disable();
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
    .add(
        "/api/v1/oferty",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(feeds::api),
    )
    .add(
        "/oferty/nowa",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::PesMember,
        get(manage::new_form).post(manage::create).layer(upload),
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
    .add(
        "/oferty/{id}/zdjecia",
        &["POST"],
        Hosts::Gmina,
        Access::PesMember,
        post(photos::add).layer(upload),
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

/// The verified organisations of this gmina the viewer is a member of: (id, name).
pub(crate) async fn my_organisations(
    state: &AppState,
    page: &Page,
) -> AppResult<Vec<(i64, String)>> {
    let Some(a) = &page.viewer.0 else {
        return Ok(Vec::new());
    };
    let t = gmina(page)?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT organisation_id FROM gmina_roles
         WHERE account_id = $1 AND teryt = $2 AND role = 'pes_member' AND organisation_id IS NOT NULL",
    )
    .bind(a.id)
    .bind(t.tenant.gmina.teryt.as_str())
    .fetch_all(&state.db.pool)
    .await?;
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
    let orgs: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM organisations WHERE id = ANY($1) AND status = 'verified'
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
    let id = crate::organisations::path_id(id)?;
    let t = gmina(page)?;
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
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
