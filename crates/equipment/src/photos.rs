//! An item's photos: up to [`MAX_PHOTOS`], each with its description for people who cannot see
//! it, added one at a time on the edit page through the kit's photo store (checked by content,
//! decoded with limits, re-encoded without EXIF/GPS, resized) and deleted after a confirmation.
//! They are served under `/bank-sprzetu/zdjecia/` on their own gmina's host only: anyone may see
//! the photos of an item in the bank, its giver and staff those of a withdrawn or hidden one.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::page::{Gmina, Page};
use pestor_kit::photos as store;
use pestor_kit::state::AppState;
use pestor_photos::Variant;
use serde_json::json;
use uuid::Uuid;

use crate::edit::{Shown, editable, render_edit, values_of};
use crate::photo_store::{MAX_PHOTOS, Stored, of_item};
use crate::shared::{id_of, lock_item, manages};

/// `POST /bank-sprzetu/{id}/zdjecia` (multipart: `alt`, `photo`).
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let item = editable(&page, &gmina, &id).await?;
    let teryt = gmina.site.tenant.gmina().teryt.as_str().to_owned();
    let form = form.map_err(|_| AppError::BadRequest("Wyślij formularz zdjęcia.".into()))?;
    let count = of_item(&gmina, item.id).await?.len() as i64;
    let refuse = |alt: &str, errors, status| {
        // The item's own fields as stored, the photo's description as typed.
        let mut values = values_of(&item);
        values["alt"] = json!(alt);
        let (state, page, gmina, item) = (&state, &page, &gmina, &item);
        let shown = Shown {
            status,
            ..Shown::refused(values, errors)
        };
        async move { render_edit(state, page, gmina, item, shown).await }
    };
    let (stored, alt) = match store::receive(&state, &teryt, form, count, MAX_PHOTOS, &full()).await
    {
        Ok(received) => received,
        Err(r) => return refuse(&r.alt, r.errors, r.status).await,
    };
    // The count is checked again with the item locked: two uploads at once cannot pass eight.
    let saved = async {
        let mut tx = gmina.begin().await?;
        lock_item(&mut tx, item.id).await?;
        let added = sqlx::query(
            "INSERT INTO equipment_photos (item_id, object, position, alt, width, height)
             SELECT $1, $2, coalesce(max(position), 0) + 1, $3, $4, $5 FROM equipment_photos WHERE item_id = $1
             HAVING count(*) < $6",
        )
        .bind(item.id)
        .bind(stored.object)
        .bind(&alt)
        .bind(stored.width as i32)
        .bind(stored.height as i32)
        .bind(MAX_PHOTOS)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok::<_, AppError>(added)
    }
    .await;
    match saved {
        Ok(true) => Ok(Redirect::to(&format!(
            "/bank-sprzetu/{}/edycja?komunikat=zdjecie",
            item.id
        ))
        .into_response()),
        Ok(false) => {
            store::discard(&state, &teryt, stored.object).await;
            refuse(
                &alt,
                std::collections::HashMap::from([("photo", full())]),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => {
            store::discard(&state, &teryt, stored.object).await;
            Err(e)
        }
    }
}

fn full() -> String {
    format!("Przedmiot ma już {MAX_PHOTOS} zdjęć — usuń któreś, aby dodać nowe.")
}

/// The photo `photo` of the item `id`, which the viewer may edit.
async fn managed_photo(
    page: &Page,
    gmina: &Gmina,
    id: &str,
    photo: &str,
) -> AppResult<(crate::edit::Editable, Stored)> {
    let item = editable(page, gmina, id).await?;
    let photo = id_of(photo)?;
    let found = of_item(gmina, item.id)
        .await?
        .into_iter()
        .find(|p| p.id == photo)
        .ok_or(AppError::NotFound)?;
    Ok((item, found))
}

/// `GET /bank-sprzetu/{id}/zdjecia/{photo}/usun`: what deleting does, and the button.
pub async fn delete_form(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((id, photo)): Path<(String, String)>,
) -> AppResult<Response> {
    let (item, photo) = managed_photo(&page, &gmina, &id, &photo).await?;
    Ok(page
        .render(
            &state,
            "equipment/photo_delete.html",
            json!({ "item": { "id": item.id, "name": item.name }, "photo": photo.to_json() }),
        )?
        .into_response())
}

/// `POST /bank-sprzetu/{id}/zdjecia/{photo}/usun`
pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((id, photo)): Path<(String, String)>,
) -> AppResult<Response> {
    let (item, photo) = managed_photo(&page, &gmina, &id, &photo).await?;
    let teryt = gmina.site.tenant.gmina().teryt.as_str().to_owned();
    let mut tx = gmina.begin().await?;
    // The objects go with the row: queued in the same transaction, removed after it commits.
    store::queue_deletion(&mut tx, &teryt, photo.object).await?;
    sqlx::query("DELETE FROM equipment_photos WHERE id = $1 AND item_id = $2")
        .bind(photo.id)
        .bind(item.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    store::purge_soon(&state);
    Ok(Redirect::to(&format!(
        "/bank-sprzetu/{}/edycja?komunikat=zdjecie-usuniete",
        item.id
    ))
    .into_response())
}

/// `GET /bank-sprzetu/zdjecia/{object}/{variant}`: a photo of this gmina's item. Another gmina's
/// photo is not found here (its row is in another schema, its objects under another TERYT).
pub async fn serve(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((object, variant)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let object: Uuid = object.parse().map_err(|_| AppError::NotFound)?;
    let variant = Variant::parse(&variant).ok_or(AppError::NotFound)?;
    let mut tx = gmina.begin().await?;
    let owner: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT i.status, i.giver_id FROM equipment_photos p JOIN equipment_items i ON i.id = p.item_id
         WHERE p.object = $1",
    )
    .bind(object)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let (status, giver) = owner.ok_or(AppError::NotFound)?;
    let public = status == "active";
    if !public && !manages(&page, giver) {
        return Err(AppError::NotFound);
    }
    let teryt = gmina.site.tenant.gmina().teryt.as_str();
    store::serve(&state, teryt, object, variant, &headers, public).await
}
