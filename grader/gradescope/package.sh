#!/usr/bin/env bash
# `make gradescope`: dist/gradescope.zip (or the path given): setup.sh and run_autograder at the
# top, as Gradescope's autograder format asks, and the kit without its answers (`grader export`:
# no reference solutions, no grader tests with their C programs and mutants), because submitted
# code is compiled and run in the image and could read anything in it. Only committed files are
# packed (git archive), so no build output or local change goes in.
# GRADER_BIN names a built grader to copy the kit with, instead of `cargo run`.
set -euo pipefail
source "$(dirname "$0")/../publish/committed.sh"
out=$(realpath -m "${1:-$kit/dist/gradescope.zip}")
(cd "$kit" && "${grader[@]}" --kit "$stage/committed" export "$stage/bundle")
cp "$stage/committed/grader/gradescope/setup.sh" "$stage/committed/grader/gradescope/run_autograder" "$stage/bundle/"
chmod +x "$stage/bundle/setup.sh" "$stage/bundle/run_autograder"
mkdir -p "$(dirname "$out")"
rm -f "$out"
(cd "$stage/bundle" && python3 -m zipfile -c "$out" ./*)
echo "wrote $out"
