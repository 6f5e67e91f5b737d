//! One gmina's rows, out of the database and back in: its schema's tables and its rows of the
//! gmina-scoped public tables, as PostgreSQL `COPY` text, plus the accounts those rows refer to.
//! The kit's `archive` puts them in a file with the gmina's objects and a manifest; the lists of
//! tables come from the modules (`Module::gmina_data`), so a new module cannot be forgotten.
//!
//! Both directions run on a connection of their own (never a pooled one: a `COPY` cut short leaves
//! a connection unusable). Export reads one consistent snapshot; import writes in one transaction,
//! into a schema it creates at the archive's version, and drops that schema again if it fails.

use std::collections::{BTreeMap, BTreeSet};

use futures::TryStreamExt;
use pestor_core::{TenantStatus, Teryt};
use sqlx::{Connection, PgConnection};

use crate::{Database, DbError, Result, migrate};

/// The columns of an account an archive carries: who the person is, never what lets someone act
/// as them (the password hash) nor anything beyond the gmina (the regional role). An import takes
/// no other column, so a forged archive cannot grant a platform role or set a password.
pub const ACCOUNT_COLUMNS: &[&str] = &[
    "id",
    "email",
    "display_name",
    "email_verified_at",
    "created_at",
];

/// One table's rows in `COPY` text format (one line per row), and the columns, in order.
#[derive(Debug, Clone)]
pub struct TableDump {
    /// `gmina` (the gmina's schema), `public` (its rows there) or `accounts`.
    pub part: String,
    pub table: String,
    pub columns: Vec<String>,
    pub data: Vec<u8>,
}

impl TableDump {
    pub fn rows(&self) -> usize {
        self.data.iter().filter(|b| **b == b'\n').count()
    }
}

/// Why an archive cannot be restored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "gmina {0} ma już serwis na platformie (status „{1}”) — import jest możliwy tylko do gminy, która nie dołączyła albo została zarchiwizowana"
    )]
    Provisioned(String, TenantStatus),
    #[error("archiwum pochodzi z nowszej wersji platformy (schemat {0}, ta ma {1})")]
    NewerSchema(i64, i64),
    #[error("archiwum zawiera nieznaną tabelę {0}")]
    UnknownTable(String),
    #[error("archiwum zawiera wiersze innej gminy w tabeli {0}")]
    ForeignRows(String),
    #[error(
        "konto {0} ma w tej instalacji inny identyfikator albo adres niż w archiwum — połącz konta ręcznie przed importem"
    )]
    AccountClash(String),
    #[error(
        "archiwum zawiera dane kont, których import nie przyjmuje ({0}) — role regionalne i hasła nie są przenoszone"
    )]
    AccountColumns(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Db(e.into())
    }
}

/// Names come from the modules' declarations, never from input; still, only plain identifiers
/// are ever put into SQL text.
fn ident(name: &str) -> Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(name)
    } else {
        Err(DbError::Sqlx(sqlx::Error::Protocol(format!(
            "not a plain table or column name: {name}"
        ))))
    }
}

async fn own_connection(db: &Database) -> Result<PgConnection> {
    Ok(PgConnection::connect_with(db.connect_options()).await?)
}

/// Columns a dump carries: stored ones (generated columns are computed again), and for public
/// tables not their serial ids (new ones are drawn on import, where other gminas' rows live).
async fn columns(
    conn: &mut PgConnection,
    schema: &str,
    table: &str,
    public: bool,
) -> Result<Vec<String>> {
    let cols: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = $2 AND is_generated = 'NEVER'
           AND NOT ($3 AND (is_identity = 'YES' OR coalesce(column_default, '') LIKE 'nextval(%'))
         ORDER BY ordinal_position",
    )
    .bind(schema)
    .bind(table)
    .bind(public)
    .fetch_all(&mut *conn)
    .await?;
    for c in &cols {
        ident(c)?;
    }
    Ok(cols)
}

/// Only real tables hold rows; views (`organisation_summaries`) are made again by migrations.
async fn is_base_table(conn: &mut PgConnection, schema: &str, table: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables
                        WHERE table_schema = $1 AND table_name = $2 AND table_type = 'BASE TABLE')",
    )
    .bind(schema)
    .bind(table)
    .fetch_one(&mut *conn)
    .await?)
}

