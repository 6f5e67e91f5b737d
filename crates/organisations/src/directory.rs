//! The one query behind every public view of a gmina's registry — the list page, the map, and the
//! open-data API (JSON, GeoJSON, CSV): verified cards of this gmina and of other gminas' PES that
//! declare they also work here, read from the regional projection, with the same filters and sorts.

use pestor_core::pes::{legal_form, public_benefit_area};
use serde_json::{Value, json};
use sqlx::PgPool;

use pestor_kit::auth::access::urlencode;
use pestor_kit::error::AppResult;
use pestor_kit::module::SearchSource;

/// Verified cards of every gmina, for the search across gminas (see [`SearchSource`]).
pub const SEARCH: SearchSource = SearchSource {
    kind: "podmiot",
    label: "Organizacja",
    plural: "organizacje",
    query: "SELECT 'podmiot'::text, d.teryt, d.organisation_id, d.name, NULL::text, d.description,
                   '/podmioty/' || d.organisation_id, d.search_text, d.name_key, NULL::bigint,
                   d.legal_form, d.areas, NULL::text, NULL::text, NULL::text[], d.created_at
            FROM public.pes_directory d WHERE d.status = 'verified'",
};

/// The choices of a list, as they appear in its URL.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct Filters {
    pub q: String,
    pub forma: String,
    pub sfera: String,
    pub powiat: String,
    pub gmina: String,
    pub sort: String,
    pub strona: String,
}

/// Sort keys, their labels, and their ORDER BY clauses: fixed text, never built from input.
/// `*_key` columns hold `public.polish_key()` of the text: byte order is Polish order.
pub const SORTS: &[(&str, &str, &str)] = &[
    ("nazwa", "nazwa", "d.name_key, d.teryt, d.organisation_id"),
    (
        "adres",
        "adres",
        "d.address_key, d.name_key, d.teryt, d.organisation_id",
    ),
    (
        "powiat",
        "powiat",
        "p.name_key, d.name_key, d.teryt, d.organisation_id",
    ),
    (
        "gmina",
        "gmina",
        "g.name_key, d.name_key, d.teryt, d.organisation_id",
    ),
    (
        "typ",
        "forma prawna",
        "d.legal_form, d.name_key, d.teryt, d.organisation_id",
    ),
    (
        "dodano",
        "data dodania (najnowsze)",
        "d.created_at DESC, d.teryt, d.organisation_id DESC",
    ),
];

