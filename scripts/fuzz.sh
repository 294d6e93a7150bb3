#!/bin/sh
# fuzz.sh - build the libFuzzer targets of tests/fuzz/ with AddressSanitizer
# and UndefinedBehaviorSanitizer, seed their corpora with small valid
# streams, and run each for its share of SECONDS (default 60): two thirds
# for the stream reader (tests/fuzz/reader.c), one third for header JSON
# (tests/fuzz/header.c).  Everything lives in build-fuzz/ (FUZZ_BUILD):
# the libmz sources compiled twice (instrumented for the targets, plain
# for the seed writers), the targets, seeds/ (rewritten each run),
# corpus/ (what the fuzzer found interesting; kept between runs, so later
# runs start further on) and crashes/.
#
# Exit status: 0 when no target crashed, 1 when one did (the input that
# crashed it is printed: reproduce with build-fuzz/TARGET FILE), 2 for a
# bad argument or a failed build.
#
# usage: scripts/fuzz.sh [SECONDS]   (environment: CC, default clang;
#        FUZZ_BUILD)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
SECS=${1:-60}
case $SECS in
'' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;;
esac
[ "$SECS" -ge 2 ] || { echo "fuzz.sh: SECONDS must be at least 2" >&2; exit 2; }
CC=${CC:-clang}
case $CC in *clang*) ;; *) CC=clang ;; esac
command -v "$CC" >/dev/null 2>&1 || {
	echo "fuzz.sh: $CC not found (scripts/install-deps.sh installs it)" >&2
	exit 2
}
F=${FUZZ_BUILD:-build-fuzz}
BASE="-std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Ilib -Wall -Wextra -Werror -g"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
LIBS="-lzstd -lxxhash -lcjson -lm -lpthread"

# compile KIND FLAGS: lib/*.c to $F/KIND/*.o, each only when it is older
# than its source or a library header.
compile() {
	mkdir -p "$F/$1"
	for c in lib/*.c; do
		o=$F/$1/$(basename "$c" .c).o
		if [ ! -f "$o" ] || [ -n "$(find "$c" lib/mz.h lib/internal.h \
		    -newer "$o")" ]; then
			# shellcheck disable=SC2086
			$CC $BASE $2 -c -o "$o" "$c" || exit 2
		fi
	done
}

echo "fuzz.sh: building in $F/"
compile lib-fuzz "-O1 $SAN -fsanitize=fuzzer-no-link"
compile lib-plain "-O2"
# shellcheck disable=SC2086
$CC $BASE -O2 -o "$F/mzgen" tests/tools/mzgen.c "$F"/lib-plain/*.o $LIBS ||
    exit 2
# shellcheck disable=SC2086
$CC $BASE -O2 -o "$F/seeds" tests/fuzz/seeds.c "$F"/lib-plain/*.o $LIBS ||
    exit 2
TARGETS="reader header"
for t in $TARGETS; do
	# shellcheck disable=SC2086
	$CC $BASE -O1 $SAN -fsanitize=fuzzer -o "$F/$t" "tests/fuzz/$t.c" \
	    "$F"/lib-fuzz/*.o $LIBS || exit 2
done

# Seeds: standard tracks from mzgen in every codec, with zero-row parts,
# missing values and several parts, and the corner cases of seeds.c.
rm -rf "$F/seeds.d"
mkdir -p "$F/seeds.d/reader" "$F/seeds.d/header" "$F/corpus/reader" \
    "$F/corpus/header" "$F/crashes"
for c in none zstd shuffle; do
	"$F/mzgen" -s 2 -i 2 -n 50 -k 2 -c $c -o "$F/seeds.d/reader/gen-$c.mzs"
	"$F/mzgen" -s 1 -i 3 -n 0 -k 1 -c $c -o "$F/seeds.d/reader/zero-$c.mzs"
	"$F/mzgen" -s 1 -i 1 -n 300 -k 1 -m 3 -c $c \
	    -o "$F/seeds.d/reader/miss-$c.mzs"
done
"$F/seeds" "$F/seeds.d/reader" "$F/seeds.d/header"
echo "fuzz.sh: $(ls "$F/seeds.d/reader" | wc -l) stream seeds," \
    "$(ls "$F/seeds.d/header" | wc -l) header seeds"

# The time split: the reader gets two thirds, the header target the rest.
status=0
for t in $TARGETS; do
	case $t in
	reader) secs=$((SECS * 2 / 3)) ;;
	*) secs=$((SECS - SECS * 2 / 3)) ;;
	esac
	log=$F/$t.log
	before=$(ls "$F/crashes" | wc -l)
	echo "fuzz.sh: $t for ${secs}s (log: $log)"
	set +e
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$F/$t" -max_total_time="$secs" -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
	    -dict="tests/fuzz/$t.dict" \
	    -artifact_prefix="$F/crashes/$t-" \
	    "$F/corpus/$t" "$F/seeds.d/$t" > "$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    awk '{ s += $1 } END { print s + 0 }')
	echo "fuzz.sh: $t: exit $rc, $execs executions," \
	    "corpus $(ls "$F/corpus/$t" | wc -l) files"
	if [ "$rc" -ne 0 ] || [ "$(ls "$F/crashes" | wc -l)" -ne "$before" ]; then
		status=1
		grep -E '^(==[0-9]+==ERROR|SUMMARY|invariant failed)|runtime error' \
		    "$log" | head -5 | sed 's/^/fuzz.sh:   /'
		sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
		    while read -r f; do
			echo "fuzz.sh: $t crashed on $f (reproduce: $F/$t $f)"
		done
	fi
done
[ "$status" -eq 0 ] && echo "fuzz.sh: no crashes"
exit "$status"
