//! Hostile (and wrong): "copies" by creating an empty destination.
use std::path::Path;

use cli_support::{Context, Outcome};

pub fn copy(_src: &Path, dst: &Path) -> Outcome {
    std::fs::File::create(dst).with_path("cannot create", dst)?;
    Ok(())
}
