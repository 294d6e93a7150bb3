#!/bin/sh
# fuzz.sh - build the libFuzzer targets of tests/fuzz/ with AddressSanitizer
# and UndefinedBehaviorSanitizer, seed their corpora with small valid
# inputs, and run each for its share of SECONDS (default 60): the stream
# reader (tests/fuzz/reader.c) two shares, one share each for header JSON
# (tests/fuzz/header.c), mz-convert's pickle decoder (tests/fuzz/pickle.c,
# seeded with pickles of protocols 0, 2 and 4), its .npy parser
# (tests/fuzz/npy.c, target npy) and its CSV readers (tests/fuzz/csv.c:
# targets csv-dlc, csv-sleap and csv-anipose, seeded with the layouts the
# real tools write).  FUZZ_TARGETS (default: all of them) names the
# targets to run, e.g. FUZZ_TARGETS="npy csv-dlc"; SECONDS is then shared
# among those.  Everything lives in build-fuzz/ (FUZZ_BUILD):
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
#        FUZZ_BUILD, FUZZ_TARGETS)
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

# The libmz sources: the Makefile's LIBSRC (lib/ also holds the video
# modules, which are not part of libmz and need FFmpeg).
LIBSRC=$(sed -n '/^LIBSRC *=/,/[^\\]$/p' Makefile | sed 's/^LIBSRC *=//; s/\\$//')
[ -n "$LIBSRC" ] || { echo "fuzz.sh: no LIBSRC in the Makefile" >&2; exit 2; }

# compile KIND FLAGS: the libmz sources to $F/KIND/*.o, each only when it
# is older than its source or a library header.
compile() {
	mkdir -p "$F/$1"
	for o in "$F/$1"/*.o; do   # objects of sources no longer in LIBSRC
		[ -e "$o" ] || continue
		case " $(echo $LIBSRC) " in
		*" lib/$(basename "$o" .o).c "*) ;;
		*) rm -f "$o" ;;
		esac
	done
	for c in $LIBSRC; do
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
ALL="reader header pickle npy csv-dlc csv-sleap csv-anipose"
TARGETS=${FUZZ_TARGETS:-$ALL}
for t in $TARGETS; do
	case " $ALL " in
	*" $t "*) ;;
	*) echo "fuzz.sh: unknown target '$t' (targets: $ALL)" >&2; exit 2 ;;
	esac
done
for t in reader header; do
	# shellcheck disable=SC2086
	$CC $BASE -O1 $SAN -fsanitize=fuzzer -o "$F/$t" "tests/fuzz/$t.c" \
	    "$F"/lib-fuzz/*.o $LIBS || exit 2
done
# mz-convert's pickle decoder (PyTables attributes) stands alone.
# shellcheck disable=SC2086
$CC $BASE -Itools/mz-convert -O1 $SAN -fsanitize=fuzzer -o "$F/pickle" \
    tests/fuzz/pickle.c tools/mz-convert/pickle.c -lm || exit 2
# mz-convert's .npy parser (TRex) and CSV readers, on conv.c and libmz
# (and tools/common.c, whose csv_field the DLC CSV writer uses).
CV="-Itools/mz-convert -Itools"
mkdir -p "$F/conv-fuzz"
for c in conv dlc_csv sleap_csv anipose ../common; do
	# shellcheck disable=SC2086
	$CC $BASE $CV -O1 $SAN -fsanitize=fuzzer-no-link \
	    -c -o "$F/conv-fuzz/${c#../}.o" "tools/mz-convert/$c.c" || exit 2
done
# shellcheck disable=SC2086
$CC $BASE $CV -O1 $SAN -fsanitize=fuzzer -o "$F/npy" tests/fuzz/npy.c \
    "$F/conv-fuzz/conv.o" "$F"/lib-fuzz/*.o -lzip $LIBS || exit 2
n=1
for t in dlc sleap anipose; do
	# shellcheck disable=SC2086
	$CC $BASE $CV -O1 $SAN -fsanitize=fuzzer -DFUZZ_READER=$n \
	    -o "$F/csv-$t" tests/fuzz/csv.c "$F"/conv-fuzz/*.o \
	    "$F"/lib-fuzz/*.o $LIBS || exit 2
	n=$((n + 1))
done

# Seeds: standard tracks from mzgen in every codec, with zero-row parts,
# missing values and several parts, and the corner cases of seeds.c.
rm -rf "$F/seeds.d"
for t in $ALL; do
	mkdir -p "$F/seeds.d/$t" "$F/corpus/$t"
done
mkdir -p "$F/crashes"
tests/fuzz/conv-seeds.sh "$F/seeds.d" || exit 2
# Pickles as PyTables writes them (protocol 0) and newer protocols.
printf '(lp0\nVx\np1\naVy\np2\na.' > "$F/seeds.d/pickle/p0-list"
printf '(dp0\nVnames\np1\n(lp2\nVa\np3\naNas.' \
    > "$F/seeds.d/pickle/p0-dict"
PY=$(scripts/find-python)
if [ -n "$PY" ]; then
	"$PY" - "$F/seeds.d/pickle" <<'PYSEED' || true
import pickle, sys
import numpy as np
d = sys.argv[1]
vals = [["x", "y", "likelihood"], {"names": [None, "bodyparts"], "n": 3},
        (1, 2.5, True, None, b"ab"), np.arange(6, dtype="<f8").reshape(2, 3),
        np.array([1, 2], dtype=">i2"), np.array(["a", "b"], dtype=object)]
for i, v in enumerate(vals):
    for proto in (0, 2, 4):
        with open("%s/py-%d-%d" % (d, i, proto), "wb") as f:
            pickle.dump(v, f, protocol=proto)
PYSEED
fi
for c in none zstd shuffle; do
	"$F/mzgen" -s 2 -i 2 -n 50 -k 2 -c $c -o "$F/seeds.d/reader/gen-$c.mzs"
	"$F/mzgen" -s 1 -i 3 -n 0 -k 1 -c $c -o "$F/seeds.d/reader/zero-$c.mzs"
	"$F/mzgen" -s 1 -i 1 -n 300 -k 1 -m 3 -c $c \
	    -o "$F/seeds.d/reader/miss-$c.mzs"
done
"$F/seeds" "$F/seeds.d/reader" "$F/seeds.d/header"
for t in $ALL; do
	printf 'fuzz.sh: %s: %s seeds\n' "$t" "$(ls "$F/seeds.d/$t" | wc -l)"
done

# The time split: the stream reader gets two shares, the others one.
shares=0
for t in $TARGETS; do
	case $t in reader) shares=$((shares + 2)) ;; *) shares=$((shares + 1)) ;;
	esac
done
status=0
for t in $TARGETS; do
	case $t in
	reader) secs=$((SECS * 2 / shares)) ;;
	*) secs=$((SECS / shares)) ;;
	esac
	[ "$secs" -ge 1 ] || secs=1
	log=$F/$t.log
	dict=
	[ -f "tests/fuzz/$t.dict" ] && dict=tests/fuzz/$t.dict
	case $t in csv-*) dict=tests/fuzz/csv.dict ;; esac
	before=$(ls "$F/crashes" | wc -l)
	echo "fuzz.sh: $t for ${secs}s (log: $log)"
	set +e
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$F/$t" -max_total_time="$secs" -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
	    ${dict:+-dict="$dict"} \
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