async fn copy_out(conn: &mut PgConnection, statement: String) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut stream = conn.copy_out_raw(&statement).await?;
    while let Some(chunk) = stream.try_next().await? {
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// (table, column) pairs among `tables` (schema-qualified) that refer to `public.accounts`.
async fn account_references(
    conn: &mut PgConnection,
    tables: &[(String, String)],
) -> Result<Vec<(String, String, String)>> {
    let mut refs = Vec::new();
    for (schema, table) in tables {
        let cols: Vec<String> = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
             WHERE c.contype = 'f' AND c.confrelid = 'public.accounts'::regclass
               AND c.conrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass",
        )
        .bind(schema)
        .bind(table)
        .fetch_all(&mut *conn)
        .await?;
        for c in cols {
            refs.push((schema.clone(), table.clone(), ident(&c)?.to_owned()));
        }
    }
    Ok(refs)
}

/// Where a gmina's data is, as the modules declare it (`GminaData`): its schema's tables, the
/// public tables holding its rows (with the column naming its TERYT), and the columns of its
/// tables that hold an account's id.
#[derive(Debug, Clone, Copy)]
pub struct GminaTables<'a> {
    pub tenant: &'a [&'a str],
    pub public: &'a [(&'a str, &'a str)],
    pub accounts: &'a [(&'a str, &'a str)],
}

/// Every row of the gmina: its schema's `tenant_tables`, its rows of `public_tables` (table, the
/// column holding its TERYT), and the accounts any of them refer to.
pub async fn export(
    db: &Database,
    teryt: &Teryt,
    tables: GminaTables<'_>,
) -> Result<Vec<TableDump>> {
    let GminaTables {
        tenant: tenant_tables,
        public: public_tables,
        accounts: account_columns,
    } = tables;
    let schema = teryt.schema();
    let quoted = schema.quoted();
    let code = teryt.as_str(); // seven digits (checked by `Teryt`)
    let mut conn = own_connection(db).await?;
    // One snapshot for every table, so the archive is consistent with itself.
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut conn)
        .await?;
    let mut dumps = Vec::new();
    let mut referring = Vec::new();
    for table in tenant_tables {
        let table = ident(table)?;
        if !is_base_table(&mut conn, schema.as_str(), table).await? {
            continue;
        }
        let cols = columns(&mut conn, schema.as_str(), table, false).await?;
        let list = cols.join(", ");
        let data = copy_out(
            &mut conn,
            format!("COPY {quoted}.{table} ({list}) TO STDOUT"),
        )
        .await?;
        dumps.push(TableDump {
            part: "gmina".into(),
            table: table.into(),
            columns: cols,
            data,
        });
    }
    for (table, column) in public_tables {
        let (table, column) = (ident(table)?, ident(column)?);
        let cols = columns(&mut conn, "public", table, true).await?;
        let list = cols.join(", ");
        let data = copy_out(
            &mut conn,
            format!("COPY (SELECT {list} FROM public.{table} WHERE {column} = '{code}') TO STDOUT"),
        )
        .await?;
        referring.push(("public".into(), table.to_owned()));
        dumps.push(TableDump {
            part: "public".into(),
            table: table.into(),
            columns: cols,
            data,
        });
    }
    // The accounts the rows name (roles, authors, who invited whom), so a restore into another
    // deployment keeps them.
    // Public tables name them by foreign keys; a gmina's tables by the columns the modules
    // declare (they carry no keys to public tables: tenant migration 0023).
    let mut refs = account_references(&mut conn, &referring).await?;
    for (table, column) in account_columns {
        let (table, column) = (ident(table)?, ident(column)?);
        if dumps.iter().any(|d| d.part == "gmina" && d.table == table) {
            refs.push((
                schema.as_str().to_owned(),
                table.to_owned(),
                column.to_owned(),
            ));
        }
    }
    let mut selects = Vec::new();
    for (s, table, column) in &refs {
        let filter = if s == "public" {
            let col = public_tables
                .iter()
                .find(|(t, _)| t == table)
                .map(|(_, c)| *c)
                .unwrap_or("teryt");
            format!(" AND {col} = '{code}'")
        } else {
            String::new()
        };
        let qualified = if s == "public" {
            format!("public.{table}")
        } else {
            format!("{quoted}.{table}")
        };
        selects.push(format!(
            "SELECT {column} FROM {qualified} WHERE {column} IS NOT NULL{filter}"
        ));
    }
    let ids: Vec<i64> = if selects.is_empty() {
        Vec::new()
    } else {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT id FROM ({}) r (id) ORDER BY 1",
            selects.join(" UNION ")
        )))
        .fetch_all(&mut conn)
        .await?
    };
    let cols: Vec<String> = ACCOUNT_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let list = cols.join(", ");
    let wanted = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let data = copy_out(
        &mut conn,
        format!("COPY (SELECT {list} FROM public.accounts WHERE id = ANY ('{{{wanted}}}'::bigint[]) ORDER BY id) TO STDOUT"),
    )
    .await?;
    dumps.push(TableDump {
        part: "accounts".into(),
        table: "accounts".into(),
        columns: cols,
        data,
    });
    sqlx::query("COMMIT").execute(&mut conn).await?;
    conn.close().await?;
    Ok(dumps)
}

