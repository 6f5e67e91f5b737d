//! What the equipment bank's parts share: the item a change is about (locked for the change), who
//! may decide about it, the requester chosen in a form, and letters to one account.

use pestor_db::TenantTx;
use pestor_kit::acting::{ActingOrganisation, Reach, acting_organisations};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::letters::{Letter, compose};
use pestor_kit::page::{Gmina, Page};
use pestor_kit::site::Site;
use pestor_kit::state::AppState;

/// An item as a request or loan decision needs it.
#[derive(sqlx::FromRow, Clone)]
pub(crate) struct ItemRef {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub giver_id: Option<i64>,
    pub quantity: i32,
    pub available: i32,
    pub pickup_place: String,
    pub pickup_hours: String,
    pub powiat_wide: bool,
    /// The gmina's organisation it is given on behalf of, if any.
    pub on_behalf_of: Option<i64>,
}

impl ItemRef {
    /// Whom the item is offered to: the gmina's PES, or the whole powiat's.
    pub fn reach(&self) -> Reach {
        if self.powiat_wide {
            Reach::Powiat
        } else {
            Reach::Gmina
        }
    }
}

const ITEM_COLUMNS: &str = "id, name, kind, status, giver_id, quantity, available, pickup_place, pickup_hours, powiat_wide, on_behalf_of";

/// The item `id` locked for this transaction: changes to one item (its requests, its loans, its
/// pieces) happen one after another, so two decisions at once are decided in order, by its state.
pub(crate) async fn lock_item(tx: &mut TenantTx, id: i64) -> AppResult<ItemRef> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM equipment_items WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)
}

/// The item `id` as it is now (no lock).
pub(crate) async fn item(gmina: &Gmina, id: i64) -> AppResult<ItemRef> {
    let mut tx = gmina.begin().await?;
    let item = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM equipment_items WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(item)
}

/// The giver of an item and the gmina's staff decide about it.
pub(crate) fn manages(page: &Page, giver: Option<i64>) -> bool {
    page.is_staff() || is_giver(page, giver)
}

pub(crate) fn is_giver(page: &Page, giver: Option<i64>) -> bool {
    page.viewer.0.as_ref().is_some_and(|a| Some(a.id) == giver)
}

/// A path's numeric id; anything else is not found.
pub(crate) fn id_of(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::NotFound)
}

/// Why the viewer may not ask for `item`, or `None` when they may (given a verified organisation).
pub(crate) fn refusal(page: &Page, item: &ItemRef, askers: &Askers) -> Option<&'static str> {
    let orgs = &askers.orgs;
    if item.status != "active" {
        Some("Przedmiot nie jest już w banku sprzętu.")
    } else if page.viewer.0.is_none() {
        Some("Zaloguj się, aby poprosić o przedmiot.")
    } else if is_giver(page, item.giver_id) {
        Some("To Twój przedmiot — nie możesz o niego prosić.")
    } else if orgs.is_empty() && askers.giving {
        Some("To przedmiot Twojej organizacji — jej członkowie nie mogą o niego prosić.")
    } else if orgs.is_empty() && item.powiat_wide {
        Some(
            "Prosić o ten przedmiot mogą członkowie zweryfikowanych organizacji (PES) z gmin tego powiatu albo działających w tej gminie. Organizacja czekająca na weryfikację nie może jeszcze prosić.",
        )
    } else if orgs.is_empty() {
        Some(
            "Prosić o sprzęt mogą członkowie zweryfikowanych organizacji (PES) tej gminy albo działających w niej. Organizacja czekająca na weryfikację nie może jeszcze prosić.",
        )
    } else {
        None
    }
}

/// The organisation a form names (`<teryt>-<id>`) among the viewer's acting ones.
pub(crate) fn chosen<'a>(
    orgs: &'a [ActingOrganisation],
    code: &str,
) -> Option<&'a ActingOrganisation> {
    orgs.iter().find(|o| o.code() == code.trim())
}

/// The viewer's organisations that may ask for something offered to `reach` (see
/// [`acting_organisations`]).
/// Who may ask for an item: the viewer's organisations it reaches, less the organisation that
/// gives it (`giving`: the viewer is one of its members).
pub(crate) struct Askers {
    pub orgs: Vec<ActingOrganisation>,
    pub giving: bool,
}

/// The viewer's organisations that may ask for `item` on this gmina's site.
pub(crate) async fn askers(state: &AppState, page: &Page, item: &ItemRef) -> AppResult<Askers> {
    let here = page.gmina()?.tenant.gmina().teryt.to_string();
    let mut orgs = my_requesters(state, page, item.reach()).await?;
    let before = orgs.len();
    orgs.retain(|o| !(o.teryt == here && Some(o.id) == item.on_behalf_of));
    let giving = orgs.len() < before;
    Ok(Askers { orgs, giving })
}

pub(crate) async fn my_requesters(
    state: &AppState,
    page: &Page,
    reach: Reach,
) -> AppResult<Vec<ActingOrganisation>> {
    acting_organisations(state, page, reach).await
}

/// Queues `letter` to account `account` (nothing when the account is gone).
pub(crate) async fn tell(
    tx: &mut TenantTx,
    state: &AppState,
    site: &Site,
    account: Option<i64>,
    letter: &Letter,
) -> AppResult<()> {
    let Some(id) = account else {
        return Ok(());
    };
    let email: Option<String> =
        sqlx::query_scalar("SELECT email FROM public.accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(email) = email {
        pestor_mail::enqueue(tx, &compose(state, site, &email, letter)?).await?;
    }
    Ok(())
}

/// The item's address on its gmina's host, for letters.
pub(crate) fn item_url(state: &AppState, site: &Site, id: i64) -> String {
    let slug = site
        .tenant()
        .map(|t| t.tenant.gmina().slug.as_str().to_owned());
    format!(
        "{}/bank-sprzetu/{id}",
        state.settings.host_url(slug.as_deref())
    )
}
