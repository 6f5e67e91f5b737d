//! What the compiler refuses, so that no code outside this crate reaches a gmina's data without a
//! gmina the registry resolved. Each refusal below is a `compile_fail` doctest next to the allowed
//! way, which must compile: the pair shows the refusal is for the stated reason, not a typo.
//!
//! **The pool is not public.** Only [`Database::platform`](crate::Database::platform) lends it, and
//! its sessions see only the `public` schema:
//!
//! ```compile_fail
//! fn pool(db: &pestor_db::Database) -> &sqlx::PgPool {
//!     &db.pool
//! }
//! ```
//! ```no_run
//! fn pool(db: &pestor_db::Database) -> &sqlx::PgPool {
//!     db.platform()
//! }
//! ```
//!
//! **A `Tenant` comes only from the registry**: no public constructor, no public fields.
//!
//! ```compile_fail
//! fn forge(gmina: pestor_core::Gmina) -> pestor_db::Tenant {
//!     pestor_db::Tenant {
//!         gmina,
//!         status: pestor_core::TenantStatus::Active,
//!         schema_version: None,
//!         branding: Default::default(),
//!     }
//! }
//! ```
//! ```compile_fail
//! fn teryt(t: &pestor_db::Tenant) -> &pestor_core::Teryt {
//!     &t.gmina.teryt
//! }
//! ```
//! ```no_run
//! async fn resolve(store: &pestor_db::TenantStore) -> pestor_db::Result<pestor_db::Tenant> {
//!     let tenant = store.find("torun").await?;
//!     let _teryt: &pestor_core::Teryt = &tenant.gmina().teryt;
//!     Ok(tenant)
//! }
//! ```
//!
//! **A tenant handle needs a `Tenant`**: there is no way to build one from a pool and a schema or
//! TERYT code someone typed.
//!
//! ```compile_fail
//! fn handle(pool: sqlx::PgPool, teryt: pestor_core::Teryt) -> pestor_db::TenantDb {
//!     pestor_db::TenantDb::new(pool, teryt)
//! }
//! ```
//! ```compile_fail
//! fn handle(db: &pestor_db::Database, t: &pestor_db::Tenant) -> pestor_db::TenantDb {
//!     t.db(db.platform())
//! }
//! ```
//! ```no_run
//! fn handle(db: &pestor_db::Database, t: &pestor_db::Tenant) -> pestor_db::TenantDb {
//!     db.tenant(t)
//! }
//! ```
//!
//! **Gmina-scoped public rows take their TERYT from the handle**, and the statement must be a
//! literal: it cannot be assembled from input.
//!
//! ```compile_fail
//! use pestor_db::GminaScoped;
//! fn roles(tx: &pestor_db::TenantTx, table: &str) {
//!     let sql = format!("SELECT role FROM {table} WHERE teryt = $1");
//!     let _ = tx.scoped(&sql);
//! }
//! ```
//! ```no_run
//! use pestor_db::GminaScoped;
//! async fn roles(tx: &mut pestor_db::TenantTx, account: i64) -> sqlx::Result<Vec<String>> {
//!     tx.scoped_scalar("SELECT role FROM gmina_roles WHERE teryt = $1 AND account_id = $2")
//!         .bind(account)
//!         .fetch_all(&mut **tx)
//!         .await
//! }
//! ```
