//! A bare `cargo test` in a student's kit tests the kit's support code (this crate and the
//! grader's own unit tests) and grades no exercise: this says which commands do. In the
//! instructor's kit (with its `solutions/`), `cargo test` does test the solutions: it says nothing.

fn main() {
    // Cargo runs a test in its package's folder: the kit is two folders up.
    if std::path::Path::new("../../solutions").is_dir() {
        return;
    }
    println!(
        "\nThis `cargo test` tests the kit's support code and grades no exercise:\n  \
         cargo test -p ex1   grades one exercise (its own #[test]s first), and so on for each\n  \
         make grade          grades them all, with the total\n  \
         make help           lists the kit's commands\n"
    );
}