/// `tables` ordered so that every table comes after the tables its foreign keys point to.
async fn parents_first(
    conn: &mut PgConnection,
    schema: &str,
    tables: &[&TableDump],
) -> Result<Vec<String>> {
    let names: BTreeSet<String> = tables.iter().map(|t| t.table.clone()).collect();
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = $1::regnamespace",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    let bare = |qualified: &str| {
        qualified
            .rsplit('.')
            .next()
            .unwrap_or(qualified)
            .trim_matches('"')
            .to_owned()
    };
    let mut needs: BTreeMap<String, BTreeSet<String>> =
        names.iter().map(|n| (n.clone(), BTreeSet::new())).collect();
    for (child, parent) in edges {
        let (child, parent) = (bare(&child), bare(&parent));
        if child != parent
            && names.contains(&parent)
            && let Some(n) = needs.get_mut(&child)
        {
            n.insert(parent);
        }
    }
    let mut order = Vec::new();
    while !needs.is_empty() {
        let ready: Vec<String> = needs
            .iter()
            .filter(|(_, p)| p.is_empty())
            .map(|(n, _)| n.clone())
            .collect();
        if ready.is_empty() {
            // A cycle would need deferred constraints; none exists today.
            order.extend(needs.keys().cloned());
            break;
        }
        for r in &ready {
            needs.remove(r);
            for p in needs.values_mut() {
                p.remove(r);
            }
        }
        order.extend(ready);
    }
    Ok(order)
}

async fn copy_in(conn: &mut PgConnection, statement: String, data: &[u8]) -> Result<()> {
    let mut copy = conn.copy_in_raw(&statement).await?;
    if let Err(e) = copy.send(data).await {
        let _ = copy.abort("import przerwany").await;
        return Err(e.into());
    }
    copy.finish().await?;
    Ok(())
}

/// Restores an export into this deployment, where the gmina `teryt` has no schema (it has not
/// joined, or was archived): builds its schema at `version`, loads every dump in one transaction
/// (accounts merged by id and e-mail, public rows checked to be the gmina's own), restores its
/// `branding` and makes it active. Afterwards the schema is migrated to this binary's version.
pub async fn import(
    db: &Database,
    teryt: &Teryt,
    version: i64,
    branding: &serde_json::Value,
    dumps: &[TableDump],
    known: GminaTables<'_>,
) -> std::result::Result<(), ImportError> {
    let GminaTables {
        tenant: known_tenant_tables,
        public: known_public_tables,
        accounts: account_columns,
    } = known;
    let latest = migrate::latest_tenant_version();
    if version > latest {
        return Err(ImportError::NewerSchema(version, latest));
    }
    for d in dumps {
        let known = match d.part.as_str() {
            "gmina" => known_tenant_tables.contains(&d.table.as_str()),
            "public" => known_public_tables.iter().any(|(t, _)| *t == d.table),
            "accounts" => d.table == "accounts",
            _ => false,
        };
        if !known {
            return Err(ImportError::UnknownTable(format!("{}.{}", d.part, d.table)));
        }
        ident(&d.table)?;
        for c in &d.columns {
            ident(c)?;
        }
        if d.part == "accounts" {
            let other: Vec<&str> = d
                .columns
                .iter()
                .map(String::as_str)
                .filter(|c| !ACCOUNT_COLUMNS.contains(c))
                .collect();
            if !other.is_empty() {
                return Err(ImportError::AccountColumns(other.join(", ")));
            }
        }
    }
    let mut conn = own_connection(db).await?;
    let status: String =
        sqlx::query_scalar("SELECT status FROM tenants WHERE teryt = $1 FOR UPDATE")
            .bind(teryt.as_str())
            .fetch_one(&mut conn)
            .await?;
    let status = TenantStatus::parse(&status).unwrap_or(TenantStatus::Archived);
    if !matches!(status, TenantStatus::Registered | TenantStatus::Archived) {
        return Err(ImportError::Provisioned(teryt.to_string(), status));
    }
    let schema = teryt.schema();
    migrate::migrate_tenant_schema_to(db, &schema, Some(version)).await?;
    let loaded = load(
        &mut conn,
        teryt,
        version,
        branding,
        dumps,
        known_public_tables,
        account_columns,
    )
    .await;
    if loaded.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", schema.quoted());
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&mut conn)
            .await
        {
            tracing::error!(%teryt, error = %e, "could not drop the schema of a failed import");
        }
    }
    conn.close().await?;
    loaded
}

