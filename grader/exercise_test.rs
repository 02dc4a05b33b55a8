//! The test target of every exercise crate and every solution crate (`cargo test -p ex3`,
//! `cargo test -p ex3-solution`): it grades that crate's own binary against its exercise's rubric,
//! one named test per rubric entry. Arguments work as for any test: `cargo test -p ex3 -- same_file`.
//! The binary is found and built when the test runs (see `grader::harness::main`).

fn main() -> std::process::ExitCode {
    grader::harness::main(env!("CARGO_PKG_NAME"))
}
