#!/bin/sh
# tests: the EXAMPLES of every man page in man/man1 (each "$ " command line
# of a .Dl or .Bd -literal block must exit 0), and --help of every tool
# matching its SYNOPSIS.
# requires: mzgen, mz-cat
. "$(dirname "$0")/lib.sh"

# Fixtures the examples may use.
mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 2 -i 2 -n 300 -k 2 -o features.mzs
mzgen -s 1 -i 1 -n 50 -o small.mzs
mz-cat --csv small.mzs > tracks.csv 2>/dev/null || true

for page in "$TOP"/man/man1/*.1; do
	tool=$(basename "$page" .1)
	[ -x "$B/bin/$tool" ] || continue
	# Commands: "$ " lines inside EXAMPLES, in .Dl or literal displays.
	awk '
		/^\.Sh / { ex = ($2 == "EXAMPLES") }
		ex && /^\.Dl \$ / { sub(/^\.Dl \$ /, ""); print; next }
		ex && /^\.Bd -literal/ { lit = 1; next }
		ex && /^\.Ed/ { lit = 0; next }
		ex && lit && /^\$ / { sub(/^\$ /, ""); print }
	' "$page" | sed -e 's/\\e/\\/g' -e 's/\\(aq/'"'"'/g' -e 's/\\-/-/g' \
	    > "$T/.cmds"
	if [ ! -s "$T/.cmds" ]; then
		_result 1 "$tool: man page has runnable EXAMPLES"
		continue
	fi
	while IFS= read -r cmd; do
		t_ok "$tool example: $cmd" sh -c "$cmd"
	done < "$T/.cmds"

	# --help prints the SYNOPSIS: compare the option words.
	syn=$(mandoc -Tascii "$page" 2>/dev/null | col -bx |
	    awk '/^SYNOPSIS/ { s = 1; next } /^[A-Z]/ { s = 0 } s' |
	    tr -s ' \n\t' '   ' | sed 's/^ //; s/ $//')
	help=$("$tool" --help 2>&1 | sed 's/^usage: //; s/^       //' |
	    tr -s ' \n\t' '   ' | sed 's/^ //; s/ $//')
	t_is "$tool --help matches the SYNOPSIS" "$syn" "$help"
done
t_done
