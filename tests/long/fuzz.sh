#!/bin/sh
# make check-long: builds the libFuzzer targets (clang, ASan+UBSan) and runs
# each for FUZZ_TIME seconds (default 180) from its seed corpus and kept
# crashers.  A crash or a broken invariant fails; the input is left in
# build-fuzz/crashes/TARGET/.  Figures (executions, new units, peak RSS)
# are printed and kept in build-fuzz/summary.txt.
set -u
cd "${INBOXD_TOP:-.}"
command -v "${FUZZ_CC:-clang}" >/dev/null || { echo "fuzz: clang is not installed (make deps)"; exit 1; }
mkdir -p build-fuzz
make -s fuzz-run FUZZ_TIME="${FUZZ_TIME:-180}" >build-fuzz/summary.txt 2>&1
rc=$?
cat build-fuzz/summary.txt
exit $rc
