//! Accounts' plumbing shared by every module: sessions, CSRF, roles and per-route rules, tokens,
//! password hashing and rate limits. The pages (sign-in, registration, account) are in `accounts`.

pub mod access;
pub mod csrf;
pub mod password;
pub mod retention;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod tokens;

pub use access::{
    Access, Account, Format, GminaRole, Hosts, RegionRole, RouteRule, Routes, Viewer,
};
pub use csrf::CsrfToken;
