//! End-to-end tests of the platform over real HTTP against a real PostgreSQL cluster.

mod accessibility_statement;
mod accounts;
mod api_fuzz;
mod authorization;
mod bad_input;
mod branding;
mod browser;
mod hardening;
mod kit;
mod lifecycle;
mod modules;
mod offer_categories;
mod offers;
mod oidc;
mod open_data;
mod ops;
mod organisation_care;
mod organisation_import;
mod organisations;
mod panel;
mod properties;
mod region;
mod reliability;
mod routing;
mod search;
mod tenancy;
