//! The regional layer, on the portal's host: `/szukaj`, the search across every active gmina (for
//! everyone), and `/koordynator` for the region's coordinators — a dashboard of every gmina with one
//! column per figure a module contributes ([`pestor_kit::module::Figure`]), a page per gmina with
//! onboarding, suspension and resumption, the coordinators (who appoint and remove each other),
//! and the log of what coordinators did.

mod archives;
pub mod coordinators;
mod dashboard;
mod gminas;
mod search;

use axum::routing::{get, post};
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::{Asset, NavEntry};
use pestor_kit::module::{ApiDoc, Module};
use pestor_kit::templates;

/// The regional layer as a module of the app.
pub struct Region;

impl Module for Region {
    fn name(&self) -> &'static str {
        "region"
    }

    fn routes(&self, r: Routes) -> Routes {
        use Access::{Anyone, Coordinator};
        use Hosts::Portal;
        r.add("/szukaj", &["GET"], Portal, Anyone, get(search::page))
            .api("/api/v1/szukaj", Portal, Anyone, get(search::api))
            .add(
                "/koordynator",
                &["GET"],
                Portal,
                Coordinator,
                get(dashboard::page),
            )
            .add(
                "/koordynator/gminy.csv",
                &["GET"],
                Portal,
                Coordinator,
                get(dashboard::csv),
            )
            .add(
                "/koordynator/gminy/{slug}",
                &["GET"],
                Portal,
                Coordinator,
                get(dashboard::gmina),
            )
            .add(
                "/koordynator/gminy/{slug}/przylaczenie",
                &["GET", "POST"],
                Portal,
                Coordinator,
                get(gminas::onboarding).post(gminas::start_onboarding),
            )
            .add(
                "/koordynator/gminy/{slug}/zawieszenie",
                &["GET", "POST"],
                Portal,
                Coordinator,
                get(gminas::confirm_suspension).post(gminas::suspend),
            )
            .add(
                "/koordynator/gminy/{slug}/wznowienie",
                &["GET", "POST"],
                Portal,
                Coordinator,
                get(gminas::confirm_resumption).post(gminas::resume),
            )
            .add(
                "/koordynator/gminy/{slug}/eksport",
                &["GET"],
                Portal,
                Coordinator,
                get(archives::download),
            )
            .add(
                "/koordynator/gminy/{slug}/archiwizacja",
                &["GET", "POST"],
                Portal,
                Coordinator,
                get(archives::confirm).post(archives::archive),
            )
            .add(
                "/koordynator/gminy/{slug}/archiwa/{name}",
                &["GET"],
                Portal,
                Coordinator,
                get(archives::download_kept),
            )
            .add(
                "/koordynator/gminy/{slug}/przywrocenie",
                &["POST"],
                Portal,
                Coordinator,
                post(archives::restore),
            )
            .add(
                "/koordynator/koordynatorzy",
                &["GET", "POST"],
                Portal,
                Coordinator,
                get(coordinators::list).post(coordinators::appoint_form),
            )
            .add(
                "/koordynator/koordynatorzy/{id}/usun",
                &["GET", "POST"],
                Portal,
                Coordinator,
                get(coordinators::confirm_removal).post(coordinators::remove_form),
            )
            .add(
                "/koordynator/dziennik",
                &["GET"],
                Portal,
                Coordinator,
                get(coordinators::log),
            )
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "region/dashboard.html",
            "region/gmina.html",
            "region/coordinators.html",
            "region/remove.html",
            "region/log.html",
            "region/onboard.html",
            "region/status.html",
            "region/search.html",
            "region/archive.html",
        ]
    }

    fn api_doc(&self) -> Option<ApiDoc> {
        Some(ApiDoc {
            hosts: Hosts::Portal,
            describe: search::describe,
        })
    }

    fn nav(&self) -> &'static [NavEntry] {
        &[NavEntry {
            href: "/szukaj",
            label: "Szukaj w regionie",
            hosts: Hosts::Portal,
            summary: "",
        }]
    }

    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("region.coordinator_appointed", "powołanie koordynatora"),
            ("region.coordinator_removed", "odwołanie koordynatora"),
            (
                "region.onboarding_started",
                "rozpoczęcie przyłączania gminy",
            ),
            ("region.gmina_onboarded", "przyłączenie gminy"),
            ("region.onboarding_failed", "nieudane przyłączenie gminy"),
            ("region.gmina_suspended", "zawieszenie serwisu gminy"),
            ("region.gmina_resumed", "wznowienie serwisu gminy"),
            ("region.gmina_exported", "eksport danych gminy"),
            ("region.gmina_archived", "archiwizacja gminy"),
            ("region.gmina_restored", "przywrócenie gminy z archiwum"),
        ]
    }
}
