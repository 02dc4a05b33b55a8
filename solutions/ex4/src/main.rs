//! The reference `ex4`: the student crate's front end, with the reference `exercise.rs`.
#[path = "../../../exercises/ex4/src/cli.rs"]
mod cli;
mod exercise;

fn main() -> std::process::ExitCode {
    cli::main()
}
