#!/usr/bin/env bash
# `make autolab`: dist/autolab/ (or the folder given), an Autolab lab's autograder:
# autograde-Makefile and autograde.tar (grade.sh, which grades the hand-in with the image's kit),
# and image/, the Dockerfile of the grading image (the same as PrairieLearn's) with the kit it
# copies in, without its answers (`grader export`), from the committed files only.
# GRADER_BIN names a built grader to copy the kit with, instead of `cargo run`.
set -euo pipefail
source "$(dirname "$0")/../publish/committed.sh"
out=$(realpath -m "${1:-$kit/dist/autolab}")
rm -rf "$out"
mkdir -p "$out/image" "$stage/tar/mmap-lab-autograde"
(cd "$kit" && "${grader[@]}" --kit "$stage/committed" export "$out/image/kit")
cp "$stage/committed/grader/prairielearn/Dockerfile" "$out/image/"
cp "$stage/committed/grader/autolab/autograde-Makefile" "$out/"
cp "$stage/committed/grader/autolab/grade.sh" "$stage/tar/mmap-lab-autograde/"
tar -cf "$out/autograde.tar" -C "$stage/tar" mmap-lab-autograde
echo "wrote $out"
