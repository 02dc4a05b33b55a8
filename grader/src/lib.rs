pub mod harness {
    pub fn main(_pkg: &str, _bin: &std::path::Path) -> std::process::ExitCode {
        std::process::ExitCode::SUCCESS
    }
}
