# The mmap lab kit. `make grade` grades your exercises; `make handin` packs them to submit.
CARGO ?= cargo
# The grader works on the kit it is given: this folder, wherever it is now (never a path built in).
# It is ex1's example `ex1-grader`: the grader's command line on the build of the grader that
# `cargo test -p exN` makes (a second, release build would take as long again).
GRADER := $(CARGO) run -q -p ex1 --example ex1-grader -- --kit "$(CURDIR)"

.PHONY: grade status hint watch handin check-handin bench help
.DEFAULT_GOAL := grade

## grade: build and grade your exercises (exercises/exN); the last line is `Score: N/M`
grade:
	@$(GRADER)

## status: one line per exercise: its points and the names of its failing tests
#  (a score below full marks, status 1, is no error here)
status:
	@$(GRADER) status || [ $$? -eq 1 ]

## hint: an exercise's hint topics (EX=ex3), or the next hint of one (T=window; N=2: its 2nd)
hint:
	@$(GRADER) hint $(EX) $(T) $(N)

## watch: grade an exercise again each time a file of its src/ changes (EX=ex3; Ctrl-C stops)
#  failing tests first
watch:
	@$(GRADER) watch $(EX)

## handin: handin.tar.gz, your exercise sources (exercises/ex*/src) and a manifest, to submit
handin:
	@$(GRADER) handin --out handin.tar.gz

## bench: how fast your ex3 copies against cp(1), read/write and copy_file_range, outside the grader
#  (the reference ex3 in an instructor's kit); ARGS="--4g --rounds N --ex3 NAME=PATH"
bench:
	$(CARGO) bench -q -p grader --bench copy -- $(ARGS)

## check-handin: grade handin.tar.gz exactly as your instructor's autograder will
check-handin:
	@$(GRADER) --submission handin.tar.gz

## help: these commands, one line each
help:
	@sed -n -e '/^# ---- Instructors/q' -e 's/^## \([a-z-]*\): */make \1: /p' $(firstword $(MAKEFILE_LIST))

# ---- Instructors' targets: the student kit's Makefile is everything above this line. ----
.PHONY: grade-solutions test lint gradescope prairielearn autolab student-kit new-exercise
# The instructor's binary (instructor/, not in a student kit): a class's batch, similarity, the
# student kit, new exercises.
INSTRUCTOR := $(CARGO) run --release -q -p instructor -- --kit "$(CURDIR)"

## grade-solutions: grade the reference solutions (they score full marks)
grade-solutions:
	@$(GRADER) --solutions

## test: the kit's whole test suite: the solutions against their rubrics, the grader's self-tests
##       (solutions at 100, stubs at 0, every mutant caught, the student kit), formatting and lints
test: lint
	$(CARGO) test --release

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --release -q -- -D warnings

## gradescope: dist/gradescope.zip, the autograder for Gradescope (setup.sh, run_autograder, the kit)
gradescope:
	@bash grader/gradescope/package.sh

## prairielearn: dist/prairielearn/, an external-grading question (question/, for a course's
##               questions/) and its grading image (image/: Dockerfile and the kit, no answers)
prairielearn:
	@bash grader/prairielearn/package.sh

## autolab: dist/autolab/, an Autolab lab's autograder (autograde-Makefile, autograde.tar) and its
##          grading image (image/: the same Dockerfile as PrairieLearn's, and the kit, no answers)
autolab:
	@bash grader/autolab/package.sh

## new-exercise: scaffold exercise EX (EX=ex5): its crates, checks and rubric rows, a mutant and
##               a C version, as new files only; it grades as a working example at once
new-exercise:
	@$(INSTRUCTOR) new-exercise $(EX)

## student-kit: dist/student-kit/ and dist/student-kit.tar.gz, what a class gets (no answers)
student-kit:
	@bash grader/publish/student-kit.sh
