//! Items the powiat's other gminas offer to PES of the whole powiat, shown in this gmina's list
//! marked with their gmina, and the module's part of the search across gminas. Both read the
//! regional projection `public.equipment_directory` (kept by triggers on each gmina's
//! `equipment_items`, tenant migration 0014); each item links to its page in its home gmina,
//! where it is asked for and decided.

use pestor_db::{GminaScoped, TenantDb};
use pestor_kit::module::SearchSource;
use pestor_kit::page::polish_date;
use pestor_kit::state::AppState;
use serde_json::{Value, json};

use crate::vocab::{condition_label, kind_label};

/// How many such items the list's first page shows at most.
pub const LIMIT: i64 = 20;

/// Every gmina's public items, for the search across gminas.
pub const SEARCH: SearchSource = SearchSource {
    kind: "sprzet",
    label: "Sprzęt",
    plural: "sprzęt",
    query: "SELECT 'sprzet'::text, d.teryt, d.item_id, d.name, NULL::text, d.description,
                   '/bank-sprzetu/' || d.item_id, d.search_text, d.name_key, NULL::bigint,
                   NULL::text, NULL::text[], d.category, d.category_name, NULL::text[], d.created_at
            FROM public.equipment_directory d",
};

#[derive(sqlx::FromRow)]
pub(crate) struct Neighbour {
    teryt: String,
    slug: String,
    gmina_name: String,
    item_id: i64,
    name: String,
    kind: String,
    category_name: String,
    condition: String,
    quantity: i32,
    available: i32,
    created_at: time::OffsetDateTime,
}

/// The list's filters as the projection can answer them: text, kind and category codes, and
/// whether a free day was asked for (then only gifts: other gminas' loans show their free days
/// on their own page).
pub(crate) struct Wanted<'a> {
    pub q: &'a str,
    pub kind: &'a str,
    pub category: &'a str,
    pub date_filter: bool,
}

type Query = sqlx::query::QueryAs<'static, sqlx::Postgres, Neighbour, sqlx::postgres::PgArguments>;

/// A statement over the powiat-wide items of the other active gminas of gmina `$1`'s powiat
/// matching the filters (`$2` text, `$3` kind, `$4` category, `$5` gifts only), in `order`.
macro_rules! neighbours {
    ($name:ident, $order:expr) => {
        fn $name(db: &TenantDb) -> Query {
            db.scoped_as(concat!(
                "SELECT d.teryt, t.slug, t.name AS gmina_name, d.item_id, d.name, d.kind, d.category_name,
                        d.condition, d.quantity, d.available, d.created_at
                 FROM public.equipment_directory d
                 JOIN public.tenants t ON t.teryt = d.teryt AND t.status = 'active'
                 JOIN public.tenants here ON here.teryt = $1 AND here.powiat_teryt = t.powiat_teryt
                 WHERE d.powiat_wide AND d.teryt <> $1
                   AND ($2 = '' OR d.search_text LIKE '%' || replace(replace(public.fold($2), '%', '\\%'), '_', '\\_') || '%')
                   AND ($3 = '' OR d.kind = $3) AND ($4 = '' OR d.category = $4)
                   AND (NOT $5 OR d.kind = 'gift') ",
                $order,
                " LIMIT $6"
            ))
        }
    };
}

neighbours!(by_name, "ORDER BY d.name_key, d.teryt, d.item_id");
neighbours!(
    by_date,
    "ORDER BY d.created_at DESC, d.teryt, d.item_id DESC"
);

/// Such items matching `w`, by name or (`najnowsze`) newest first.
pub(crate) async fn find(
    db: &TenantDb,
    w: &Wanted<'_>,
    sort: &str,
) -> sqlx::Result<Vec<Neighbour>> {
    let sql = if sort == "najnowsze" {
        by_date(db)
    } else {
        by_name(db)
    };
    sql.bind(w.q.trim().to_owned())
        .bind(w.kind.to_owned())
        .bind(w.category.to_owned())
        .bind(w.date_filter)
        .bind(LIMIT)
        .fetch_all(db.platform())
        .await
}

impl Neighbour {
    pub(crate) fn to_json(&self, state: &AppState) -> Value {
        json!({
            "url": format!("{}/bank-sprzetu/{}", state.settings.host_url(Some(&self.slug)), self.item_id),
            "name": self.name, "kind": self.kind, "kind_label": kind_label(&self.kind),
            "category": self.category_name, "condition": condition_label(&self.condition),
            "available": self.available, "quantity": self.quantity,
            "added": polish_date(self.created_at.date()),
            "gmina": { "teryt": self.teryt, "name": self.gmina_name },
        })
    }
}
