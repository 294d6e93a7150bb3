#!/bin/sh
# tests: mz-convert --dataset
# requires: mz-index, mz-convert, mzgen, mz-info (the row counts and
# metadata; those checks skipped without it), mz-cat (data comparisons,
# skipped without it); $PY for the JSON checks; $DATA for real DLC, SLEAP
# and TRex files.
. "$(dirname "$0")/lib.sh"

mz-convert --help 2>&1 | grep -q -- '--dataset' ||
	t_skip_all "this mz-convert has no --dataset"

# mkds DIR: a dataset manifest with mosaic's default roots.
mkds() {
	mkdir -p "$1"
	{
		echo "name: test"
		echo "version: 0.1.0"
		echo "roots:"
		for r in media tracks_raw tracks features labels models; do
			echo "  $r: $r"
		done
		echo "  frames: media/frames"
	} > "$1/dataset.yaml"
}

# col FILE NAME: the values of column NAME (unquoted CSV), row order.
col() {
	awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		{ print $k }' "$1"
}

# info FILE EXPR: EXPR over mz-info -j's document (d; p = its parts).
info() {
	mz-info -j "$1" > "$T/.json" || return 1
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
p = d["parts"]
print(eval(sys.argv[2]))' "$T/.json" "$2"
}
HAVE_INFO=
command -v mz-info > /dev/null 2>&1 && [ -n "$PY" ] && HAVE_INFO=1
HAVE_CAT=
command -v mz-cat > /dev/null 2>&1 && HAVE_CAT=1

# ------------------------------------------------------------ generated
mkdir -p raw
mzgen -s 1 -i 2 -n 40 -o a.mzs
mzgen -s 1 -i 1 -n 25 -k 3 -o b.mzs
mz-convert --to dlc-csv a.mzs > raw/grpA_s1.csv
mz-convert --to dlc-csv b.mzs > raw/grpB_s2.csv
printf 'scorer,net\nbodyparts,x\n1,2\n' > raw/grpA_bad.csv
mkds ds
mz-index -q -d ds tracks -g '^(grp[A-Z])_' raw
t_fails "a failing file among good ones: exit 1 and a summary" 1 \
    '2 converted, 0 already converted \(skipped\), 1 failed' \
    mz-convert --dataset ds
t_like "the failing file is named, with why" \
    'grpA_bad.csv: .*' "$(grep -v 'converted' "$T/.err")"
t_like "... and said to be not converted" 'grpA_bad.csv: not converted' \
    "$(cat "$T/.err")"
t_is "the good files' entries: group__sequence.mzs" \
    "grpA__grpA_s1.mzs grpB__grpB_s2.mzs" "$(cd ds/tracks && ls *.mzs | tr '\n' ' ' | sed 's/ $//')"
t_is "tracks/index.csv: mosaic's columns" \
    "group,sequence,group_safe,sequence_safe,collection,collection_safe,abs_path,std_format,source_abs_path,source_md5,n_rows" \
    "$(head -1 ds/tracks/index.csv)"
RAW=$(cd raw && pwd -P)
t_is "tracks/index.csv: the rows (relative abs_path, source, n_rows)" \
    "grpA,grpA_s1,grpA,grpA_s1,grpA,grpA,tracks/grpA__grpA_s1.mzs,mzs,$RAW/grpA_s1.csv,,80
grpB,grpB_s2,grpB,grpB_s2,grpB,grpB,tracks/grpB__grpB_s2.mzs,mzs,$RAW/grpB_s2.csv,,25" \
    "$(tail -n +2 ds/tracks/index.csv)"
if [ -n "$HAVE_INFO" ]; then
	t_is "entries: parts, rows, group and sequence metadata" \
	    "[2, 80, 'grpA', 'grpA_s1', 'dlc-csv'] [1, 25, 'grpB', 'grpB_s2', 'dlc-csv']" \
	    "$(info ds/tracks/grpA__grpA_s1.mzs '[d["total_parts"], d["total_rows"], p[0]["meta"]["group"], p[0]["meta"]["sequence"], p[0]["meta"]["source_format"]]') $(info ds/tracks/grpB__grpB_s2.mzs '[d["total_parts"], d["total_rows"], p[0]["meta"]["group"], p[0]["meta"]["sequence"], p[0]["meta"]["source_format"]]')"
