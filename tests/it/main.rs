//! The integration tests, as one test binary so that the test build links the library once:
//! each module runs the stages or the real binary on fixture folders built in code
//! (`common`), or on the bundled sample.

mod common;

mod browser;
mod build;
mod changes;
mod cli;
mod comparisons;
mod estimates;
mod explain;
mod faults;
mod hostile;
mod html;
mod icb;
mod input_limits;
mod metrics;
mod national;
mod participation;
mod plans;
mod properties;
mod publication;
mod regenerate;
mod revisions;
mod sample;
mod templates;
mod validate_rules;
