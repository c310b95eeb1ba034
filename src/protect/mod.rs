//! Protection of the people and papers the station holds: encryption at
//! rest with the station key ([`crypto`]), accounts and roles ([`users`]),
//! quality-control sampling ([`qa`]) and data subjects' rights
//! ([`subject`]). The audit chain is kept by the store (`store::audit`).

pub mod crypto;
pub mod letter;
pub mod qa;
pub mod subject;
pub mod users;
