//! Support entries: their vocabularies, the form's checks, and the queries over the two tables —
//! the region's (`public.support_regional`) and the gmina's (`support_entries`) — which share
//! their columns. Table names are fixed strings chosen by [`Scope`], never built from input.

use std::collections::HashMap;

use pestor_core::geo::{KUJAWSKO_POMORSKIE, NOT_IN_THE_VOIVODESHIP, parse_position};
use pestor_core::organisation::{PHONE_MESSAGE, plausible_phone, plausible_url};
use pestor_kit::forms::{field, valid_email};
use serde_json::{Value, json};

/// Kinds of institution: code, label.
pub const INSTITUTIONS: &[(&str, &str)] = &[
    ("owes", "Ośrodek Wsparcia Ekonomii Społecznej (OWES)"),
    ("rops", "Regionalny Ośrodek Polityki Społecznej (ROPS)"),
    ("pup", "Powiatowy Urząd Pracy (PUP)"),
    ("ops", "Ośrodek pomocy społecznej (MOPS, MOPR, GOPS)"),
    (
        "cis_kis",
        "Centrum albo Klub Integracji Społecznej (CIS, KIS)",
    ),
    ("inkubator", "Inkubator przedsiębiorczości"),
    ("fundusz", "Fundusz pożyczkowy"),
    ("centrum_ngo", "Centrum organizacji pozarządowych"),
    ("inne", "Inna instytucja"),
];

/// Kinds of support: code, label.
pub const SERVICES: &[(&str, &str)] = &[
    ("doradztwo", "doradztwo"),
    ("szkolenia", "szkolenia"),
    ("dotacje", "dotacje na utworzenie miejsc pracy"),
    ("pozyczki", "pożyczki"),
    ("lokal", "lokal"),
    ("ksiegowosc", "księgowość"),
    ("promocja", "promocja"),
];

/// Whom it serves: code, label.
pub const AUDIENCES: &[(&str, &str)] = &[
    ("zakladajacy", "osoby i grupy zakładające PES"),
    ("pes", "działające PES"),
    ("ngo", "organizacje pozarządowe"),
    ("bezrobotni", "osoby bezrobotne"),
    ("niepelnosprawni", "osoby z niepełnosprawnościami"),
    ("wykluczeni", "osoby zagrożone wykluczeniem społecznym"),
];

fn label(list: &[(&str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| l)
}

/// Which table an entry lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The region's, kept by coordinators.
    Regional,
    /// The gmina's own, kept by its staff.
    Gmina,
}

impl Scope {
    pub fn table(self) -> &'static str {
        match self {
            Scope::Regional => "public.support_regional",
            Scope::Gmina => "support_entries",
        }
    }
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct Entry {
    pub regional: bool,
    pub id: i64,
    pub name: String,
    pub institution: String,
    pub services: Vec<String>,
    pub audiences: Vec<String>,
    pub description: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub hours: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

pub const COLUMNS: &str = "id, name, institution, services, audiences, description, address, phone, email, website, hours, lat, lon";

impl Entry {
    /// The entry's anchor on the support page.
    pub fn anchor(&self) -> String {
        format!("wpis-{}-{}", if self.regional { "r" } else { "g" }, self.id)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "regional": self.regional, "id": self.id, "anchor": self.anchor(), "name": self.name,
            "institution": { "code": self.institution, "name": label(INSTITUTIONS, &self.institution) },
            "services": self.services.iter().map(|s| json!({ "code": s, "name": label(SERVICES, s) })).collect::<Vec<_>>(),
            "audiences": self.audiences.iter().map(|s| json!({ "code": s, "name": label(AUDIENCES, s) })).collect::<Vec<_>>(),
            "description": self.description, "address": self.address, "phone": self.phone,
            "email": self.email, "website": self.website, "hours": self.hours,
            "location": self.lat.zip(self.lon).map(|(lat, lon)| json!({ "lat": lat, "lon": lon })),
        })
    }

    /// The form's values for an edit.
    pub fn values(&self) -> Value {
        json!({
            "name": self.name, "institution": self.institution, "services": self.services,
            "audiences": self.audiences, "description": self.description, "address": self.address,
            "phone": self.phone, "email": self.email, "website": self.website, "hours": self.hours,
            "lat": self.lat.map(|v| v.to_string()).unwrap_or_default(),
            "lon": self.lon.map(|v| v.to_string()).unwrap_or_default(),
        })
    }
}

