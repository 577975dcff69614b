//! Stages 1 and 2, the input: everything that reads what arrives from outside and says what
//! is wrong with it. `load` reads one census-year folder into the typed [`census::Census`];
//! `validate` applies the rules that look across files and organisations; `plans` reads the
//! LAs' expansion planning workbooks through the bounded `spreadsheet` reader; `reference`
//! holds the geography compiled into the program; `pipeline` runs load and validate for a
//! year and the years beside it. Every problem is a [`finding::Finding`] naming file, line
//! (or sheet and cell) and field.

pub mod census;
pub mod finding;
pub mod load;
pub mod pipeline;
pub mod plans;
pub mod reference;
pub mod spreadsheet;
pub mod validate;
