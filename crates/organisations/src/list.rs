//! `/podmioty`: the gmina's verified organisations, and other gminas' PES that work here too —
//! filters (text without diacritics, legal form, area, powiat, gmina of the seat), sorts in Polish
//! order from the column headers, pagination, every choice in the URL.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use pestor_core::pes::{legal_form, legal_forms, public_benefit_area, public_benefit_areas};
use pestor_kit::input::Query;
use serde_json::json;

use super::directory::{self, Filters, SORTS, Window};
use pestor_kit::error::AppResult;
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

pub const PAGE_SIZE: i64 = 20;

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let here = t.tenant.gmina().teryt.as_str();
    let number = f.page();
    let found = directory::search(
        state.db.platform(),
        here,
        &f,
        Window::Page {
            n: number,
            size: PAGE_SIZE,
        },
        false,
    )
    .await?;
    let pages = pestor_kit::page::page_count(found.total, PAGE_SIZE);
    let items: Vec<_> = found
        .entries
        .iter()
        .map(|e| {
            json!({
                "href": e.href(here, |slug| state.settings.host_url(Some(slug))),
                "elsewhere": (e.teryt != here).then(|| e.gmina_name.clone()),
                "name": e.name,
                "form": legal_form(&e.legal_form).map_or(e.legal_form.clone(), |f| f.short.clone()),
                "address": e.address(),
                "powiat": e.powiat_name, "gmina": e.gmina_name,
                "added": pestor_kit::page::polish_date(e.created_at.date()),
            })
        })
        .collect();
    let sort = f.sort_key();
    // Column headers sort by their column; the current one is marked for screen readers.
    let headers: Vec<_> = [
        ("nazwa", "Nazwa"),
        ("typ", "Forma"),
        ("adres", "Adres"),
        ("powiat", "Powiat"),
        ("gmina", "Gmina"),
        ("dodano", "Dodano"),
    ]
    .into_iter()
    .map(|(key, label)| {
        json!({
            "label": label, "current": key == sort,
            "href": format!("/podmioty?{}", f.query(Some(key))),
            "order": if key == "dodano" { "descending" } else { "ascending" },
        })
    })
    .collect();
    let powiats: Vec<_> = state
        .registry
        .powiats
        .iter()
        .map(|p| json!({ "teryt": p.teryt, "name": p.name }))
        .collect();
    let gminas: Vec<_> = state
        .registry
        .gminas
        .iter()
        .map(|g| json!({ "teryt": g.teryt.as_str(), "name": g.label() }))
        .collect();
    Ok(page
        .render(
            &state,
            "organisations/list.html",
            json!({
                "is_staff": page.is_staff(),
                "items": items, "total": found.total, "page": number, "pages": pages, "headers": headers,
                "filters": { "q": f.q.trim(), "forma": f.forma, "sfera": f.sfera, "powiat": f.powiat, "gmina": f.gmina, "sort": sort },
                "area_label": public_benefit_area(&f.sfera).map(|a| &a.label),
                "query": f.query(Some(sort)),
                "filter_query": f.query(None),
                "sorts": SORTS.iter().map(|(k, label, _)| json!({ "key": k, "label": label })).collect::<Vec<_>>(),
                "legal_forms": legal_forms(), "areas": public_benefit_areas(), "powiats": powiats, "gminas": gminas,
            }),
        )?
        .into_response())
}
