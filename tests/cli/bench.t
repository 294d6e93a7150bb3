#!/bin/sh
# tests: scripts/bench.sh (the script, not the timings: no speed is
# asserted here)
# requires: mzgen; the rows of tools not built must say so
. "$(dirname "$0")/lib.sh"

BENCH=$TOP/scripts/bench.sh
[ -x "$B/tests/tools/mzgen" ] || t_skip_all "mzgen not built in $B"
mkdir "$T/tmp"

# The whole quick run: exit 0, the table header, a row for every section,
# each either measured (a ratio, N.NNx) or "skipped: why".
out=$(MZ_BUILD=$B TMPDIR=$T/tmp BENCH_QUICK=1 "$BENCH" 2>"$T/err")
s=$?
t_is "quick run exits 0" 0 "$s"
[ "$s" -eq 0 ] || sed 's/^/# stderr: /' "$T/err" | tail -5
t_like "it prints the table header" \
    '^section +measurement +mz +reference +ratio +target$' "$out"
for sec in cat zstd csv mem pca; do
	rows=$(printf '%s\n' "$out" | grep -E "^$sec ")
	t_like "a row for section $sec" \
	    "^$sec +.*([0-9]\.[0-9][0-9]x|skipped: .+|MB/s)" "$rows"
done
# mz-cat is built with the library's tools: its rows are measured.
if [ -x "$B/bin/mz-cat" ]; then
	t_like "with mz-cat built, the cat row is measured against cat" \
	    '^cat +stream copy.* MB/s +[0-9]+ MB/s cat +[0-9.]+x +>= 0\.5x (ok|MISSED)$' \
	    "$out"
else
	t_like "without mz-cat, the cat row says so" \
	    '^cat .*skipped: mz-cat not built' "$out"
fi
t_is "the temporary data is removed" "" "$(ls "$T/tmp")"

# One section only.
out=$(MZ_BUILD=$B TMPDIR=$T/tmp BENCH_QUICK=1 "$BENCH" mem 2>/dev/null)
t_is "one section: rows of that section only" "" \
    "$(printf '%s\n' "$out" | sed -n '4,$p' | grep -v '^mem ')"
t_like "... and they are there" '^mem ' "$out"

# A build without the tools: every row that needs one says it is missing
# (and the script still exits 0).
mkdir -p "$T/bare/bin" "$T/bare/tests/tools"
ln -s "$B/tests/tools/mzgen" "$T/bare/tests/tools/mzgen"
out=$(MZ_BUILD=$T/bare TMPDIR=$T/tmp BENCH_QUICK=1 "$BENCH" cat csv mem pca \
    2>/dev/null)
t_is "tools missing: exit 0" 0 "$?"
t_like "... cat: skipped: mz-cat not built" \
    '^cat +stream copy.*skipped: mz-cat not built' "$out"
t_like "... csv: skipped: mz-cat not built" \
    '^csv .*skipped: mz-cat not built' "$out"
t_like "... mem: skipped, naming the tools" \
    '^mem .*skipped: mz-cat, mz-filter, mz-select not built' "$out"
t_like "... pca: skipped: mz-pca not built" \
    '^pca .*skipped: mz-pca not built' "$out"

# Bad arguments: usage, exit 2.
t_fails "an unknown section is a usage error" 2 '^usage: scripts/bench.sh' \
    "$BENCH" nosuch
t_fails "a bad REPEAT is refused" 2 'bad REPEAT' \
    env REPEAT=x "$BENCH" cat
t_done
