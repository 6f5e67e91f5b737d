//! `/podmioty/import`: staff bring in many organisations at once from a CSV file (UTF-8, comma
//! or semicolon — as Excel saves it). A dry run reports every bad row by line and column; the
//! import itself is all-or-nothing and idempotent: a row matches an existing card by KRS, then
//! NIP, then (when it has neither) by name, and only what changed is written.

use std::collections::HashMap;

use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::StatusCode;
use axum::response::Response;
use pestor_core::fold;
use pestor_core::organisation::{Organisation, OrganisationDraft};
use pestor_core::pes::{legal_forms, public_benefit_areas};
use pestor_db::TenantTx;
use serde_json::json;

use super::store::{self, SaveError};
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

/// Larger registries are split into several files.
const MAX_ROWS: usize = 5000;
const MAX_BYTES: usize = 2 * 1024 * 1024;
const TOO_BIG: &str = "Plik jest za duży (najwyżej 2 MB). Podziel go na kilka części.";

/// Columns by their header (as written in the export, matched without case or diacritics) and
/// the form field each fills.
const COLUMNS: &[(&str, &str)] = &[
    ("Nazwa", "name"),
    ("Forma prawna", "legal_form"),
    ("KRS", "krs"),
    ("NIP", "nip"),
    ("REGON", "regon"),
    ("Rok założenia", "year_founded"),
    ("Sfery działalności", "areas"),
    ("Opis", "description"),
    ("Kod pocztowy", "postal_code"),
    ("Miejscowość", "locality"),
    ("Ulica i numer", "street"),
    ("Gmina siedziby", "gmina_teryt"),
    ("Telefon", "phone"),
    ("E-mail", "email"),
    ("Strona internetowa", "website"),
    ("Szerokość geograficzna", "lat"),
    ("Długość geograficzna", "lon"),
    ("Działa także w", "also_in"),
];

/// The column a validation error belongs to, for the report.
fn column_of(field: &str) -> &'static str {
    match field {
        "location" => "Szerokość / Długość geograficzna",
        f => COLUMNS
            .iter()
            .find(|(_, name)| *name == f)
            .map_or("—", |(label, _)| *label),
    }
}

/// One problem found in the file.
#[derive(serde::Serialize)]
struct Problem {
    line: u64,
    column: &'static str,
    message: String,
}

/// What the import would do with one valid row.
enum Plan {
    Insert(Organisation),
    Update(i64, Organisation),
    Unchanged,
}

/// The file read and checked: a plan per valid row, and every problem found.
struct Checked {
    plans: Vec<Plan>,
    problems: Vec<Problem>,
    ignored_columns: Vec<String>,
}

pub async fn form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    render(&state, &page, json!(null), StatusCode::OK)
}

fn render(
    state: &AppState,
    page: &Page,
    report: serde_json::Value,
    status: StatusCode,
) -> AppResult<Response> {
    page.respond(
        state,
        "organisations/import.html",
        json!({
            "report": report, "columns": COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>(),
            "max_rows": MAX_ROWS, "legal_forms": legal_forms(),
        }),
        status,
    )
}

/// A problem with the file as a whole (encoding, header, size): reported like a row problem.
fn refuse(state: &AppState, page: &Page, message: &str) -> AppResult<Response> {
    let problem = Problem {
        line: 1,
        column: "—",
        message: message.to_owned(),
    };
    let report = json!({ "dry_run": true, "problems": [problem] });
    render(state, page, report, StatusCode::UNPROCESSABLE_ENTITY)
}