/// The list's filters: a kind of support, a group served, a kind of institution (codes).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    pub usluga: String,
    pub dla: String,
    pub instytucja: String,
    /// The confirmation after a redirect (not a filter).
    pub komunikat: String,
}

impl Filters {
    /// Whether every filter names a known code (or nothing).
    pub fn known(&self) -> Option<&'static str> {
        let ok = |v: &str, list: &[(&str, &str)]| v.is_empty() || list.iter().any(|(c, _)| *c == v);
        if !ok(&self.usluga, SERVICES) {
            Some("usluga (rodzaj wsparcia z listy)")
        } else if !ok(&self.dla, AUDIENCES) {
            Some("dla (grupa odbiorców z listy)")
        } else if !ok(&self.instytucja, INSTITUTIONS) {
            Some("instytucja (rodzaj instytucji z listy)")
        } else {
            None
        }
    }

    pub fn query(&self) -> String {
        [
            ("usluga", &self.usluga),
            ("dla", &self.dla),
            ("instytucja", &self.instytucja),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The regional entries and (on a gmina's site) the gmina's own matching `f`, regional first,
/// then by name in Polish order.
pub async fn find(
    conn: &mut sqlx::PgConnection,
    with_gmina: bool,
    f: &Filters,
) -> sqlx::Result<Vec<Entry>> {
    let gmina_part = if with_gmina {
        format!("UNION ALL SELECT false, {COLUMNS}, name_key FROM support_entries")
    } else {
        String::new()
    };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT regional, {COLUMNS} FROM (
             SELECT true AS regional, {COLUMNS}, name_key FROM public.support_regional {gmina_part}
         ) e
         WHERE ($1 = '' OR $1 = ANY (services)) AND ($2 = '' OR $2 = ANY (audiences))
           AND ($3 = '' OR institution = $3)
         ORDER BY regional DESC, name_key, id LIMIT 1000"
    )))
    .bind(&f.usluga)
    .bind(&f.dla)
    .bind(&f.instytucja)
    .fetch_all(conn)
    .await
}

/// One entry of `scope`.
pub async fn one(
    conn: &mut sqlx::PgConnection,
    scope: Scope,
    id: i64,
) -> sqlx::Result<Option<Entry>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} AS regional, {COLUMNS} FROM {} WHERE id = $1",
        scope == Scope::Regional,
        scope.table()
    )))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// A checked entry, ready to store.
pub struct Draft {
    pub name: String,
    pub institution: String,
    pub services: Vec<String>,
    pub audiences: Vec<String>,
    pub description: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub hours: String,
    pub position: Option<(f64, f64)>,
}

