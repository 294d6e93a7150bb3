#!/bin/sh
# tests: the worked examples of mz(7).  Every literal display (.Bd -literal
# and .Dl) of a subsection named below is a shell command, run in order in
# one scratch directory, so that later commands use earlier outputs, as a
# reader following the page would.
# requires: every tool the sections use
. "$(dirname "$0")/lib.sh"

page=$TOP/man/man7/mz.7
# chapter|section: the sections of one chapter run in one directory.
DATA=${DATA:-}
export DATA
for entry in "labels|Scoring syllables against labels" \
    "dataset|A dataset from scratch" "dataset|Indexing the raw files" \
    "dataset|Converting" "dataset|Videos" "dataset|Looking at the dataset" \
    "dataset|Checking, moving and sharing the dataset"; do
	chapter=${entry%%|*}
	section=${entry#*|}
	if ! grep -q "^\.Ss $section\$" "$page"; then
		_result 1 "mz(7) has a section '$section'"
		continue
	fi
	if [ "$chapter" = dataset ] && [ -z "$DATA" ]; then
		echo "# skipping '$section': it indexes the real files of ../shared/data"
		continue
	fi
	dir=$T/$chapter
	mkdir -p "$dir"
	# Displays of the section, one command per display (a display may
	# hold several lines and continuations).  In a display with "$ "
	# lines only those are commands (the others show their output).
	awk -v sec="$section" '
		function flush() {
			for (i = 1; i <= nl; i++)
				if (!dollar || sub(/^\$ /, "", line[i]))
					print line[i]
			print "#--"
			nl = 0; dollar = 0
		}
		/^\.S[hs] / { in_sec = ($0 == ".Ss " sec); next }
		!in_sec { next }
		/^\.Dl / { sub(/^\.Dl /, ""); sub(/^\$ /, ""); print
			print "#--"; next }
		/^\.Bd -literal/ { lit = 1; next }
		/^\.Ed/ { if (lit) flush(); lit = 0; next }
		lit { line[++nl] = $0; if ($0 ~ /^\$ /) dollar = 1 }
	' "$page" | sed -e 's/\\e/\\/g' -e 's/\\(aq/'"'"'/g' -e 's/\\-/-/g' \
	    -e 's/\\(mu/*/g' > "$dir/.all"
	n=0
	: > "$dir/.cmd"
	while IFS= read -r line; do
		if [ "$line" = "#--" ]; then
			n=$((n + 1))
			cmd=$(cat "$dir/.cmd")
			t_ok "mz(7) $section, display $n: $(head -1 "$dir/.cmd")" \
			    sh -ec "cd '$dir' && $cmd"
			: > "$dir/.cmd"
		else
			printf '%s\n' "$line" >> "$dir/.cmd"
		fi
	done < "$dir/.all"
	[ $n -gt 0 ] || _result 1 "mz(7) $section has runnable displays"
done
t_done