fn upload_failed(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::BadRequest(TOO_BIG.into())
    } else {
        AppError::BadRequest("Nie udało się odebrać pliku — wyślij go ponownie.".into())
    }
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    upload: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let me = page.account()?;
    let mut upload =
        upload.map_err(|_| AppError::BadRequest("Wyślij plik CSV formularzem importu.".into()))?;
    let (mut file, mut dry_run) = (None, true);
    while let Some(field) = upload.next_field().await.map_err(upload_failed)? {
        match field.name() {
            Some("plik") => file = Some(field.bytes().await.map_err(upload_failed)?),
            Some("tryb") => {
                let mode = field.text().await.map_err(upload_failed)?;
                if mode.contains('\0') {
                    return Err(AppError::BadRequest(pestor_kit::input::NUL_MESSAGE.into()));
                }
                dry_run = mode != "importuj";
            }
            _ => {}
        }
    }
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return refuse(&state, &page, "Wybierz plik CSV do wczytania.");
    };
    if file.len() > MAX_BYTES {
        return refuse(&state, &page, TOO_BIG);
    }
    let Ok(text) = std::str::from_utf8(&file) else {
        return refuse(
            &state,
            &page,
            "Plik nie jest zapisany w kodowaniu UTF-8. W Excelu wybierz „Zapisz jako” → „CSV UTF-8 (rozdzielany przecinkami)”.",
        );
    };
    if let Some(line) = pestor_kit::input::line_of_nul(text) {
        return refuse(
            &state,
            &page,
            &format!(
                "Wiersz {line} zawiera znak NUL (kod 0), którego nie można zapisać. Zapisz plik ponownie jako CSV UTF-8 i wczytaj go jeszcze raz."
            ),
        );
    }
    let teryt = t.tenant.gmina().teryt.as_str();
    let mut tx = gmina.begin().await?;
    let checked = match check(&state, &mut tx, teryt, text).await? {
        Ok(c) => c,
        Err(message) => return refuse(&state, &page, &message),
    };
    let count = |f: fn(&Plan) -> bool| checked.plans.iter().filter(|p| f(p)).count();
    let new = count(|p| matches!(p, Plan::Insert(_)));
    let updated = count(|p| matches!(p, Plan::Update(..)));
    let unchanged = count(|p| matches!(p, Plan::Unchanged));
    let mut report = json!({
        "dry_run": dry_run, "problems": checked.problems, "rows": checked.plans.len(),
        "new": new, "updated": updated, "unchanged": unchanged, "ignored_columns": checked.ignored_columns,
    });
    if !checked.problems.is_empty() {
        return render(&state, &page, report, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if dry_run {
        return render(&state, &page, report, StatusCode::OK);
    }
    for plan in &checked.plans {
        let saved = match plan {
            Plan::Insert(card) => store::insert_by_staff(&mut tx, card, Some(me.id))
                .await
                .map(|_| ()),
            Plan::Update(id, card) => store::update(&mut tx, *id, card).await.map(|_| ()),
            Plan::Unchanged => Ok(()),
        };
        match saved {
            Ok(()) => {}
            // Another import or edit took the number meanwhile; the transaction is dropped whole.
            Err(SaveError::Duplicate(_)) => {
                return refuse(
                    &state,
                    &page,
                    "Baza zmieniła się w trakcie importu (numer KRS lub NIP został właśnie użyty). Nic nie zostało zapisane — spróbuj ponownie.",
                );
            }
            Err(SaveError::Db(e)) => return Err(e.into()),
        }
    }
    audit::record(
        &mut tx,
        me,
        "organisation.imported",
        json!({ "rows": checked.plans.len(), "new": new, "updated": updated, "unchanged": unchanged }),
    )
    .await?;
    tx.commit().await?;
    report["done"] = json!(true);
    render(&state, &page, report, StatusCode::OK)
}

/// The cards already in this gmina's registry, by the keys rows are matched on.
struct Existing {
    by_krs: HashMap<String, i64>,
    by_nip: HashMap<String, i64>,
    by_name: HashMap<String, i64>,
}

impl Existing {
    async fn load(tx: &mut TenantTx) -> sqlx::Result<Self> {
        let rows: Vec<(i64, Option<String>, Option<String>, String)> =
            sqlx::query_as("SELECT id, krs, nip, name FROM organisations")
                .fetch_all(&mut **tx)
                .await?;
        let mut e = Existing {
            by_krs: HashMap::new(),
            by_nip: HashMap::new(),
            by_name: HashMap::new(),
        };
        for (id, krs, nip, name) in rows {
            if let Some(k) = krs {
                e.by_krs.insert(k, id);
            }
            if let Some(n) = nip {
                e.by_nip.insert(n, id);
            }
            e.by_name.insert(fold(&name), id);
        }
        Ok(e)
    }

    /// The card a valid row stands for, or a message when its numbers point at two cards.
    fn find(&self, card: &Organisation) -> Result<Option<i64>, &'static str> {
        let krs = card.krs.as_ref().and_then(|k| self.by_krs.get(k)).copied();
        let nip = card.nip.as_ref().and_then(|n| self.by_nip.get(n)).copied();
        match (krs, nip) {
            (Some(a), Some(b)) if a != b => Err(
                "Numer KRS i numer NIP wskazują na dwie różne organizacje w bazie — popraw jeden z nich.",
            ),
            (Some(a), _) | (None, Some(a)) => Ok(Some(a)),
            (None, None) if card.krs.is_none() && card.nip.is_none() => {
                Ok(self.by_name.get(&fold(&card.name)).copied())
            }
            (None, None) => Ok(None),
        }
    }
}

