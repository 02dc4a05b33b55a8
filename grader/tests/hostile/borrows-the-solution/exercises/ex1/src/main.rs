//! Hostile: compiles in the reference solution instead of its own exercise.rs.
mod cli;
#[path = "../../../solutions/ex1/src/exercise.rs"]
mod exercise;

fn main() -> std::process::ExitCode {
    cli::main()
}
