//! `/oferty/kategorie`: the gmina's own list of offer categories, kept by its staff — add,
//! rename, reorder, and delete (moving the category's offers and notice subscriptions to another
//! one first). A category's code is made once from its first name and never changes: it is in
//! filter links, feeds, the API and subscriptions, so renaming breaks none of them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::fold;
use pestor_core::offer::{category_code, category_name};
use pestor_kit::input::Query;
use serde_json::json;

use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{Form, Move};

/// What the category forms submit: a name (add, rename), where a deleted one's offers go.
#[derive(serde::Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    target: String,
}
use pestor_kit::page::Gmina;
use pestor_kit::page::Notice;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

/// More would not fit a select comfortably; a gmina needing more should merge some.
const MAX_CATEGORIES: i64 = 40;

#[derive(sqlx::FromRow)]
struct Category {
    code: String,
    name: String,
    position: i32,
    offers: i64,
    subscriptions: i64,
}

async fn all(tx: &mut pestor_db::TenantTx) -> sqlx::Result<Vec<Category>> {
    sqlx::query_as(
        "SELECT c.code, c.name, c.position,
                (SELECT count(*) FROM offers f WHERE f.category = c.code) AS offers,
                (SELECT count(*) FROM offer_subscriptions s WHERE c.code = ANY (s.categories)) AS subscriptions
         FROM offer_categories c ORDER BY c.position, c.code",
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let notice = match n.komunikat.as_str() {
        "dodano" => "Kategoria została dodana.",
        "zmieniono" => "Nazwa kategorii została zmieniona.",
        "usunieto" => "Kategoria została usunięta.",
        _ => "",
    };
    render(&state, &page, notice, None, "", StatusCode::OK).await
}

/// The list with the add form; `error` about `typed` (the name typed into a form).
async fn render(
    state: &AppState,
    page: &Page,
    notice: &str,
    error: Option<&str>,
    typed: &str,
    status: StatusCode,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    let categories = all(&mut tx).await?;
    tx.commit().await?;
    let last = categories.len().saturating_sub(1);
    let rows: Vec<_> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "code": c.code, "name": c.name, "offers": c.offers, "subscriptions": c.subscriptions,
                "first": i == 0, "last": i == last,
            })
        })
        .collect();
    Ok((
        status,
        page.render(
            state,
            "offers/categories.html",
            json!({
                "categories": rows, "notice": notice, "error": error, "typed": typed,
                "can_add": (categories.len() as i64) < MAX_CATEGORIES, "max": MAX_CATEGORIES,
            }),
        )?,
    )
        .into_response())
}

/// Whether one of `categories` already has this name, compared without case and diacritics —
/// two categories told apart only by a capital letter would confuse everyone.
fn name_taken(categories: &[Category], name: &str) -> bool {
    let folded = fold(name);
    categories.iter().any(|c| fold(&c.name) == folded)
}

/// The audit entry of a category change, in its transaction.
async fn record(
    tx: &mut pestor_db::TenantTx,
    page: &Page,
    action: &str,
    details: serde_json::Value,
) -> AppResult<()> {
    audit::record(tx, page.account()?, action, details).await?;
    Ok(())
}

