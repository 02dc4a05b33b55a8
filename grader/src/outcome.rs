//! How a check ends when it does not pass. A leaf module: everything that judges (assertions,
//! the checks' API, checks) and everything that reports builds on it, and it depends on nothing.

use std::fmt;

/// Why a check did not pass. Only `Fail` is the program's doing: the other two are never points
/// lost, and are reported as such.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The program did something wrong; the reason is written for the student.
    Fail(String),
    /// The check could not run on this machine (a kernel feature is missing, say): no points are
    /// given for it, and the report says why.
    NotRun(String),
    /// The grader itself failed (it could not make a fixture, start a program, ...).
    GraderError(String),
}

/// The result of a check.
pub type Verdict = Result<(), Problem>;

impl Problem {
    pub fn reason(&self) -> &str {
        match self {
            Problem::Fail(r) | Problem::NotRun(r) | Problem::GraderError(r) => r,
        }
    }

    /// The same kind of problem, its reason rewritten: whoever's fault it was stays so.
    pub fn map_reason(self, f: impl FnOnce(String) -> String) -> Problem {
        match self {
            Problem::Fail(r) => Problem::Fail(f(r)),
            Problem::NotRun(r) => Problem::NotRun(f(r)),
            Problem::GraderError(r) => Problem::GraderError(f(r)),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// A plain reason is the program's failure: `Err(format!(..))?` and `map_err(|why| ..)?` fail
/// the check.
impl From<String> for Problem {
    fn from(reason: String) -> Problem {
        Problem::Fail(reason)
    }
}

impl From<&str> for Problem {
    fn from(reason: &str) -> Problem {
        Problem::Fail(reason.to_owned())
    }
}

/// Fails a check unless `cond` holds.
pub fn ensure(cond: bool, reason: impl FnOnce() -> String) -> Verdict {
    if cond {
        Ok(())
    } else {
        Err(Problem::Fail(reason()))
    }
}

/// The grader could not do its own part: `fixture_op().map_err(grader_error)?`.
pub fn grader_error(why: impl fmt::Display) -> Problem {
    Problem::GraderError(why.to_string())
}

/// Rewords a failure for the student (adding what was being checked), leaving a check that did
/// not run or a grader error as it is.
pub trait Reword {
    fn reword(self, f: impl FnOnce(String) -> String) -> Verdict;
}

impl Reword for Verdict {
    fn reword(self, f: impl FnOnce(String) -> String) -> Verdict {
        self.map_err(|problem| match problem {
            Problem::Fail(reason) => Problem::Fail(f(reason)),
            other => other,
        })
    }
}