/// Reads the file and plans every row; `Err` is a problem with the file as a whole.
async fn check(
    state: &AppState,
    tx: &mut TenantTx,
    here: &str,
    text: &str,
) -> AppResult<Result<Checked, String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() >= first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return Ok(Err("Nie można odczytać nagłówka pliku.".into()));
    };
    let mut fields_at: Vec<Option<&'static str>> = Vec::new();
    let mut ignored_columns = Vec::new();
    for h in headers.iter() {
        let field = COLUMNS
            .iter()
            .find(|(label, _)| fold(label) == fold(h))
            .map(|c| c.1);
        // The powiat follows from the gmina; the export writes it for people.
        if field.is_none() && !h.trim().is_empty() && fold(h) != "powiat" {
            ignored_columns.push(h.trim().to_owned());
        }
        fields_at.push(field);
    }
    if !fields_at.contains(&Some("name")) {
        return Ok(Err(format!(
            "W pierwszym wierszu brak kolumny „Nazwa”. Pierwszy wiersz to nagłówek z nazwami kolumn: {}.",
            COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
        )));
    }
    let existing = Existing::load(tx).await?;
    let this_year = time::OffsetDateTime::now_utc().year();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let (mut plans, mut problems) = (Vec::new(), Vec::new());
    let mut rows = 0;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(Problem {
                    line: e.position().map_or(0, |p| p.line() + 1),
                    column: "—",
                    message: "Niepoprawny zapis CSV (np. niezamknięty cudzysłów) — dalsza część pliku nie została sprawdzona.".into(),
                });
                break;
            }
        };
        // The reader counts the lines before the record; people count from 1.
        let line = record.position().map_or(0, |p| p.line() + 1);
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Ok(Err(format!(
                "Plik ma więcej niż {MAX_ROWS} organizacji. Podziel go na kilka części."
            )));
        }
        let row = Row::read(state, here, &record, &fields_at);
        let draft = OrganisationDraft {
            fields: &row.fields,
            areas: &row.areas,
            also_in: &row.also_in,
        };
        let card = match draft.validate(&state.registry, this_year) {
            Ok(card) => card,
            Err(errors) => {
                problems.extend(errors.into_iter().map(|(field, message)| Problem {
                    line,
                    column: column_of(field),
                    message,
                }));
                continue;
            }
        };
        // The same organisation twice in one file is a mistake, not two cards.
        let keys: Vec<(String, &'static str)> = match (&card.krs, &card.nip) {
            (None, None) => vec![(format!("nazwa:{}", fold(&card.name)), "Nazwa")],
            (krs, nip) => krs
                .iter()
                .map(|k| (format!("krs:{k}"), "KRS"))
                .chain(nip.iter().map(|n| (format!("nip:{n}"), "NIP")))
                .collect(),
        };
        if let Some((earlier, column)) = keys
            .iter()
            .find_map(|(k, column)| seen.get(k).map(|l| (*l, *column)))
        {
            problems.push(Problem {
                line,
                column,
                message: format!("Ta sama organizacja jest już w wierszu {earlier}."),
            });
            continue;
        }
        seen.extend(keys.into_iter().map(|(k, _)| (k, line)));
        let matched = match existing.find(&card) {
            Ok(m) => m,
            Err(message) => {
                problems.push(Problem {
                    line,
                    column: "NIP",
                    message: message.into(),
                });
                continue;
            }
        };
        plans.push(match matched {
            None => Plan::Insert(card),
            Some(id) => match store::load(tx, id, false).await? {
                Some(stored) if stored.card == card => Plan::Unchanged,
                _ => Plan::Update(id, card),
            },
        });
    }
    Ok(Ok(Checked {
        plans,
        problems,
        ignored_columns,
    }))
}

