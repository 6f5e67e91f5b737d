//! `/podmioty/{id}`: an organisation's card. Verified cards are public; a card still pending,
//! rejected or hidden is shown only to its members and the gmina's staff — to anyone else it does
//! not exist (404), as a card of another gmina does not.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use pestor_core::pes::{legal_form, public_benefit_area};
use pestor_kit::forms::PathId;
use pestor_kit::input::Query;
use serde_json::json;

use super::{is_member, store};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::page::Gmina;
use pestor_kit::page::Notice;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let mut tx = gmina.begin().await?;
    let stored = store::load(&mut tx, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    // Its offers in the Giełda (active ones; the organisation's members see all of theirs).
    let offers: Vec<(i64, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, name, status, price_grosze FROM offers WHERE organisation_id = $1
         ORDER BY status = 'active' DESC, name_key, id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let staff = page.is_staff();
    let member = is_member(&state, &page, id).await?;
    if stored.status != "verified" && !staff && !member {
        return Err(AppError::NotFound);
    }
    let card = &stored.card;
    let gmina_name = |teryt: &str| state.registry.gmina_label(teryt);
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
        "id": stored.id, "name": card.name, "form": form, "krs": card.krs, "nip": card.nip, "regon": card.regon,
        "year_founded": card.year_founded, "areas": areas, "description": card.description, "address": address,
        "gmina": gmina_name(&card.gmina_teryt), "powiat": powiat, "phone": card.phone, "email": card.email,
        "website": card.website, "location": card.location.map(|(lat, lon)| json!({ "lat": lat, "lon": lon })),
        "also_in": card.also_in.iter().map(|t| gmina_name(t)).collect::<Vec<_>>(),
        "status": stored.status, "status_reason": stored.status_reason,
        "verified": stored.verified_at.map(|d| pestor_kit::page::polish_date(d.date())),
        "added": pestor_kit::page::polish_date(stored.created_at.date()),
    });
    let offers: Vec<_> = offers
        .into_iter()
        .filter(|o| o.2 == "active" || member)
        .map(|(id, name, status, price)| {
            json!({ "id": id, "name": name, "status": status, "price": price.map(pestor_core::offer::format_price) })
        })
        .collect();
    let claimable =
        stored.added_by_staff && stored.status == "verified" && !member && page.viewer.0.is_some();
    let notice = match n.komunikat.as_str() {
        "dodano" => Some("Karta została dodana i jest widoczna publicznie."),
        "zapisano" => Some("Zmiany zostały zapisane."),
        "ponownie" => {
            Some("Zmiany zostały zapisane, a karta ponownie czeka na weryfikację przez urząd.")
        }
        "potwierdzono" => Some("Dziękujemy — zapisaliśmy, że dane organizacji są aktualne."),
        "ukryto" => {
            Some("Karta została ukryta; członkowie organizacji dostali wiadomość z uzasadnieniem.")
        }
        "przywrocono" => Some("Karta jest znowu widoczna publicznie."),
        "przejecie" => Some(
            "Zgłoszenie przejęcia karty zostało wysłane do urzędu. O decyzji powiadomimy Cię e-mailem.",
        ),
        "oferta-usunieta" => Some("Oferta została usunięta."),
        _ => None,
    };
    let html = page.render(
        &state,
        "organisations/card.html",
        json!({
            "card": view, "structured": structured, "notice": notice, "map": pestor_kit::maps::settings(&t.branding),
            "offers": offers, "is_member": member,
            "can_edit": staff || member, "is_staff": staff, "claimable": claimable,
        }),
    )?;
    Ok(pestor_kit::maps::with_map_csp(
        &t.branding,
        html.into_response(),
    ))
}
