#!/bin/sh
# tests: mz-align
# requires: mzgen, mz-info; python3 with numpy for tests/cli/filters-ref.py
# (closed forms of a rigid body, the numpy reference, keypoint-MoSeq's
# center_embedding; skipped without); mz-convert and ../shared/data for the
# real files (skipped without)
. "$(dirname "$0")/lib.sh"

REF=$TOP/tests/cli/filters-ref.py
if [ -n "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then
	NP=$PY
else
	NP=
	echo "# python3 with numpy not found: reference comparisons skipped"
fi

mzgen -s 2 -i 2 -n 300 -o tracks.mzs
mzgen -s 1 -i 2 -n 0 -o empty.mzs
mzgen -s 1 -i 1 -n 50 -k 1 -o one.mzs

# ------------------------------------------------------------- usage
t_ok "--help" mz-align --help
t_is "--help prints the synopsis" \
    "usage: mz-align [-fq] [-a bodyparts] [-b bodyparts] [-c codec] [-o file] [-p bodyparts] [--embed] [--fix-heading] [file ...]" \
    "$(cat "$T/.out")"
t_ok "--version" mz-align --version
t_is "--version prints the version" "mz-align 0.1.0" "$(cat "$T/.out")"

# ------------------------------------------------- mzgen data, no python
t_ok "-a bp0 -p bp2" sh -c 'mz-align -a bp0 -p bp2 tracks.mzs > a.mzs'
mz-info a.mzs > a.txt
mz-info -j a.mzs > a.json
t_like "the same rows" '^rows: +1200$' "$(cat a.txt)"
t_like "centroid.x, centroid.y, heading added" \
    'bp2\.p f64, centroid\.x f64 \[px\],$' "$(cat a.txt)"
t_like "heading in radians" 'heading f64 \[rad\]$' "$(cat a.txt)"
t_like "the align metadata" \
    '"align": ?\{"centroid": ?\["bp0", ?"bp1", ?"bp2"\], ?"anterior": ?\["bp0"\], ?"posterior": ?\["bp2"\], ?"fix_heading": ?false' \
    "$(cat a.json)"
t_like "the history entry" \
    '"options": ?\{"anterior": ?\["bp0"\], ?"posterior": ?\["bp2"\], ?"bodyparts": ?null, ?"embed": ?false, ?"fix_heading": ?false\}' \
    "$(cat a.json)"
t_ok "--embed" sh -c 'mz-align --embed -a bp0 -p bp2 tracks.mzs > e.mzs'
mz-info -j e.mzs > e.json
t_like "--embed: e0.x e0.y e1.x e1.y, then centroid and heading" \
    '"name": ?"id".*"name": ?"e0\.x".*"name": ?"e0\.y".*"name": ?"e1\.x".*"name": ?"e1\.y".*"name": ?"centroid\.x".*"name": ?"centroid\.y".*"name": ?"heading"' \
    "$(tr -d '\n' < e.json)"
t_like "--embed: 10 columns" '^columns: +10$' "$(mz-info e.mzs)"
t_ok "--embed: the bodyparts metadata moved into align" sh -c \
    'grep -q "\"bodyparts\": *\\[\"bp0\", *\"bp1\", *\"bp2\"\\]" e.json &&
     ! mz-info e.mzs | grep -q "^ *bodyparts"'
t_ok "--fix-heading" sh -c 'mz-align --fix-heading tracks.mzs > f.mzs'
t_like "--fix-heading: no anterior" '"anterior": ?\[\]' "$(mz-info -j f.mzs)"
t_ok "zero-row parts" sh -c 'mz-align -a bp0 -p bp1 empty.mzs > z.mzs'
t_like "... stay" '^parts: +2$' "$(mz-info z.mzs)"
t_ok "stdin to a pipe" sh -c 'cat tracks.mzs | mz-align -a bp0,bp1 -p bp2 | cat > p.mzs'
t_like "... every row" '^rows: +1200$' "$(mz-info p.mzs)"

# ------------------------------------------------- closed forms, numpy
if [ -n "$NP" ]; then
	"$NP" "$REF" rigid rigid.mzs --rows 500
	"$NP" "$REF" rigid rigid3.mzs --rows 300 --dim 3
	"$NP" "$REF" gen g.mzs --rows 1500 --parts 2 --nan-every 6 \
	    --nan-run 50:60:0,70:75:4 --inf-run 80:82:2 --seed 4
	"$NP" "$REF" gen g3.mzs --rows 400 --parts 1 --dim 3 --f32 --seed 6
	mz-align -a bp0 -p bp5 -o r.mzs rigid.mzs
	mz-align -a bp0 -p bp5 --embed -o re.mzs rigid.mzs
	mz-align -a bp0 -p bp5 -o r3.mzs rigid3.mzs
	mz-align -a bp0 -p bp5 --embed -o re3.mzs rigid3.mzs
	mz-align -a bp0,bp1 -p bp3 -o ga.mzs g.mzs
	mz-align -a bp2 -p bp3,bp4 -b bp1,bp2,bp4 --embed -o ge.mzs g.mzs
	mz-align -a bp0 -p bp4 -o g3a.mzs g3.mzs
	mz-align -a bp0 -p bp4 --embed -o g3e.mzs g3.mzs
	cat > jobs <<-EOF
	rigid-check rigid.mzs r.mzs
	rigid-check rigid.mzs re.mzs --embed
	rigid-check rigid3.mzs r3.mzs
	rigid-check rigid3.mzs re3.mzs --embed
	align g.mzs ga.mzs bp0,bp1 bp3
	align g.mzs ge.mzs bp2 bp3,bp4 --embed --centroid bp1,bp2,bp4
	align g3.mzs g3a.mzs bp0 bp4
	align g3.mzs g3e.mzs bp0 bp4 --embed
	EOF
	"$NP" "$REF" batch jobs > results
	exec 3< results
	for d in "rigid body: centroid = path, heading = 0.05 t, aligned = body (1e-9)" \
	    "rigid body --embed: Helmert orthonormal, embedding = G'body, norm kept" \
	    "rigid body in 3-D: z centred, x/y rotated" \
	    "rigid body in 3-D --embed" \
	    "NaN/inf points, -a bp0,bp1: = numpy (1e-12)" \
	    "-b bp1,bp2,bp4 --embed, NaN: = numpy and center_embedding (1e-12)" \
	    "3-D f32: = numpy" \
	    "3-D f32 --embed: = numpy"; do
		read -r res <&3
		t_is "$d" "ok" "$res"
	done
	exec 3<&-
fi

# ------------------------------------------------------ real data
CONVERT=$B/bin/mz-convert
if [ -n "$DATA" ] && [ -x "$CONVERT" ] && [ -n "$NP" ]; then
	f=dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5
	if mz-convert -o dlc.mzs "$DATA/$f" 2> conv.err; then
		mz-align -a snout -p tailbase --embed -o dlc.out.mzs dlc.mzs
		t_is "real data $f: = numpy" "ok" \
		    "$("$NP" "$REF" align dlc.mzs dlc.out.mzs snout tailbase --embed)"
	else
		echo "# mz-convert could not read $f: skipped ($(head -1 conv.err))"
	fi
else
	echo "# real data: needs \$DATA, $CONVERT and numpy: skipped"
fi

# ------------------------------------------------------------ bad input
size=$(wc -c < tracks.mzs)
head -c $((size - 100)) tracks.mzs > trunc.mzs
t_fails "truncated stream" 1 '^mz-align: trunc\.mzs: byte [0-9]+: stream truncated' \
    mz-align -a bp0 -p bp1 -o never.mzs trunc.mzs
t_ok "truncated: no output file" test ! -e never.mzs
t_is "... and no temporary file" "0" "$(ls -a | grep -c '^\.never')"
t_fails "truncated on stdin" 1 '^mz-align: <stdin>: byte [0-9]+: stream truncated' \
    sh -c 'mz-align -a bp0 -p bp1 < trunc.mzs > /dev/null'
t_fails "no -a/-p" 2 '^mz-align: the heading needs -a \(anterior\) and -p' \
    mz-align -o never.mzs tracks.mzs
t_fails "-a without -p" 2 '^mz-align: the heading needs' \
    mz-align -a bp0 -o never.mzs tracks.mzs
t_fails "--fix-heading with -a" 2 '^mz-align: --fix-heading takes no -a or -p' \
    mz-align --fix-heading -a bp0 -o never.mzs tracks.mzs
t_fails "an empty name" 2 "^mz-align: bad anterior 'bp0,'" \
    mz-align -a bp0, -p bp1 -o never.mzs tracks.mzs
t_fails "an unknown anterior bodypart" 1 \
    "^mz-align: tracks\\.mzs: part 0 seq0: anterior bodypart 'nose' is not in the part's bodyparts" \
    mz-align -a nose -p bp1 -o never.mzs tracks.mzs
t_fails "an unknown centroid bodypart" 1 \
    "^mz-align: tracks\\.mzs: part 0 seq0: centroid bodypart 'tail' is not" \
    mz-align -a bp0 -p bp1 -b bp0,tail -o never.mzs tracks.mzs
t_fails "--embed with one bodypart" 1 \
    '^mz-align: one\.mzs: part 0 seq0: --embed needs at least 2 bodyparts' \
    mz-align --embed --fix-heading -o never.mzs one.mzs
t_fails "an input that already has centroid columns" 1 \
    "^mz-align: <stdin>: part 0 seq0: cannot add column 'centroid\\.x': the name is already used" \
    sh -c 'mz-align -a bp0 -p bp1 tracks.mzs | mz-align -a bp0 -p bp1 -b bp0,bp1 > /dev/null'
if [ -n "$NP" ]; then
	"$NP" "$REF" gen nometa.mzs --rows 50 --parts 1 --no-meta
	t_fails "no bodyparts metadata" 1 \
	    '^mz-align: nometa\.mzs: part 0 seq0: no "bodyparts" metadata' \
	    mz-align -a bp0 -p bp1 -o never.mzs nometa.mzs
	"$NP" "$REF" gen nocol.mzs --rows 50 --parts 1 --no-col bp3.x
	t_fails "a bodypart without its .x column" 1 \
	    "^mz-align: nocol\\.mzs: part 0 seq0: bodypart 'bp3' has no column 'bp3\\.x'" \
	    mz-align -a bp0 -p bp1 -o never.mzs nocol.mzs
	"$NP" "$REF" gen noz.mzs --rows 50 --parts 1 --dim 3 --no-col bp2.z
	t_fails "2-D and 3-D bodyparts mixed" 1 \
	    "^mz-align: noz\\.mzs: part 0 seq0: bodyparts 'bp0' and 'bp2' differ in dimension" \
	    mz-align -a bp0 -p bp1 -o never.mzs noz.mzs
fi
t_fails "unknown option" 2 '^usage: mz-align' mz-align -x tracks.mzs
t_fails "nonexistent file" 1 '^mz-align: nope\.mzs: No such file' \
    mz-align -a bp0 -p bp1 -o never.mzs tracks.mzs nope.mzs
t_ok "no output file after any failure" test ! -e never.mzs
t_fails "standard output on /dev/full" 1 '^mz-align: <stdout>: No space left' \
    sh -c 'mz-align -a bp0 -p bp1 tracks.mzs > /dev/full'
t_done
