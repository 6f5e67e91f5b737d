//! Polityka lokalowa (`/lokale`): municipal premises the gmina offers to PES on preferential
//! terms. Staff keep the registry (`registry`), open calls for free premises and decide them after
//! the deadline (`calls`), record the leases; members of a verified PES apply with an optional
//! PDF. The public monitoring page (`monitoring`) computes each year's figures from the records.
//! The rules: docs/lokale-wsparcie.md.

mod calls;
mod monitoring;
mod photo_store;
mod photos;
mod registry;
mod shared;

use axum::routing::{get, post};
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::module::{Count, Figure, GminaData, Module};
use pestor_kit::templates;

/// Polityka lokalowa as a module of the app.
pub struct Premises;

impl Module for Premises {
    fn name(&self) -> &'static str {
        "premises"
    }

    fn routes(&self, r: Routes) -> Routes {
        use Hosts::Gmina;
        r.add(
            "/lokale",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(registry::list),
        )
        .add(
            "/lokale/nowy",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(registry::new_form).post(registry::create),
        )
        .add(
            "/lokale/monitoring",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(monitoring::page),
        )
        .add(
            "/lokale/monitoring.csv",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(monitoring::csv),
        )
        .add(
            "/lokale/nabory",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(calls::list),
        )
        .add(
            "/lokale/nabory/nowy",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(calls::new_form).post(calls::open),
        )
        .add(
            "/lokale/nabory/{id}",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(calls::show),
        )
        // Who may apply (a member of a verified PES, before the deadline) is the handler's check.
        .upload(
            "/lokale/nabory/{id}/wnioski",
            &["GET", "POST"],
            Gmina,
            Access::SignedIn,
            get(calls::applications).post(calls::apply),
        )
        .add(
            "/lokale/nabory/{id}/rozstrzygniecie",
            &["POST"],
            Gmina,
            Access::Staff,
            post(calls::decide),
        )
        // Staff and the applying organisation's members; the handler checks which.
        .add(
            "/lokale/nabory/{id}/wnioski/{application}/zalacznik",
            &["GET"],
            Gmina,
            Access::SignedIn,
            get(calls::attachment),
        )
        .add(
            "/lokale/zdjecia/{object}/{variant}",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(photos::serve),
        )
        .upload(
            "/lokale/{id}/zdjecia",
            &["POST"],
            Gmina,
            Access::Staff,
            post(photos::add),
        )
        .add(
            "/lokale/{id}/zdjecia/{photo}/usun",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(photos::delete_form).post(photos::delete),
        )
        .add(
            "/lokale/{id}",
            &["GET"],
            Gmina,
            Access::Anyone,
            get(registry::show),
        )
        .add(
            "/lokale/{id}/edycja",
            &["GET", "POST"],
            Gmina,
            Access::Staff,
            get(registry::edit_form).post(registry::save),
        )
        .add(
            "/lokale/{id}/status",
            &["POST"],
            Gmina,
            Access::Staff,
            post(registry::set_status),
        )
        .add(
            "/lokale/{id}/najem",
            &["POST"],
            Gmina,
            Access::Staff,
            post(registry::lease),
        )
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "premises/list.html",
            "premises/form.html",
            "premises/show.html",
            "premises/calls.html",
            "premises/call.html",
            "premises/call_form.html",
            "premises/applications.html",
            "premises/monitoring.html",
            "premises/photo_delete.html",
        ]
    }

    fn nav(&self) -> &'static [NavEntry] {
        &[NavEntry {
            href: "/lokale",
            label: "Lokale dla PES",
            hosts: Hosts::Gmina,
            summary: "Lokale gminy dla organizacji: wolne lokale, nabory wniosków i najem na preferencyjnych warunkach.",
        }]
    }

    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("premises.added", "dodanie lokalu"),
            ("premises.edited", "zmiana opisu lokalu"),
            ("premises.status", "zmiana statusu lokalu"),
            ("premises.leased", "zapisanie umowy najmu lokalu"),
            ("premises.call_opened", "ogłoszenie naboru na lokale"),
            ("premises.call_decided", "rozstrzygnięcie naboru na lokale"),
        ]
    }

    fn gmina_figures(&self) -> &'static [Figure] {
        &[
            Figure {
                key: "premises_leased_pes",
                label: "lokale wynajęte PES w tym roku",
                count: Count::Now("SELECT count(DISTINCT premises_id) FROM {schema}.premises_leases
                        WHERE to_pes AND during && daterange(date_trunc('year', {today})::date,
                                                             (date_trunc('year', {today}) + interval '1 year')::date)"),
                public: false,
            },
            Figure {
                key: "premises_leased_pes_m2",
                label: "m² lokali wynajętych PES w tym roku",
                count: Count::Now("SELECT coalesce(round(sum(area_m2)), 0)::bigint FROM (
                            SELECT DISTINCT ON (premises_id) premises_id, area_m2 FROM {schema}.premises_leases
                            WHERE to_pes AND during && daterange(date_trunc('year', {today})::date,
                                                                 (date_trunc('year', {today}) + interval '1 year')::date)
                            ORDER BY premises_id, lower(during) DESC) l"),
                public: false,
            },
            Figure {
                key: "premises_discount",
                label: "ulga w czynszu dla PES w tym roku (zł)",
                count: Count::Now("SELECT (coalesce(sum(d.grosze), 0) / 100)::bigint FROM (
                            SELECT (upper(l.during * m.r) - lower(l.during * m.r))::numeric / (upper(m.r) - lower(m.r))
                                   * l.area_m2 * greatest(l.rent_standard_grosze - l.rent_charged_grosze, 0) AS grosze
                            FROM {schema}.premises_leases l
                            CROSS JOIN LATERAL (
                                SELECT daterange(d::date, (d + interval '1 month')::date) AS r
                                FROM generate_series(date_trunc('year', {today}),
                                                     date_trunc('year', {today}) + interval '11 months',
                                                     interval '1 month') d) m
                            WHERE l.to_pes AND l.during && m.r) d"),
                public: false,
            },
        ]
    }

    fn gmina_data(&self) -> GminaData {
        GminaData {
            tenant_tables: &[
                "premises",
                "premises_photos",
                "premises_history",
                "premises_calls",
                "premises_call_items",
                "premises_applications",
                "premises_leases",
            ],
            public_tables: &[],
            // Photos are under the Giełda's `zdjecia/` prefix (one photo store), exported with it.
            object_prefixes: &[shared::ATTACHMENTS],
            transient_tables: &[],
            account_columns: &[("premises_applications", "submitted_by")],
        }
    }
}