async fn load(
    conn: &mut PgConnection,
    teryt: &Teryt,
    version: i64,
    branding: &serde_json::Value,
    dumps: &[TableDump],
    public_tables: &[(&str, &str)],
    account_columns: &[(&str, &str)],
) -> std::result::Result<(), ImportError> {
    let schema = teryt.schema();
    let quoted = schema.quoted();
    let code = teryt.as_str();
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    // Accounts: the same id with the same address is the same person, kept as it is here; an id or
    // address taken by someone else is a clash this import does not resolve. New ones come without
    // a password (set through "Nie pamiętam hasła") and without a regional role. The id sequence
    // never moves back: ids of deleted accounts may still be named in gminas' rows, and must not
    // come to name someone new.
    if let Some(accounts) = dumps.iter().find(|d| d.part == "accounts") {
        let list = accounts.columns.join(", ");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TEMP TABLE import_accounts ON COMMIT DROP AS SELECT {list} FROM public.accounts WITH NO DATA"
        )))
        .execute(&mut *conn)
        .await?;
        copy_in(
            conn,
            format!("COPY import_accounts ({list}) FROM STDIN"),
            &accounts.data,
        )
        .await?;
        let clash: Option<String> = sqlx::query_scalar(
            "SELECT i.email FROM import_accounts i
             JOIN public.accounts a ON a.id = i.id OR lower(a.email) = lower(i.email)
             WHERE NOT (a.id = i.id AND lower(a.email) = lower(i.email)) LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(email) = clash {
            return Err(ImportError::AccountClash(email));
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "INSERT INTO public.accounts ({list}) OVERRIDING SYSTEM VALUE
             SELECT {list} FROM import_accounts i WHERE NOT EXISTS (SELECT 1 FROM public.accounts a WHERE a.id = i.id);
             SELECT setval(pg_get_serial_sequence('public.accounts', 'id'),
                           greatest((SELECT max(id) FROM public.accounts),
                                    pg_sequence_last_value(pg_get_serial_sequence('public.accounts', 'id')::regclass), 1))"
        )))
        .execute(&mut *conn)
        .await?;
    }
    // The gmina's rows of public tables, checked to be its own, with new serial ids.
    for d in dumps.iter().filter(|d| d.part == "public") {
        let column = public_tables
            .iter()
            .find(|(t, _)| *t == d.table)
            .map(|(_, c)| *c)
            .unwrap_or("teryt");
        let table = &d.table;
        let list = d.columns.join(", ");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TEMP TABLE import_{table} ON COMMIT DROP AS SELECT {list} FROM public.{table} WITH NO DATA"
        )))
        .execute(&mut *conn)
        .await?;
        copy_in(
            conn,
            format!("COPY import_{table} ({list}) FROM STDIN"),
            &d.data,
        )
        .await?;
        let foreign: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT EXISTS (SELECT 1 FROM import_{table} WHERE {column} IS DISTINCT FROM '{code}')"
        )))
        .fetch_one(&mut *conn)
        .await?;
        if foreign {
            return Err(ImportError::ForeignRows(table.clone()));
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "INSERT INTO public.{table} ({list}) SELECT {list} FROM import_{table}"
        )))
        .execute(&mut *conn)
        .await?;
    }
    // The schema's tables: emptied of what its migrations seeded (default categories…), then
    // loaded parents first, with their identity sequences moved past the loaded ids.
    let tenant: Vec<&TableDump> = dumps.iter().filter(|d| d.part == "gmina").collect();
    if !tenant.is_empty() {
        let names: Vec<String> = tenant
            .iter()
            .map(|d| format!("{quoted}.{}", d.table))
            .collect();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "TRUNCATE {}",
            names.join(", ")
        )))
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("SELECT set_config('search_path', $1, true)")
        .bind(format!("{quoted}, public"))
        .execute(&mut *conn)
        .await?;
    for table in parents_first(conn, schema.as_str(), &tenant).await? {
        let Some(d) = tenant.iter().find(|d| d.table == table) else {
            continue;
        };
        let list = d.columns.join(", ");
        copy_in(
            conn,
            format!("COPY {quoted}.{table} ({list}) FROM STDIN"),
            &d.data,
        )
        .await?;
        let identities: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = $2 AND is_identity = 'YES'",
        )
        .bind(schema.as_str())
        .bind(&table)
        .fetch_all(&mut *conn)
        .await?;
        for column in identities {
            let column = ident(&column)?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{quoted}.{table}', '{column}'),
                               greatest((SELECT max({column}) FROM {quoted}.{table}), 1),
                               (SELECT max({column}) FROM {quoted}.{table}) IS NOT NULL)"
            )))
            .execute(&mut *conn)
            .await?;
        }
    }
    // Ids of accounts that are not here (deleted before the export) name nobody: a nullable
    // column forgets them, a row that belongs to its account (a claim) goes.
    for (table, column) in account_columns {
        let (table, column) = (ident(table)?, ident(column)?);
        if !tenant.iter().any(|d| d.table == table) {
            continue;
        }
        let nullable: bool = sqlx::query_scalar(
            "SELECT is_nullable = 'YES' FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = $2 AND column_name = $3",
        )
        .bind(schema.as_str())
        .bind(table)
        .bind(column)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(true);
        let nobody = format!(
            "{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.accounts a WHERE a.id = t.{column})"
        );
        let sql = if nullable {
            format!("UPDATE {quoted}.{table} t SET {column} = NULL WHERE {nobody}")
        } else {
            format!("DELETE FROM {quoted}.{table} t WHERE {nobody}")
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE tenants SET status = 'active', status_reason = '', status_changed_at = now(),
                schema_version = $2, provisioned_at = coalesce(provisioned_at, now()),
                branding = $3, updated_at = now()
         WHERE teryt = $1",
    )
    .bind(code)
    .bind(version)
    .bind(sqlx::types::Json(branding))
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO tenant_events (teryt, action, detail) VALUES ($1, 'import', $2)")
        .bind(code)
        .bind(format!("wersja schematu {version}"))
        .execute(&mut *conn)
        .await?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(crate::TENANT_CHANNEL)
        .bind(code)
        .execute(&mut *conn)
        .await?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(())
}

/// Removes the gmina's data after a fresh export, in one transaction: its rows of
/// `public_tables` and its schema, and queues its `objects` for removal from the store (the
/// kit's worker deletes them, retrying while the store is down). The gmina stays in the
/// registry, archived.
pub async fn drop_gmina(
    db: &Database,
    teryt: &Teryt,
    public_tables: &[(&str, &str)],
    objects: &[String],
) -> Result<()> {
    let mut tx = crate::begin(db.platform()).await?;
    for key in objects {
        sqlx::query("INSERT INTO object_deletions (key) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    let code = teryt.as_str();
    for (table, column) in public_tables {
        let (table, column) = (ident(table)?, ident(column)?);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM public.{table} WHERE {column} = $1"
        )))
        .bind(code)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {} CASCADE",
        teryt.schema().quoted()
    )))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE tenants SET status = 'archived', schema_version = NULL, status_changed_at = now(), updated_at = now()
         WHERE teryt = $1",
    )
    .bind(code)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO tenant_events (teryt, action, detail) VALUES ($1, 'archived', '')")
        .bind(code)
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(crate::TENANT_CHANNEL)
        .bind(code)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
