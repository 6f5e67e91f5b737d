//! Demo data for `pestor serve --demo`: never used otherwise.

/// The demo's administrator of Toruń. The password is public (README): `--demo` is for trying the
/// platform on one's own machine, never for a deployment.
pub const ADMIN_EMAIL: &str = "admin@torun.example";
pub const ADMIN_PASSWORD: &str = "demo-pestor-2026";

/// Creates the demo administrator of Toruń (verified, role `admin`) unless the account exists.
/// Returns whether it was created.
pub async fn seed(pool: &sqlx::PgPool) -> sqlx::Result<bool> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE lower(email) = $1)")
            .bind(ADMIN_EMAIL)
            .fetch_one(pool)
            .await?;
    if exists {
        return Ok(false);
    }
    let hash = crate::auth::password::hash(ADMIN_PASSWORD.to_owned()).await;
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, display_name, password_hash, email_verified_at)
         VALUES ($1, 'Administrator demo (Toruń)', $2, now()) RETURNING id",
    )
    .bind(ADMIN_EMAIL)
    .bind(hash)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO gmina_roles (account_id, teryt, role) SELECT $1, teryt, 'admin' FROM tenants WHERE slug = 'torun'")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}