/// One category change at a time per gmina: what a change checked stays true until it commits.
async fn lock(tx: &mut pestor_db::TenantTx) -> sqlx::Result<()> {
    sqlx::query("LOCK TABLE offer_categories IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut **tx)
        .await
        .map(drop)
}

pub async fn add(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Form(f): Form<CategoryForm>,
) -> AppResult<Response> {
    let typed = f.name.as_str();
    let refuse = async |error: &str| {
        render(
            &state,
            &page,
            "",
            Some(error),
            typed,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    };
    let name = match category_name(typed) {
        Ok(name) => name,
        Err(error) => return refuse(error).await,
    };
    let mut tx = gmina.begin().await?;
    lock(&mut tx).await?;
    let categories = all(&mut tx).await?;
    if categories.len() as i64 >= MAX_CATEGORIES {
        return refuse(&format!(
            "Gmina ma już {MAX_CATEGORIES} kategorii — to najwięcej, ile można. Połącz lub usuń któreś."
        ))
        .await;
    }
    if name_taken(&categories, &name) {
        return refuse(&format!("Kategoria „{name}” już istnieje.")).await;
    }
    let base = category_code(&name);
    let code = (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|code| !categories.iter().any(|c| &c.code == code))
        .unwrap_or(base);
    let position = categories.iter().map(|c| c.position).max().unwrap_or(0) + 1;
    sqlx::query("INSERT INTO offer_categories (code, name, position) VALUES ($1, $2, $3)")
        .bind(&code)
        .bind(&name)
        .bind(position)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &page,
        "offer_category.added",
        json!({ "code": code, "name": name }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/oferty/kategorie?komunikat=dodano").into_response())
}

fn index_of(categories: &[Category], code: &str) -> AppResult<usize> {
    categories
        .iter()
        .position(|c| c.code == code)
        .ok_or(AppError::NotFound)
}

/// The category `code` of this gmina, and the rest of the list.
async fn find(tx: &mut pestor_db::TenantTx, code: &str) -> AppResult<(Category, Vec<Category>)> {
    let mut categories = all(tx).await?;
    let category = categories.remove(index_of(&categories, code)?);
    Ok((category, categories))
}

pub async fn rename(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(code): Path<String>,
    Form(f): Form<CategoryForm>,
) -> AppResult<Response> {
    let typed = f.name.as_str();
    let mut tx = gmina.begin().await?;
    lock(&mut tx).await?;
    let (category, others) = find(&mut tx, &code).await?;
    let refuse = async |error: &str| {
        render(
            &state,
            &page,
            "",
            Some(error),
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    };
    let name = match category_name(typed) {
        Ok(name) => name,
        Err(error) => {
            return refuse(&format!(
                "{error} Nazwa „{}” została bez zmian.",
                category.name
            ))
            .await;
        }
    };
    if name_taken(&others, &name) {
        return refuse(&format!(
            "Kategoria „{name}” już istnieje. Nazwa „{}” została bez zmian.",
            category.name
        ))
        .await;
    }
    if name != category.name {
        sqlx::query("UPDATE offer_categories SET name = $2 WHERE code = $1")
            .bind(&category.code)
            .bind(&name)
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            &page,
            "offer_category.renamed",
            json!({ "code": category.code, "before": category.name, "after": name }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to("/oferty/kategorie?komunikat=zmieniono").into_response())
}

pub async fn reorder(
    page: Page,
    gmina: Gmina,
    Path(code): Path<String>,
    Form(direction): Form<Move>,
) -> AppResult<Response> {
    let up = direction.up()?;
    let mut tx = gmina.begin().await?;
    lock(&mut tx).await?;
    let mut categories = all(&mut tx).await?;
    let at = index_of(&categories, &code)?;
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    if let Some(other) = other.filter(|o| *o < categories.len()) {
        // Renumbered 1..n in the new order: positions of the defaults and of added ones may tie.
        categories.swap(at, other);
        let codes: Vec<&str> = categories.iter().map(|c| c.code.as_str()).collect();
        sqlx::query(
            "UPDATE offer_categories c SET position = n.position
             FROM unnest($1::text[]) WITH ORDINALITY AS n(code, position) WHERE c.code = n.code",
        )
        .bind(&codes)
        .execute(&mut *tx)
        .await?;
        record(
            &mut tx,
            &page,
            "offer_category.moved",
            json!({ "code": code, "order": codes }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/oferty/kategorie#kategoria-{code}")).into_response())
}

pub async fn delete_form(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    let (category, others) = find(&mut tx, &code).await?;
    tx.commit().await?;
    confirm(&state, &page, &category, &others, None, StatusCode::OK)
}

/// The confirmation page: what will move where, and the choice of where.
fn confirm(
    state: &AppState,
    page: &Page,
    category: &Category,
    others: &[Category],
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    Ok((
        status,
        page.render(
            state,
            "offers/category_delete.html",
            json!({
                "category": { "code": category.code, "name": category.name, "offers": category.offers, "subscriptions": category.subscriptions },
                "others": others.iter().map(|c| json!({ "code": c.code, "name": c.name })).collect::<Vec<_>>(),
                "needs_target": category.offers > 0 || category.subscriptions > 0,
                "error": error,
            }),
        )?,
    )
        .into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(code): Path<String>,
    Form(f): Form<CategoryForm>,
) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    lock(&mut tx).await?;
    let (category, others) = find(&mut tx, &code).await?;
    let refuse = |error: &str| {
        confirm(
            &state,
            &page,
            &category,
            &others,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if others.is_empty() {
        return refuse("To jedyna kategoria gminy — oferty muszą mieć jakąś. Dodaj najpierw inną.");
    }
    let needs_target = category.offers > 0 || category.subscriptions > 0;
    let target = f.target.as_str();
    let target = match others.iter().find(|c| c.code == target) {
        Some(c) => Some(c),
        None if needs_target => {
            return refuse(
                "Wybierz kategorię, do której przejdą oferty i subskrypcje tej kategorii.",
            );
        }
        None => None,
    };
    if let Some(target) = target {
        sqlx::query("UPDATE offers SET category = $2, updated_at = now() WHERE category = $1")
            .bind(&category.code)
            .bind(&target.code)
            .execute(&mut *tx)
            .await?;
        // A subscription to both keeps the target once.
        sqlx::query(
            "UPDATE offer_subscriptions SET categories = ARRAY(
                 SELECT DISTINCT unnest(array_replace(categories, $1, $2)) ORDER BY 1)
             WHERE $1 = ANY (categories)",
        )
        .bind(&category.code)
        .bind(&target.code)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM offer_categories WHERE code = $1")
        .bind(&category.code)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &page,
        "offer_category.deleted",
        json!({
            "code": category.code, "name": category.name, "moved_to": target.map(|c| &c.code),
            "offers": category.offers, "subscriptions": category.subscriptions,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/oferty/kategorie?komunikat=usunieto").into_response())
}
