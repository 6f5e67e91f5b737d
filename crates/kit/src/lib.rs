//! The shared kit below every product area: application state, host routing and sites, the
//! [`Page`](page::Page) extractor and rendering, the error type, accounts' plumbing (sessions, CSRF,
//! access rules), audit, forms, letters, photos, the security policies, and the [`Module`](module::Module)
//! contract the product crates implement. A product crate depends on this one, never the other way.

pub mod acting;
pub mod app;
pub mod archive;
pub mod assets;
pub mod atom;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod clock;
pub mod csp;
pub mod documents;
pub mod error;
pub mod figures;
pub mod fleet;
pub mod forms;
pub mod input;
pub mod invitations;
pub mod kit;
pub mod letters;
pub mod maps;
pub mod membership;
pub mod metrics;
pub mod module;
pub mod openapi;
pub mod ops;
pub mod optin;
pub mod page;
pub mod photos;
pub mod routing;
pub mod server;
pub mod site;
pub mod spreadsheet;
pub mod state;

pub use error::{AppError, AppResult};
pub use state::AppState;