fi
if [ -n "$HAVE_CAT" ]; then
	mz-convert -q --group grpA --sequence grpA_s1 -o direct.mzs raw/grpA_s1.csv
	t_is "an entry holds what mz-convert makes of its file" \
	    "$(mz-cat --csv direct.mzs | cksum)" \
	    "$(mz-cat --csv ds/tracks/grpA__grpA_s1.mzs | cksum)"
fi

touch -d '2001-01-01' ds/tracks/grpA__grpA_s1.mzs
cp ds/tracks/index.csv idx1.csv
t_fails "a second run: the existing entries are skipped" 1 \
    '0 converted, 2 already converted \(skipped\), 1 failed' \
    mz-convert --dataset ds
t_is "... left as they were" "2001" \
    "$(date -r ds/tracks/grpA__grpA_s1.mzs +%Y)"
t_is "... and the index too" "$(cat idx1.csv)" "$(cat ds/tracks/index.csv)"
grep -v grpB_s2 idx1.csv > ds/tracks/index.csv
mz-convert -q --dataset ds 2> /dev/null
t_is "a skipped entry missing from the index (a killed run) is indexed" \
    "$(cat idx1.csv)" "$(cat ds/tracks/index.csv)"
rm raw/grpA_bad.csv
mz-index -q -d ds tracks -g '^(grp[A-Z])_' raw
t_ok "--overwrite: converted again, exit 0 once the bad file is gone" \
    mz-convert --dataset ds --overwrite
t_like "--overwrite: the summary" '2 converted, 0 already converted \(skipped\), 0 failed' \
    "$(cat "$T/.err")"
t_is "--overwrite: the entry rewritten" "$(date +%Y)" \
    "$(date -r ds/tracks/grpA__grpA_s1.mzs +%Y)"
t_is "--overwrite: one row per entry still" "3" "$(wc -l < ds/tracks/index.csv | tr -d ' ')"
t_ok "-q: nothing but errors" mz-convert -q --dataset=ds
t_is "-q: silent when nothing failed" "" "$(cat "$T/.err")"
t_ok "-c: a codec for the entries" mz-convert -q --dataset ds -c zstd --overwrite

# ------------------------------------------------------------ names, policy
# A CalMS21 file of two sequences, indexed as one row without sequence.
awk 'BEGIN {
	printf "{\"annotator-id_0\": {"
	for (s = 0; s < 2; s++) {
		printf "%s\"task1/train/mouse00%d\": {\"keypoints\": [", s ? ", " : "", s + 1
		for (t = 0; t < 3; t++) {
			printf "%s[", t ? ", " : ""
			for (m = 0; m < 2; m++) {
				printf "%s[", m ? ", " : ""
				for (c = 0; c < 2; c++) {
					printf "%s[", c ? ", " : ""
					for (k = 0; k < 7; k++)
						printf "%s%d", k ? ", " : "", 100 * s + 10 * t + m + k
					printf "]"
				}
				printf "]"
			}
			printf "]"
		}
		printf "]}"
	}
	printf "}}\n"
}' > calms_small.json
mkdir -p cm && cp calms_small.json cm/
for pol in infile filename both; do
	mkds dc_$pol
	mz-index -q -d dc_$pol tracks -M filename -p '*.json' cm
	t_ok "--group-from $pol: a file of two sequences" \
	    mz-convert -q --dataset dc_$pol --group-from $pol
done
t_is "--group-from infile: the file's group, percent-encoded sequences" \
    "annotator-id_0__task1%2Ftrain%2Fmouse001.mzs annotator-id_0__task1%2Ftrain%2Fmouse002.mzs" \
    "$(cd dc_infile/tracks && ls *.mzs | tr '\n' ' ' | sed 's/ $//')"
t_is "--group-from infile: rows with the index's group as collection" \
    "annotator-id_0,task1/train/mouse001,annotator-id_0,task1%2Ftrain%2Fmouse001,calms_small,calms_small,tracks/annotator-id_0__task1%2Ftrain%2Fmouse001.mzs,mzs,$(cd cm && pwd -P)/calms_small.json,,6" \
    "$(sed -n 2p dc_infile/tracks/index.csv)"
