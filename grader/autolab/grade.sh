#!/usr/bin/env bash
# In autograde.tar: grades the hand-in given (handin.tar.gz) with the kit built in the grading
# image (../prairielearn/Dockerfile: /autograder/source), printing the grader's report and, last,
# the score line Autolab reads. MMAP_LAB_KIT moves the kit, for tests.
#
# When the grader itself fails, the last line is this script's message, not a score: Autolab then
# reports the job as failed instead of recording a 0.
set -uo pipefail
KIT="${MMAP_LAB_KIT:-/autograder/source}"
[ -f "$HOME/.cargo/env" ] && source "$HOME/.cargo/env"

submission=$(mktemp -d)
trap 'rm -rf "$submission"' EXIT
cp "$1" "$submission/" || exit 1
cd "$KIT" || exit 1
# The score line goes after the report, on the same stdout (a pipe or a file: never truncated).
NO_COLOR=1 "$KIT/target/release/grader" --kit "$KIT" --submission "$submission" \
    --format autolab --out /dev/stdout
status=$?
# 0: full marks, 1: graded below full marks. Anything else: the grader could not grade.
[ "$status" -le 1 ] && exit 0
echo "grade.sh: the grader failed (status $status); this is not a grade. Please tell your instructor."
exit 1