/// One row turned into the card form's fields.
struct Row {
    fields: HashMap<String, String>,
    areas: Vec<String>,
    also_in: Vec<String>,
}

impl Row {
    fn read(
        state: &AppState,
        here: &str,
        record: &csv::StringRecord,
        fields_at: &[Option<&'static str>],
    ) -> Self {
        let mut row = Row {
            fields: HashMap::from([("gmina_teryt".to_owned(), here.to_owned())]),
            areas: Vec::new(),
            also_in: Vec::new(),
        };
        for (value, field) in record.iter().zip(fields_at) {
            let value = match *field {
                None => continue,
                Some("areas") => {
                    row.areas = list(value).map(area_code).collect();
                    continue;
                }
                Some("also_in") => {
                    row.also_in = list(value).map(|g| gmina_code(state, g)).collect();
                    continue;
                }
                Some("legal_form") => legal_form_code(value),
                Some("gmina_teryt") if value.trim().is_empty() => here.to_owned(),
                Some("gmina_teryt") => gmina_code(state, value),
                Some(_) => value.to_owned(),
            };
            row.fields
                .insert(field.unwrap_or_default().to_owned(), value);
        }
        row
    }
}

/// A cell holding several values: "1 | 5", "1, 5" (labels may contain commas, so `|` wins).
fn list(cell: &str) -> impl Iterator<Item = &str> {
    let sep = if cell.contains('|') { '|' } else { ',' };
    cell.split(sep).map(str::trim).filter(|s| !s.is_empty())
}

/// An area by its statutory number or its label; unknown text is passed on to be reported.
fn area_code(value: &str) -> String {
    public_benefit_areas()
        .iter()
        .find(|a| a.point == value || fold(&a.label) == fold(value))
        .map_or_else(|| value.to_owned(), |a| a.point.clone())
}

/// A legal form by its code, name or short name.
fn legal_form_code(value: &str) -> String {
    let v = fold(value);
    legal_forms()
        .iter()
        .find(|f| f.code == value.trim() || fold(&f.name) == v || fold(&f.short) == v)
        .map_or_else(|| value.trim().to_owned(), |f| f.code.clone())
}

/// A gmina by TERYT code, by "Name (gmina kind)", or by its name when only one gmina has it.
fn gmina_code(state: &AppState, value: &str) -> String {
    let v = fold(value);
    let matches: Vec<_> = state
        .registry
        .gminas
        .iter()
        .filter(|g| g.teryt.as_str() == value.trim() || fold(&g.label()) == v || fold(&g.name) == v)
        .collect();
    match matches.as_slice() {
        [one] => one.teryt.as_str().to_owned(),
        _ => value.trim().to_owned(),
    }
}