t_is "--group-from filename: the index's group" \
    "calms_small__task1%2Ftrain%2Fmouse001.mzs calms_small__task1%2Ftrain%2Fmouse002.mzs" \
    "$(cd dc_filename/tracks && ls *.mzs | tr '\n' ' ' | sed 's/ $//')"
t_is "--group-from both: the same names" \
    "$(cd dc_filename/tracks && ls *.mzs)" "$(cd dc_both/tracks && ls *.mzs)"
t_is "no temporary file is left" "" "$(ls -a dc_both/tracks | grep '^\.mz-convert' || true)"
if [ -n "$HAVE_INFO" ]; then
	t_is "--group-from filename: parts carry the new group" \
	    "['calms_small', 'calms_small'] [None, None]" \
	    "$(info dc_filename/tracks/calms_small__task1%2Ftrain%2Fmouse001.mzs '[x["meta"]["group"] for x in p]') $(info dc_filename/tracks/calms_small__task1%2Ftrain%2Fmouse001.mzs '[x["meta"].get("source_group") for x in p]')"
	t_is "--group-from both: ... and the file's own as source_group" \
	    "['calms_small', 'calms_small'] ['annotator-id_0', 'annotator-id_0']" \
	    "$(info dc_both/tracks/calms_small__task1%2Ftrain%2Fmouse001.mzs '[x["meta"]["group"] for x in p]') $(info dc_both/tracks/calms_small__task1%2Ftrain%2Fmouse001.mzs '[x["meta"].get("source_group") for x in p]')"
	t_is "--group-from infile: 3 frames x 2 mice per entry" "6 6" \
	    "$(info dc_infile/tracks/annotator-id_0__task1%2Ftrain%2Fmouse001.mzs 'd["total_rows"]') $(info dc_infile/tracks/annotator-id_0__task1%2Ftrain%2Fmouse002.mzs 'd["total_rows"]')"
fi
if [ -n "$PY" ]; then
	t_is "safe names and entry keys are urllib.parse.quote(s, safe='')" "True" \
	    "$("$PY" -c '
import csv, sys, os
from urllib.parse import quote
rows = list(csv.DictReader(open(sys.argv[1])))
print(all(r["group_safe"] == quote(r["group"], safe="") and r["sequence_safe"] == quote(r["sequence"], safe="")
          and os.path.basename(r["abs_path"]) == quote(r["group"], safe="") + "__" + quote(r["sequence"], safe="") + ".mzs"
          for r in rows) and len(rows) == 2)' dc_infile/tracks/index.csv)"
fi

# Names that need encoding, and a row of a format mz cannot read.
mkds dn
mkdir -p dn/tracks_raw
cp raw/grpA_s1.csv "rawé s.csv"
printf '%s\n' 'group,sequence,abs_path,src_format,size_bytes,mtime_iso,md5' \
    "lab 1/a,séq 1,$T/rawé s.csv,deeplabcut,1,2020-01-01T00:00:00+00:00,0123abcd" \
    "lab,,$T/calms_small.json,calms21_npy,1,2020-01-01T00:00:00+00:00," \
    "lab,y,$T/a.mzs,mabe22_npy,1,2020-01-01T00:00:00+00:00," \
    > dn/tracks_raw/index.csv
t_fails "a mosaic-written index: an unknown format is reported, the rest converted" 1 \
    "a.mzs: src_format 'mabe22_npy': not a format mz-convert reads" \
    mz-convert --dataset dn
t_like "... the summary" '3 converted, 0 already converted \(skipped\), 1 failed' \
    "$(cat "$T/.err")"
t_is "names percent-encoded (space, slash, UTF-8); md5 carried" \
    "lab%201%2Fa__s%C3%A9q%201.mzs|lab%201%2Fa,s%C3%A9q%201,0123abcd" \
    "$(cd dn/tracks && ls lab%201*)|$(awk -F, 'NR == 2 { print $3 "," $4 "," $10 }' dn/tracks/index.csv)"
t_is "calms21_npy naming a .json file is read as CalMS21 json, split by sequence" \
    "annotator-id_0__task1%2Ftrain%2Fmouse001.mzs annotator-id_0__task1%2Ftrain%2Fmouse002.mzs" \
    "$(cd dn/tracks && ls annotator* | tr '\n' ' ' | sed 's/ $//')"

