//! Photos of premises: up to [`MAX_PHOTOS`], each with its description for people who cannot
//! see it, added by staff on the premises' page through the kit's photo store (checked by
//! content, re-encoded without EXIF/GPS, resized) and deleted after a confirmation. Served under
//! `/lokale/zdjecia/` on their own gmina's host only; a withdrawn premises' photos to staff only.

use std::collections::HashMap;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{PathId, path_id};
use pestor_kit::page::{Gmina, Page};
use pestor_kit::photos as store;
use pestor_kit::state::AppState;
use pestor_photos::Variant;
use serde_json::json;
use uuid::Uuid;

use crate::photo_store::{MAX_PHOTOS, Stored, of_premises};
use crate::shared::lock;

/// `POST /lokale/{id}/zdjecia` (multipart: `alt`, `photo`), staff.
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let count = of_premises(&gmina, id).await?.len() as i64;
    let teryt = gmina.teryt().to_owned();
    let form = form.map_err(|_| AppError::BadRequest("Wyślij formularz zdjęcia.".into()))?;
    let show = |alt: &str, errors: HashMap<&'static str, String>, status| {
        let (state, page, gmina) = (&state, &page, &gmina);
        let values: HashMap<String, String> = HashMap::from([("alt".to_owned(), alt.to_owned())]);
        async move {
            crate::registry::render_show(state, page, gmina, id, &values, errors, status).await
        }
    };
    let (stored, alt) = match store::receive(&state, &teryt, form, count, MAX_PHOTOS, &full()).await
    {
        Ok(received) => received,
        Err(r) => return show(&r.alt, r.errors, r.status).await,
    };
    // The count again with the premises locked: two uploads at once cannot pass eight.
    let saved = async {
        let mut tx = gmina.begin().await?;
        lock(&mut tx, id).await?;
        let added = sqlx::query(
            "INSERT INTO premises_photos (premises_id, object, position, alt, width, height)
             SELECT $1, $2, coalesce(max(position), 0) + 1, $3, $4, $5 FROM premises_photos WHERE premises_id = $1
             HAVING count(*) < $6",
        )
        .bind(id)
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
        Ok(true) => {
            Ok(Redirect::to(&format!("/lokale/{id}?komunikat=zdjecie#zdjecia")).into_response())
        }
        Ok(false) => {
            store::discard(&state, &teryt, stored.object).await;
            show(
                &alt,
                HashMap::from([("photo", full())]),
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
    format!("Lokal ma już {MAX_PHOTOS} zdjęć — usuń któreś, aby dodać nowe.")
}

async fn photo_of(gmina: &Gmina, id: &str, photo: &str) -> AppResult<(i64, Stored)> {
    let (id, photo) = (path_id(id)?, path_id(photo)?);
    let found = of_premises(gmina, id)
        .await?
        .into_iter()
        .find(|p| p.id == photo)
        .ok_or(AppError::NotFound)?;
    Ok((id, found))
}

/// `GET /lokale/{id}/zdjecia/{photo}/usun`: what deleting does, and the button.
pub async fn delete_form(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((id, photo)): Path<(String, String)>,
) -> AppResult<Response> {
    let (id, photo) = photo_of(&gmina, &id, &photo).await?;
    Ok(page
        .render(
            &state,
            "premises/photo_delete.html",
            json!({ "id": id, "photo": photo.to_json() }),
        )?
        .into_response())
}

/// `POST /lokale/{id}/zdjecia/{photo}/usun`: the row, and its objects queued in the same transaction.
pub async fn delete(
    State(state): State<AppState>,
    gmina: Gmina,
    Path((id, photo)): Path<(String, String)>,
) -> AppResult<Response> {
    let (id, photo) = photo_of(&gmina, &id, &photo).await?;
    let teryt = gmina.teryt().to_owned();
    let mut tx = gmina.begin().await?;
    store::queue_deletion(&mut tx, &teryt, photo.object).await?;
    sqlx::query("DELETE FROM premises_photos WHERE id = $1 AND premises_id = $2")
        .bind(photo.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    store::purge_soon(&state);
    Ok(Redirect::to(&format!("/lokale/{id}?komunikat=zdjecie-usuniete#zdjecia")).into_response())
}

/// `GET /lokale/zdjecia/{object}/{variant}`: a photo of this gmina's premises.
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
    let status: Option<String> = sqlx::query_scalar(
        "SELECT p.status FROM premises_photos f JOIN premises p ON p.id = f.premises_id WHERE f.object = $1",
    )
    .bind(object)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let public = status.ok_or(AppError::NotFound)? != "withdrawn";
    if !public && !page.is_staff() {
        return Err(AppError::NotFound);
    }
    store::serve(&state, gmina.teryt(), object, variant, &headers, public).await
}
