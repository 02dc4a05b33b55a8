//! The `grader` binary: the grader's command line (see `cli.rs`).
//!
//! The same file is ex1's example `ex1-grader` (`exercises/ex1/Cargo.toml`), which the kit's
//! Makefile runs: `cargo test -p exN` builds the grader library in the dev profile as a dependency of the
//! exercise's tests, and `cargo test -p ex1` builds this example with it, so that `make hint`,
//! `make status` and `make grade` run on that one build of the grader (the `grader` binary, built
//! in release mode, would be a second build of the grader and of all its dependencies).

fn main() -> std::process::ExitCode {
    grader::cli::main()
}
