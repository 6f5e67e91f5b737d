//! Baza PES — the registry of social economy entities of each gmina (issue 4). So far: storage of
//! checked cards with the regional projection; pages, map, import and open data come next.

pub mod store;
