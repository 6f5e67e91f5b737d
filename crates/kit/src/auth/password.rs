//! Password storage: argon2id with the crate's defaults (19 MiB, 2 passes), hashed off the async
//! runtime because one hash takes tens of milliseconds.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 200;

/// What is wrong with a new password, in Polish; `None` if it is acceptable.
pub fn check_new(password: &str, email: &str) -> Option<&'static str> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        Some("Hasło musi mieć co najmniej 10 znaków.")
    } else if n > MAX_LENGTH {
        Some("Hasło może mieć najwyżej 200 znaków.")
    } else if password.eq_ignore_ascii_case(email) {
        Some("Hasło nie może być takie samo jak adres e-mail.")
    } else {
        None
    }
}

pub async fn hash(password: String) -> String {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .expect("argon2 hashes any input")
            .to_string()
    })
    .await
    .expect("hashing task")
}

/// Checks `password` against a stored PHC string; a malformed hash counts as a mismatch.
pub async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the account does not exist, so that a
/// sign-in for an unknown e-mail takes as long as one for a known e-mail.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        Argon2::default()
            .hash_password(super::tokens::random_token().as_bytes())
            .expect("argon2 hashes any input")
            .to_string()
    })
}
