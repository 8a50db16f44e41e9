//! What the user's files mean: campaigns, the recipient directory, supporters, and the values
//! they hold, each checked once into a type that cannot hold a bad value. Imports nothing of ours
//! outside `model`.

pub mod address;
pub mod agree;
pub mod campaign;
pub mod contact;
pub mod country;
pub mod diag;
pub mod directory;
pub mod fs;
pub mod hash;
pub mod hours;
pub mod lang;
pub mod project;
pub mod region;
pub mod slug;
pub mod supporter;
pub mod text;
pub mod yaml;
