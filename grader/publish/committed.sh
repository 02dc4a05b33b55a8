# Sourced by the scripts that publish the kit (gradescope/package.sh, publish/student-kit.sh). It
# sets $kit (this kit), $grader (the command that runs its grader: GRADER_BIN, a built grader, or
# else `cargo run`), $instructor (the same for the instructor's binary: INSTRUCTOR_BIN) and $stage, a scratch folder removed on exit, whose committed/ holds the kit's
# committed files (git archive): no build output, and no local change (an instructor's own answer
# in an exercise, say) is ever published.
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -n "${GRADER_BIN:-}" ]; then
    grader=("$GRADER_BIN")
else
    grader=("${CARGO:-cargo}" run --release -q -p grader --)
fi
if [ -n "${INSTRUCTOR_BIN:-}" ]; then
    instructor=("$INSTRUCTOR_BIN")
else
    instructor=("${CARGO:-cargo}" run --release -q -p instructor --)
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/committed"
git -C "$kit" archive --format=tar HEAD | tar -x -C "$stage/committed"
# What is not committed is left out: say so, so that a new exercise not yet committed (whose checks
# the grader in use already has) is not a riddle.
left_out=$(git -C "$kit" status --porcelain --untracked-files=normal -- exercises solutions grader)
if [ -n "$left_out" ]; then
    echo "note: only committed files are packed; these are not committed and are left out:" >&2
    echo "$left_out" | sed 's/^/    /' >&2
fi
