#!/usr/bin/env bash
# `make prairielearn`: dist/prairielearn/ (or the folder given), for PrairieLearn's external
# grading: question/, a question folder to put in a course's questions/ (info.json with its
# externalGradingOptions, question.html, and tests/grade, the entry point), and image/, the
# Dockerfile of the grading image with the kit it copies in, without its answers (`grader export`:
# no reference solutions, no grader tests), from the committed files only.
# GRADER_BIN names a built grader to copy the kit with, instead of `cargo run`.
set -euo pipefail
source "$(dirname "$0")/../publish/committed.sh"
out=$(realpath -m "${1:-$kit/dist/prairielearn}")
rm -rf "$out"
mkdir -p "$out/image"
(cd "$kit" && "${grader[@]}" --kit "$stage/committed" export "$out/image/kit")
cp "$stage/committed/grader/prairielearn/Dockerfile" "$out/image/"
cp -r "$stage/committed/grader/prairielearn/question" "$out/question"
chmod +x "$out/question/tests/grade"
echo "wrote $out"
