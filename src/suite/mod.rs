//! Suite files: the model, the YAML reader and the loader that validates them.

pub mod connect_to;
pub mod diagnostic;
pub mod load;
pub mod model;
mod reader;
pub mod status;
pub mod template;
pub mod yaml;

pub use connect_to::ConnectTo;
pub use diagnostic::SuiteErrors;
pub use load::{LoadError, Loaded, load_file, load_str};
pub use model::*;
pub use template::Template;
pub mod schema;
pub use reader::parse_duration;
