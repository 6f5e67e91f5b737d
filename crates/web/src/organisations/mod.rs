//! Baza PES — the registry of social economy entities of each gmina (issue 4). So far: storage of
//! checked cards with the regional projection, and registration by a signed-in person; the list,
//! card page, verification, map, import and open data come next.

mod card;
mod list;
mod register;
pub mod store;
mod verify;

use axum::routing::{get, post};

use crate::auth::{Access, Hosts, Routes};

pub fn routes(r: Routes) -> Routes {
    r.add(
        "/podmioty/nowy",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::SignedIn,
        get(register::form).post(register::submit),
    )
    .add(
        "/podmioty/weryfikacja",
        &["GET"],
        Hosts::Gmina,
        Access::Staff,
        get(verify::queue),
    )
    .add(
        "/podmioty/{id}",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(card::show),
    )
    .add(
        "/podmioty",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(list::list),
    )
    .add(
        "/podmioty/{id}/weryfikacja",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(verify::decide),
    )
}
