//! Protection of the people and papers the station holds: encryption at
//! rest with the station key ([`crypto`]), accounts and roles ([`users`]),
//! quality-control sampling ([`qa`]), data subjects' rights ([`subject`],
//! the letter to the household in [`letter`]) and the paper originals
//! after scanning ([`originals`]). The audit chain is kept by the store
//! (`store::audit`).

pub mod crypto;
pub mod letter;
pub mod originals;
pub mod qa;
pub mod subject;
pub mod users;
