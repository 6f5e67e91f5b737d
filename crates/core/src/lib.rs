//! Shared domain types of PES-TOR: gmina identifiers, the region's registry and tenant branding.
//!
//! Nothing here touches the network or the database, so every rule is unit-tested in isolation.

pub mod branding;
pub mod calendar;
pub mod collation;
pub mod geo;
pub mod ids;
pub mod offer;
pub mod organisation;
pub mod pes;
pub mod registry;

pub use branding::{Branding, BrandingError, BrandingOverrides, Colour, load_branding_file};
pub use collation::{fold, polish_sort_key};
pub use ids::{IdError, SchemaName, Slug, Teryt};
pub use registry::{Gmina, GminaKind, Powiat, Registry, RegistryError};

/// Lifecycle of a tenant: register → provision → active ↔ suspended → archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    /// Known from the registry, no schema yet.
    Registered,
    Active,
    Suspended,
    Archived,
}

impl TenantStatus {
    pub const ALL: [TenantStatus; 4] = [
        TenantStatus::Registered,
        TenantStatus::Active,
        TenantStatus::Suspended,
        TenantStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Registered => "registered",
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
            TenantStatus::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// Subdomains that can never name a gmina: infrastructure, mail and portal hosts.
pub const RESERVED_SUBDOMAINS: &[&str] = &[
    "www",
    "api",
    "static",
    "assets",
    "cdn",
    "mail",
    "smtp",
    "imap",
    "pop",
    "mx",
    "admin",
    "panel",
    "portal",
    "login",
    "auth",
    "sso",
    "id",
    "koordynator",
    "region",
    "status",
    "metrics",
    "ftp",
    "ns1",
    "ns2",
    "dev",
    "test",
    "staging",
];

pub fn is_reserved_subdomain(label: &str) -> bool {
    RESERVED_SUBDOMAINS.contains(&label)
}
