//! census-reports: turns one census year's workforce data into validated figures and
//! reports. The pipeline runs load → validate → metrics → charts → render → batch; each
//! stage is a module with typed input and output.

pub mod batch;
pub mod census;
pub mod charts;
pub mod cli;
pub mod domain;
pub mod export;
pub mod finding;
pub mod load;
pub mod metrics;
pub mod pipeline;
pub mod reference;
pub mod render;
pub mod sample;
pub mod stats;
pub mod validate;
