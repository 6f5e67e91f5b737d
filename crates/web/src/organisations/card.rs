//! `/podmioty/{id}`: an organisation's card. Verified cards are public; a card still pending,
//! rejected or hidden is shown only to its members and the gmina's staff — to anyone else it does
//! not exist (404), as a card of another gmina does not.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use pestor_core::Teryt;
use pestor_core::pes::{legal_form, public_benefit_area};
use serde_json::json;

use crate::auth::GminaRole;
use crate::error::{AppError, AppResult};
use crate::pages::Page;
use crate::panel::gmina;
use crate::state::AppState;

#[derive(sqlx::FromRow)]
struct Card {
    id: i64,
    name: String,
    legal_form: String,
    krs: Option<String>,
    nip: Option<String>,
    regon: Option<String>,
    year_founded: Option<i32>,
    areas: Vec<String>,
    description: String,
    postal_code: Option<String>,
    locality: String,
    street: String,
    gmina_teryt: String,
    powiat_teryt: String,
    phone: Option<String>,
    email: Option<String>,
    website: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    also_in: Vec<String>,
    status: String,
    verified_at: Option<time::OffsetDateTime>,
    created_at: time::OffsetDateTime,
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let t = gmina(&page)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
    let card: Card = sqlx::query_as(
        "SELECT id, name, legal_form, krs, nip, regon, year_founded, areas, description, postal_code, locality,
                street, gmina_teryt, powiat_teryt, phone, email, website, lat, lon, also_in, status, verified_at,
                created_at
         FROM organisations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    if card.status != "verified" && !may_see_unpublished(&state, &page, card.id).await? {
        return Err(AppError::NotFound);
    }
    let gmina_name = |teryt: &str| {
        Teryt::parse(teryt)
            .ok()
            .and_then(|t| state.registry.by_teryt(&t))
            .map_or_else(
                || teryt.to_owned(),
                |g| format!("{} (gmina {})", g.name, g.kind.as_str()),
            )
    };
    let powiat = state
        .registry
        .powiats
        .iter()
        .find(|p| p.teryt == card.powiat_teryt)
        .map_or(card.powiat_teryt.clone(), |p| p.name.clone());
    let areas: Vec<&str> = card
        .areas
        .iter()
        .filter_map(|a| public_benefit_area(a).map(|x| x.label.as_str()))
        .collect();
    let form = legal_form(&card.legal_form).map_or(card.legal_form.clone(), |f| f.name.clone());
    let address = [
        card.street.as_str(),
        &format!(
            "{} {}",
            card.postal_code.as_deref().unwrap_or(""),
            card.locality
        ),
    ]
    .iter()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    // schema.org data for search engines; serialised by serde, so no text can close the script.
    let structured = json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": card.name,
        "description": card.description,
        "email": card.email,
        "telephone": card.phone,
        "url": card.website,
        "foundingDate": card.year_founded.map(|y| y.to_string()),
        "address": {
            "@type": "PostalAddress", "streetAddress": card.street, "postalCode": card.postal_code,
            "addressLocality": card.locality, "addressCountry": "PL",
        },
    })
    .to_string()
    .replace('<', "\\u003c");
    let view = json!({
        "id": card.id, "name": card.name, "form": form, "krs": card.krs, "nip": card.nip, "regon": card.regon,
        "year_founded": card.year_founded, "areas": areas, "description": card.description, "address": address,
        "gmina": gmina_name(&card.gmina_teryt), "powiat": powiat, "phone": card.phone, "email": card.email,
        "website": card.website, "location": card.lat.zip(card.lon).map(|(lat, lon)| json!({ "lat": lat, "lon": lon })),
        "also_in": card.also_in.iter().map(|t| gmina_name(t)).collect::<Vec<_>>(),
        "status": card.status,
        "verified": card.verified_at.map(|d| crate::pages::polish_date(d.date())),
        "added": crate::pages::polish_date(card.created_at.date()),
    });
    Ok(page
        .render(
            &state,
            "organisations/card.html",
            json!({ "card": view, "structured": structured }),
        )?
        .into_response())
}

/// Staff of this gmina, operators, and the organisation's own members.
async fn may_see_unpublished(state: &AppState, page: &Page, id: i64) -> AppResult<bool> {
    let Some(a) = &page.viewer.0 else {
        return Ok(false);
    };
    if a.is_operator() || a.has(GminaRole::Staff) || a.has(GminaRole::Admin) {
        return Ok(true);
    }
    let t = gmina(page)?;
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM gmina_roles WHERE account_id = $1 AND teryt = $2
                         AND role = 'pes_member' AND organisation_id = $3)",
    )
    .bind(a.id)
    .bind(t.tenant.gmina.teryt.as_str())
    .bind(id)
    .fetch_one(&state.db.pool)
    .await?)
}
