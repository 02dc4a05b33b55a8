#!/usr/bin/env bash
# `make gradescope`: dist/gradescope.zip, the kit's sources with setup.sh and run_autograder at the
# top, as Gradescope's autograder format asks. Only committed files are packed (git archive), so
# no build output or local change goes in.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p dist
rm -f dist/gradescope.zip
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
git archive --format=tar HEAD | tar -x -C "$stage"
cp grader/gradescope/setup.sh grader/gradescope/run_autograder "$stage/"
chmod +x "$stage/setup.sh" "$stage/run_autograder"
(cd "$stage" && python3 -m zipfile -c "$OLDPWD/dist/gradescope.zip" ./*  .ci .gitignore)
echo "wrote dist/gradescope.zip"
