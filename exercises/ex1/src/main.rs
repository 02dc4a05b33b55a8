//! The `ex1` program: the given front end (`cli.rs`) calls your code in `exercise.rs`.
mod cli;
mod exercise;

fn main() -> std::process::ExitCode {
    cli::main()
}