# Two files of one group and sequence (a DLC CSV and its HDF5 twin).
mkds dd
mkdir -p twin
cp raw/grpA_s1.csv twin/s.csv
cp raw/grpA_s1.csv twin/s.txt
mz-index -q -d dd tracks -p 's.*' twin
t_fails "two files of one entry: the second is reported, not converted" 1 \
    "s.txt: group '', sequence 's' come from .*/s.csv already" \
    mz-convert --dataset dd
t_like "... the summary" '1 converted, 0 already converted \(skipped\), 1 failed' \
    "$(cat "$T/.err")"

# ------------------------------------------------------------ bad usage
t_fails "--dataset without a directory" 2 'requires an argument|needs a directory' \
    mz-convert --dataset
t_fails "file arguments" 2 'no file arguments' mz-convert --dataset ds raw/grpA_s1.csv
t_fails "--group-from: a bad value" 2 "--group-from: infile, filename or both" \
    mz-convert --dataset ds --group-from parent
t_fails "-c: a bad codec" 2 'codec' mz-convert --dataset ds -c lz4
t_fails "--fps: not positive" 2 'fps' mz-convert --dataset ds --fps 0
mkds dx
t_fails "no tracks_raw index yet" 1 'mz-index tracks first' mz-convert --dataset dx
t_fails "no manifest" 1 'no dataset.yaml' mz-convert --dataset raw
printf 'name: [unclosed\n' > dx/dataset.yaml
t_fails "a bad manifest" 1 'dataset.yaml: line' mz-convert --dataset dx

# ------------------------------------------------------------ real data
if [ -z "$DATA" ]; then
	echo "# real-data tests skipped: no ../shared/data"
	t_done
fi
mkdir -p real/dlc real/sleap real/trex
ln -s "$DATA"/trex/locusts-noqr_20250117_5_id*.npz real/trex/
ln -s "$DATA/deeplabcut-history/reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.csv" \
    "$DATA/dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5" real/dlc/
ln -s "$DATA/sleap/predictions.analysis.h5" real/sleap/
mkds dr
t_ok "real: index DLC, SLEAP and TRex files, with md5" \
    mz-index -q -d dr tracks -r --md5 -g '^(locusts|reaching)' real
t_ok "real: convert them" mz-convert -q --dataset dr
t_is "real: entries (TRex individuals merged into one)" \
    "locusts__locusts-noqr_20250117_5.mzs
m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.mzs
predictions.analysis.mzs
reaching__reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.mzs" \
    "$(cd dr/tracks && ls *.mzs)"
t_is "real: n_rows (3 x 2845 TRex, 2330, 2 x 3000 SLEAP, 12)" \
    "locusts-noqr_20250117_5:8535 m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000:2330 predictions.analysis:6000 reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10:12" \
    "$(awk -F, 'NR > 1 { print $2 ":" $11 }' dr/tracks/index.csv | sort | tr '\n' ' ' | sed 's/ $//')"
t_is "real: the TRex entry's source is its first file, with its md5" \
    "$(cd "$DATA/trex" && pwd -P)/locusts-noqr_20250117_5_id0.npz,$(md5sum < "$DATA/trex/locusts-noqr_20250117_5_id0.npz" | cut -c1-32)" \
    "$(awk -F, '$2 == "locusts-noqr_20250117_5" { print $9 "," $10 }' dr/tracks/index.csv)"
if [ -n "$HAVE_INFO" ]; then
	t_is "real: TRex parts: ids 0..2 in order, one sequence, group set" \
	    "[('id0', 'locusts'), ('id1', 'locusts'), ('id2', 'locusts')]" \
	    "$(info dr/tracks/locusts__locusts-noqr_20250117_5.mzs '[(x["meta"]["individual"], x["meta"]["group"]) for x in p]')"
fi
if [ -n "$HAVE_CAT" ]; then
	mz-convert -q --group locusts --sequence locusts-noqr_20250117_5 -o trex.mzs \
	    real/trex/locusts-noqr_20250117_5_id0.npz \
	    real/trex/locusts-noqr_20250117_5_id1.npz \
	    real/trex/locusts-noqr_20250117_5_id2.npz
	t_is "real: the TRex entry equals mz-convert of the three files" \
	    "$(mz-cat --csv trex.mzs | cksum)" \
	    "$(mz-cat --csv dr/tracks/locusts__locusts-noqr_20250117_5.mzs | cksum)"
fi
t_done
