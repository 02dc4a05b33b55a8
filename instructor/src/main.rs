//! The `instructor` binary: the instructor's command line (see `cli.rs`).

fn main() -> std::process::ExitCode {
    instructor::cli::main()
}
