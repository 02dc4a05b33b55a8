//! The grader's build script, run for this crate too: the instructor's tests take in the grader's
//! test support (`instructor/tests/support/mod.rs`), which includes the mutant tables it lists.

#[path = "../grader/build.rs"]
mod grader_build;

fn main() {
    grader_build::main();
}