/// Checks the form (repeated keys: `services`, `audiences`); every problem named in Polish.
pub fn validate(form: &[(String, String)]) -> Result<Draft, HashMap<&'static str, String>> {
    let single: HashMap<String, String> = form
        .iter()
        .filter(|(k, _)| k != "services" && k != "audiences")
        .cloned()
        .collect();
    let get = |k: &str| field(&single, k).trim().to_owned();
    let many = |k: &str, list: &[(&str, &str)]| -> Option<Vec<String>> {
        let chosen: Vec<String> = form
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect();
        (!chosen.is_empty()
            && chosen
                .iter()
                .all(|c| list.iter().any(|(code, _)| code == c)))
        .then_some(chosen)
    };
    let mut e: HashMap<&'static str, String> = HashMap::new();
    let mut text = |key: &'static str, min: usize, max: usize, message: &str| {
        let v = get(key);
        if !(min..=max).contains(&v.chars().count()) {
            e.insert(key, message.to_owned());
        }
        v
    };
    let name = text(
        "name",
        3,
        200,
        "Podaj nazwę instytucji lub formy wsparcia (od 3 do 200 znaków).",
    );
    let address = text("address", 3, 300, "Podaj adres (od 3 do 300 znaków).");
    let description = text(
        "description",
        0,
        2000,
        "Opis może mieć najwyżej 2000 znaków.",
    );
    let phone = text("phone", 0, 50, "Telefon może mieć najwyżej 50 znaków.");
    let hours = text(
        "hours",
        0,
        200,
        "Godziny przyjęć mogą mieć najwyżej 200 znaków.",
    );
    let institution = get("institution");
    if !INSTITUTIONS.iter().any(|(c, _)| *c == institution) {
        e.insert("institution", "Wybierz rodzaj instytucji z listy.".into());
    }
    let services = many("services", SERVICES);
    if services.is_none() {
        e.insert(
            "services",
            "Zaznacz co najmniej jeden rodzaj wsparcia.".into(),
        );
    }
    let audiences = many("audiences", AUDIENCES);
    if audiences.is_none() {
        e.insert(
            "audiences",
            "Zaznacz co najmniej jedną grupę, której służy wsparcie.".into(),
        );
    }
    if !phone.is_empty() && !plausible_phone(&phone) {
        e.insert("phone", PHONE_MESSAGE.into());
    }
    let email = get("email");
    if !email.is_empty() && (!valid_email(&email) || email.len() > 200) {
        e.insert(
            "email",
            "Podaj adres e-mail w postaci nazwa@domena.pl albo zostaw pole puste.".into(),
        );
    }
    let website = get("website");
    let site_ok = website.is_empty() || plausible_url(&website);
    if !site_ok {
        e.insert(
            "website",
            "Podaj adres strony zaczynający się od https:// albo zostaw pole puste.".into(),
        );
    }
    let position =
        parse_position(&get("lat"), &get("lon"), &KUJAWSKO_POMORSKIE).unwrap_or_else(|()| {
            e.insert("lat", NOT_IN_THE_VOIVODESHIP.into());
            None
        });
    let (Some(services), Some(audiences), true) = (services, audiences, e.is_empty()) else {
        return Err(e);
    };
    Ok(Draft {
        name,
        institution,
        services,
        audiences,
        description,
        address,
        phone,
        email,
        website,
        hours,
        position,
    })
}

/// Stores `d` as entry `id` of `scope` (a new one when `None`); returns its id.
pub async fn store(
    conn: &mut sqlx::PgConnection,
    scope: Scope,
    id: Option<i64>,
    d: &Draft,
) -> sqlx::Result<Option<i64>> {
    let table = scope.table();
    let sql = match id {
        None => format!(
            "INSERT INTO {table} (name, institution, services, audiences, description, address, phone, email,
                                  website, hours, lat, lon)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 WHERE $13::bigint IS NULL RETURNING id"
        ),
        Some(_) => format!(
            "UPDATE {table} SET name = $1, institution = $2, services = $3, audiences = $4, description = $5,
                    address = $6, phone = $7, email = $8, website = $9, hours = $10, lat = $11, lon = $12,
                    updated_at = now()
             WHERE id = $13 RETURNING id"
        ),
    };
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&d.name)
        .bind(&d.institution)
        .bind(&d.services)
        .bind(&d.audiences)
        .bind(&d.description)
        .bind(&d.address)
        .bind(&d.phone)
        .bind(&d.email)
        .bind(&d.website)
        .bind(&d.hours)
        .bind(d.position.map(|p| p.0))
        .bind(d.position.map(|p| p.1))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Deletes entry `id` of `scope`; whether it was there.
pub async fn delete(conn: &mut sqlx::PgConnection, scope: Scope, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {} WHERE id = $1",
        scope.table()
    )))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
