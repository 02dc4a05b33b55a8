//! What a results file shows once, above its tests, for the formats that have a place for it
//! (Gradescope's and PrairieLearn's `output`): the sandbox in force, the submission's files
//! ignored, the exercises that did not build and why. And what repeats the run: its seed and the
//! hash of the submission's files.

use std::path::Path;

use serde_json::json;

use crate::events::{Event, Status};

#[derive(Default)]
pub struct Preamble {
    pub output: String,
    /// `seed`, and `submission_sha256` for a submission.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Exercises built, and exercises that did not build by the student's fault.
    pub built: usize,
    pub not_compiled: usize,
}

impl Preamble {
    /// Takes in one event of the run (`RunStarted` starts afresh).
    pub fn take(&mut self, event: &Event<'_>) {
        match event {
            Event::RunStarted { sandbox, seed, .. } => {
                *self = Preamble::default();
                self.output = sandbox.iter().map(|l| format!("sandbox: {l}\n")).collect();
                self.extra.insert("seed".into(), json!(seed));
            }
            Event::FilesIgnored {
                taken,
                ignored,
                hash,
            } => {
                self.output
                    .push_str(&super::terminal::files(*taken, ignored));
                self.extra.insert("submission_sha256".into(), json!(hash));
            }
            Event::ExerciseBuilt { .. } => self.built += 1,
            Event::ExerciseNotBuilt { exercise, status } => {
                if let Status::Fail { .. } = status {
                    self.not_compiled += 1;
                }
                let why = status.reason().map_or("", |r| r.as_str());
                let why: String = why.lines().map(|l| format!("    {l}\n")).collect();
                self.output += &format!("{exercise} was not built:\n{why}");
            }
            _ => {}
        }
    }
}

/// Removes the results file at `path` after a run that is no grade, so that none from an earlier
/// run passes for this one's. Only a regular file: `--json /dev/stdout` leaves the device be.
pub fn remove_results(path: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {
            std::fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}
