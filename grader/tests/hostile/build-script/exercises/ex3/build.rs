// Hostile: a build script would run on the grading machine at build time.
fn main() {
    let _ = std::fs::write("/tmp/build-script-ran", "pwned");
}
