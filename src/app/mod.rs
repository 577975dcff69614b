//! The application layer: what each command does, on top of the pipeline stages. The CLI
//! parses arguments, calls one of these and prints what it returns.

pub mod collection;
pub mod explain;
pub mod mdt;
pub mod metrics;
pub mod tables;
pub mod template_data;
pub mod validate;