impl Filters {
    /// The sort key in effect (the first one unless a known key was asked for).
    pub fn sort_key(&self) -> &'static str {
        SORTS
            .iter()
            .find(|s| s.0 == self.sort)
            .unwrap_or(&SORTS[0])
            .0
    }

    /// The page asked for; anything but a positive number is the first page.
    pub fn page(&self) -> i64 {
        pestor_kit::page::page_number(&self.strona)
    }

    /// The query string of the filters (not the page), with `sort` unless `None`.
    pub fn query(&self, sort: Option<&str>) -> String {
        [
            ("q", self.q.trim()),
            ("forma", &self.forma),
            ("sfera", &self.sfera),
            ("powiat", &self.powiat),
            ("gmina", &self.gmina),
            ("sort", sort.unwrap_or("")),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// Refuses filter values that cannot match anything valid (for the API; the HTML list simply
    /// shows nothing). The text is capped so a request cannot make the database work for long.
    pub fn check(&self) -> AppResult<()> {
        let bad = |what: &str| Err(pestor_kit::input::bad_parameter(what));
        if self.q.chars().count() > 200 {
            return bad("q (najwyżej 200 znaków)");
        }
        if !self.forma.is_empty() && legal_form(&self.forma).is_none() {
            return bad("forma (kod formy prawnej z listy)");
        }
        if !self.sfera.is_empty() && public_benefit_area(&self.sfera).is_none() {
            return bad("sfera (numer sfery pożytku publicznego)");
        }
        let digits = |s: &str, n: usize| {
            s.is_empty() || (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        };
        if !digits(&self.powiat, 4) {
            return bad("powiat (4-cyfrowy kod TERYT)");
        }
        if !digits(&self.gmina, 7) {
            return bad("gmina (7-cyfrowy kod TERYT)");
        }
        let known_sort = SORTS.iter().any(|s| s.0 == self.sort);
        pestor_kit::input::check_sort_and_page(&self.sort, known_sort, &self.strona)
    }
}

/// One organisation as the public sees it.
#[derive(sqlx::FromRow, Clone)]
pub struct Entry {
    /// The gmina whose registry holds the card, and its subdomain.
    pub teryt: String,
    pub slug: String,
    pub organisation_id: i64,
    pub name: String,
    pub legal_form: String,
    pub krs: Option<String>,
    pub nip: Option<String>,
    pub regon: Option<String>,
    pub year_founded: Option<i32>,
    pub areas: Vec<String>,
    pub description: String,
    pub postal_code: Option<String>,
    pub locality: String,
    pub street: String,
    pub gmina_teryt: String,
    pub gmina_name: Option<String>,
    pub powiat_teryt: String,
    pub powiat_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub also_in: Vec<String>,
    pub verified_at: Option<time::OffsetDateTime>,
    pub created_at: time::OffsetDateTime,
    total: i64,
}

impl Entry {
    /// "ul. Szeroka 1, 87-100 Toruń".
    pub fn address(&self) -> String {
        let town = format!(
            "{} {}",
            self.postal_code.as_deref().unwrap_or(""),
            self.locality
        );
        [self.street.trim(), town.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn form_name(&self) -> String {
        legal_form(&self.legal_form).map_or(self.legal_form.clone(), |f| f.name.clone())
    }

    pub fn area_labels(&self) -> Vec<String> {
        self.areas
            .iter()
            .filter_map(|a| public_benefit_area(a).map(|x| x.label.clone()))
            .collect()
    }

    /// Where the card lives: on this gmina's host a path, elsewhere the other gmina's address.
    pub fn href(&self, here: &str, host_url: impl Fn(&str) -> String) -> String {
        if self.teryt == here {
            format!("/podmioty/{}", self.organisation_id)
        } else {
            format!("{}/podmioty/{}", host_url(&self.slug), self.organisation_id)
        }
    }

    /// The public fields as JSON (the API's item and the GeoJSON feature's properties).
    pub fn to_json(&self, url: &str) -> Value {
        json!({
            "id": self.organisation_id, "url": url, "name": self.name,
            "legal_form": { "code": self.legal_form, "name": self.form_name() },
            "krs": self.krs, "nip": self.nip, "regon": self.regon, "year_founded": self.year_founded,
            "areas": self.areas.iter().zip(self.area_labels()).map(|(c, l)| json!({ "code": c, "label": l })).collect::<Vec<_>>(),
            "description": self.description,
            "address": { "street": self.street, "postal_code": self.postal_code, "locality": self.locality },
            "gmina": { "teryt": self.gmina_teryt, "name": self.gmina_name },
            "powiat": { "teryt": self.powiat_teryt, "name": self.powiat_name },
            "phone": self.phone, "email": self.email, "website": self.website,
            "location": self.lat.zip(self.lon).map(|(lat, lon)| json!({ "lat": lat, "lon": lon })),
            "also_in": self.also_in, "registry_teryt": self.teryt,
            "verified_at": self.verified_at.map(|d| d.date().to_string()),
            "created_at": self.created_at.date().to_string(),
        })
    }
}

/// What a search returns: one page (or all) of entries and how many match in total.
pub struct Found {
    pub entries: Vec<Entry>,
    pub total: i64,
}

/// How much of the result to read.
pub enum Window {
    /// Page `n` (from 1) of `size` entries.
    Page { n: i64, size: i64 },
    /// Every match (exports, the map).
    All,
}

/// Verified organisations of gmina `here` and of other gminas that also work in it.
pub async fn search(
    pool: &PgPool,
    here: &str,
    f: &Filters,
    window: Window,
    located_only: bool,
) -> sqlx::Result<Found> {
    let (_, _, order) = SORTS
        .iter()
        .find(|s| s.0 == f.sort_key())
        .unwrap_or(&SORTS[0]);
    let (limit, offset) = match window {
        Window::Page { n, size } => (Some(size), (n - 1) * size),
        Window::All => (None, 0),
    };
    let entries = rows(pool, here, f, order, located_only, limit, offset).await?;
    let total = match entries.first() {
        Some(e) => e.total,
        // Past the last page the window has no row to carry the count: the first row's does.
        None if offset > 0 => rows(pool, here, f, order, located_only, Some(1), 0)
            .await?
            .first()
            .map_or(0, |e| e.total),
        None => 0,
    };
    Ok(Found { entries, total })
}

async fn rows(
    pool: &PgPool,
    here: &str,
    f: &Filters,
    order: &str,
    located_only: bool,
    limit: Option<i64>,
    offset: i64,
) -> sqlx::Result<Vec<Entry>> {
    // The page is chosen on narrow rows first (filters, count, sort, limit), and only its rows
    // are then read whole: the list page got 2–3 times faster with 2,000 cards than one query.
    let sql = format!(
        "WITH page AS (
           SELECT d.teryt, d.organisation_id, count(*) OVER () AS total
           FROM public.pes_directory d
           LEFT JOIN public.tenants g ON g.teryt = d.gmina_teryt
           LEFT JOIN public.powiats p ON p.teryt = d.powiat_teryt
           WHERE d.status = 'verified' AND (d.teryt = $1 OR $1 = ANY (d.also_in))
             -- another gmina's card only while that gmina's site is up (not suspended)
             AND (d.teryt = $1 OR EXISTS (SELECT 1 FROM public.tenants s
                                          WHERE s.teryt = d.teryt AND s.status = 'active'))
             -- a card of another gmina that this gmina hid from its site
             AND NOT EXISTS (SELECT 1 FROM public.foreign_hidden h WHERE h.teryt = $1
                             AND h.source_teryt = d.teryt AND h.organisation_id = d.organisation_id)
             AND ($2 = '' OR d.search_text LIKE '%' || public.fold($2) || '%')
             AND ($3 = '' OR d.legal_form = $3)
             AND ($4 = '' OR $4 = ANY (d.areas))
             AND ($5 = '' OR d.powiat_teryt = $5)
             AND ($6 = '' OR d.gmina_teryt = $6)
             AND (NOT $7 OR d.lat IS NOT NULL)
           ORDER BY {order} LIMIT $8 OFFSET $9)
         SELECT d.teryt, t.slug, d.organisation_id, d.name, d.legal_form, d.krs, d.nip, d.regon, d.year_founded,
                d.areas, d.description, d.postal_code, d.locality, d.street, d.gmina_teryt,
                g.name || ' (gmina ' || g.kind || ')' AS gmina_name, d.powiat_teryt, p.name AS powiat_name,
                d.phone, d.email, d.website, d.lat, d.lon, d.also_in, d.verified_at, d.created_at, page.total
         FROM page
         JOIN public.pes_directory d USING (teryt, organisation_id)
         JOIN public.tenants t ON t.teryt = d.teryt
         LEFT JOIN public.tenants g ON g.teryt = d.gmina_teryt
         LEFT JOIN public.powiats p ON p.teryt = d.powiat_teryt
         ORDER BY {order}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(here)
        .bind(escape_like(f.q.trim()))
        .bind(&f.forma)
        .bind(&f.sfera)
        .bind(&f.powiat)
        .bind(&f.gmina)
        .bind(located_only)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
}

/// Text typed into the search box is matched literally: `%` and `_` are not wildcards.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
