//! The test target of every exercise crate and every solution crate (`cargo test -p ex3`,
//! `cargo test -p ex3-solution`): it grades that crate's own binary against its exercise's rubric,
//! one named test per rubric entry. Arguments work as for any test: `cargo test -p ex3 -- same_file`.

fn main() -> std::process::ExitCode {
    grader::harness::main(
        env!("CARGO_PKG_NAME"),
        env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME"))).as_ref(),
    )
}
