//! Letters from templates: which letter each addressee gets, the view a template sees, and the
//! templates themselves (built in, overridden by the user's folders).

pub mod letter;
pub mod templates;
