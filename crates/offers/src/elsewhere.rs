//! Offers of other gminas' PES shown in this gmina's Giełda: the organisation's card names this
//! gmina ("Działa także w") and its members made the offer available in such gminas. Read from the
//! regional projection `offer_directory` and Baza PES' view `pes_visible` (its cards that show in
//! each gmina, without those the gmina hid); each links to the offer's page in its home gmina,
//! where its members manage it.

use pestor_db::{GminaScoped, TenantDb};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use pestor_core::offer::{format_price, parse_price};
use pestor_kit::state::AppState;

/// How many such offers a page shows at most.
pub const LIMIT: i64 = 20;

#[derive(sqlx::FromRow)]
pub(super) struct Elsewhere {
    pub teryt: String,
    pub slug: String,
    pub gmina_name: String,
    pub offer_id: i64,
    pub name: String,
    pub description: String,
    pub category: String,
    pub category_name: String,
    pub price_grosze: Option<i64>,
    pub price_note: String,
    pub target_groups: Vec<String>,
    pub organisation_name: String,
    pub created_at: time::OffsetDateTime,
}

/// What the list asks of these offers: its text, category, target group and price range as
/// typed, and whether it is filtered by one of this gmina's organisations.
pub(super) struct Wanted<'a> {
    pub q: &'a str,
    pub category: &'a str,
    pub group: &'a str,
    pub price_from: &'a str,
    pub price_to: &'a str,
    pub by_organisation: bool,
}

/// The offers of other gminas' PES available here that match the list's filters (text as a
/// folded substring), in the list's order. Filtering by one of this gmina's organisations leaves
/// them out.
pub(super) async fn find(
    db: &TenantDb,
    f: &Wanted<'_>,
    sort: &str,
    limit: i64,
) -> sqlx::Result<Vec<Elsewhere>> {
    if f.by_organisation {
        return Ok(Vec::new());
    }
    let price = |raw: &str| parse_price(raw.trim()).filter(|_| !raw.trim().is_empty());
    // One statement per sort of the list: the SQL stays a `&'static str` bound through the handle.
    let sql = match sort {
        "cena" => by_price(db),
        "kategoria" => by_category(db),
        "najnowsze" => by_date(db),
        _ => by_name(db),
    };
    sql.bind(f.q.trim().to_owned())
        .bind(f.category.to_owned())
        .bind(f.group.to_owned())
        .bind(price(f.price_from))
        .bind(price(f.price_to))
        .bind(limit)
        .fetch_all(db.platform())
        .await
}

type Query = sqlx::query::QueryAs<'static, sqlx::Postgres, Elsewhere, sqlx::postgres::PgArguments>;

/// A statement `$name` over the offers available in gmina `$1` (the handle's) from other
/// gminas' PES whose cards show there, not hidden by it, home gmina active; `tail` adds
/// conditions and the order.
macro_rules! available {
    ($name:ident, $($tail:expr),+) => {
        fn $name(db: &TenantDb) -> Query {
            db.scoped_as(concat!(
                "SELECT f.teryt, t.slug, t.name AS gmina_name, f.offer_id, f.name, f.description,
                        f.category, f.category_name, f.price_grosze, f.price_note, f.target_groups,
                        v.name AS organisation_name, f.created_at FROM public.offer_directory f
                 JOIN public.pes_visible v ON v.gmina = $1 AND v.teryt = f.teryt AND v.organisation_id = f.organisation_id
                 JOIN public.tenants t ON t.teryt = f.teryt AND t.status = 'active'
                 WHERE f.across_gminas AND f.teryt <> $1
                   AND NOT EXISTS (SELECT 1 FROM public.foreign_offer_hidden h
                                   WHERE h.teryt = $1 AND h.source_teryt = f.teryt AND h.offer_id = f.offer_id) ",
                $($tail),+
            ))
        }
    };
}

/// The list's filters: `$2` text, `$3` category, `$4` group, `$5`/`$6` price range.
macro_rules! list_filters {
    () => {
        "AND ($2 = '' OR f.search_text LIKE '%' || replace(replace(public.fold($2), '%', '\\%'), '_', '\\_') || '%')
         AND ($3 = '' OR f.category = $3) AND ($4 = '' OR $4 = ANY (f.target_groups))
         AND ($5::bigint IS NULL OR f.price_grosze >= $5) AND ($6::bigint IS NULL OR f.price_grosze <= $6) "
    };
}

// One statement per order of the list; `$7` is the limit.
available!(
    by_name,
    list_filters!(),
    "ORDER BY f.name_key, f.teryt, f.offer_id LIMIT $7"
);
available!(
    by_price,
    list_filters!(),
    "ORDER BY f.price_grosze ASC NULLS LAST, f.name_key, f.teryt, f.offer_id LIMIT $7"
);
available!(
    by_category,
    list_filters!(),
    "ORDER BY public.polish_key(f.category_name), f.name_key, f.teryt, f.offer_id LIMIT $7"
);
available!(
    by_date,
    list_filters!(),
    "ORDER BY f.created_at DESC, f.teryt, f.offer_id DESC LIMIT $7"
);
// `$2` a moment: the offers added since, for the daily digests.
available!(
    added_since_sql,
    "AND f.created_at > $2 ORDER BY f.created_at, f.teryt, f.offer_id LIMIT 50"
);
// `$2`, `$3`: one offer's home gmina and id.
available!(one_sql, "AND f.teryt = $2 AND f.offer_id = $3");

/// Such offers added since `since`, oldest first (at most 50), for the daily digests.
pub(super) async fn added_since(
    db: &TenantDb,
    since: time::OffsetDateTime,
) -> sqlx::Result<Vec<Elsewhere>> {
    added_since_sql(db)
        .bind(since)
        .fetch_all(db.platform())
        .await
}

/// One such offer, if it is (still) available here.
pub(super) async fn one(db: &TenantDb, teryt: &str, id: i64) -> sqlx::Result<Option<Elsewhere>> {
    one_sql(db)
        .bind(teryt)
        .bind(id)
        .fetch_optional(db.platform())
        .await
}

impl Elsewhere {
    /// Its page in its home gmina.
    pub fn url(&self, state: &AppState) -> String {
        format!(
            "{}/oferty/{}",
            state.settings.host_url(Some(&self.slug)),
            self.offer_id
        )
    }

    pub fn to_json(&self, state: &AppState) -> Value {
        json!({
            "id": self.offer_id, "url": self.url(state), "name": self.name, "description": self.description,
            "category": { "code": self.category, "name": self.category_name },
            "price_grosze": self.price_grosze, "price": self.price_grosze.map(format_price),
            "price_note": self.price_note, "target_groups": self.target_groups,
            "organisation": { "name": self.organisation_name },
            "gmina": { "teryt": self.teryt, "name": self.gmina_name },
            "created_at": self.created_at.format(&Rfc3339).unwrap_or_default(),
        })
    }
}
