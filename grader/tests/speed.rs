//! The speed test is not flaky: graded again and again in one run, the reference ex3 passes it
//! every time, and a pathological copy (msync after every page) fails it every time. This file
//! is a test binary of its own so that nothing else runs beside it.

mod support;

use grader::compile::build;
use grader::events::Status;
use grader::grade::run_one;

#[test]
fn the_speed_test_passes_the_reference_and_fails_a_pathological_copy_every_time() {
    let test = grader::rubric::tests_of("ex3")
        .find(|t| t.name == "as_fast_as_cp")
        .unwrap();
    let reference = build(&support::kit_root(), "ex3-solution").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pathological = support::all_mutants()
        .find(|m| m.name == "msync-every-page")
        .unwrap();
    let slow = support::build(dir.path(), &[pathological]).remove(0);
    for seed in 0..8 {
        let outcome = run_one(test, &reference, seed);
        assert!(
            outcome.passed(),
            "run {seed}: the reference failed: {:?}",
            outcome.status
        );
        assert!(
            outcome.notes.iter().any(|n| n.contains("times cp's time")),
            "the ratio is reported"
        );
    }
    for seed in 0..3 {
        let outcome = run_one(test, &slow, seed);
        let Status::Fail { reason: failure } = &outcome.status else {
            panic!(
                "run {seed}: msync after every page was not failed: {:?}",
                outcome.status
            )
        };
        assert!(
            failure.contains("times cp's time"),
            "the ratio is reported: {failure}"
        );
    }
}
