#!/usr/bin/env bash
# `make student-kit`: dist/student-kit/ (or the folder given) and dist/student-kit.tar.gz beside
# it: the kit as a class gets it (`instructor student-kit`: no answers, no instructor material),
# made from the committed files. A student kit left there by an earlier run is replaced.
# INSTRUCTOR_BIN names a built instructor binary to use, instead of `cargo run`.
set -euo pipefail
source "$(dirname "$0")/committed.sh"
out=$(realpath -m "${1:-$kit/dist/student-kit}")
# Only an earlier student kit is removed; any other folder there makes the instructor refuse.
if [ -f "$out/exercises/ex1/Cargo.toml" ] && [ -f "$out/Makefile" ]; then
    rm -rf "$out"
fi
rm -f "$out.tar.gz"
(cd "$kit" && "${instructor[@]}" --kit "$stage/committed" student-kit "$out")
tar -czf "$out.tar.gz" -C "$(dirname "$out")" "$(basename "$out")"
echo "wrote $out.tar.gz"
