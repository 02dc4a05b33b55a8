#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: it installs the Rust toolchain
# and builds the grader and every dependency, so that grading a submission only compiles the
# student's four crates. The kit here holds no reference solutions (see package.sh).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
KIT="$ROOT/source"

apt-get update -qq
apt-get install -y -qq build-essential curl ca-certificates util-linux python3 >/dev/null
if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --default-toolchain none
fi
# shellcheck disable=SC1091
source "$HOME/.cargo/env"

cd "$KIT"
# The compiler of rust-toolchain.toml: the one the students and their CI build with.
if command -v rustup >/dev/null; then
    rustup toolchain install
fi
cargo build --release -p grader
# The dependencies of the exercises, compiled where submissions will be built: the student crates,
# stubs here, are built as a submission's are, with the same dependencies and features.
# Every exercise of the kit (each a crate under exercises/, named as its folder).
packages=()
for crate in exercises/ex*/; do
    packages+=(-p "$(basename "$crate")")
done
CARGO_TARGET_DIR="$KIT/target/submissions" cargo build --release "${packages[@]}"
# The source is root's alone: the programs under test run as uids of their own, which then cannot
# read it even where the kernel has no Landlock (the grader stages the binaries they run).
chmod 700 "$KIT"
