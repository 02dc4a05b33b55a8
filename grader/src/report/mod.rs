//! Reporters: how results are shown. They only format; the checks never print.

pub mod json;
pub mod terminal;

use crate::grade::Outcome;

/// Points scored and points possible.
pub fn totals<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> (u32, u32) {
    outcomes.into_iter().fold((0, 0), |(got, max), o| {
        (got + o.score(), max + o.test.points)
    })
}
