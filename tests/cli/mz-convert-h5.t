#!/bin/sh
# tests: mz-convert's HDF5 formats (DeepLabCut pandas HDF5, SLEAP .slp and
# analysis .h5, NWB ndx-pose) and the pickle decoder.
# requires: mz-info, h5dump-set (tests/tools, built with HDF5's flags);
# h5dump (hdf5-tools) and python3 with numpy for the independent value
# checks (skipped without); $DATA for the real files (skipped without).
. "$(dirname "$0")/lib.sh"

command -v h5dump-set >/dev/null 2>&1 ||
	t_skip_all "h5dump-set not built (see the Makefile's TESTTOOLS)"

# t_skip DESC REASON: one skipped test.
t_skip() {
	_n=$((_n + 1))
	echo "ok $_n # skip $1: $2"
}

HAVE_H5DUMP=
command -v h5dump >/dev/null 2>&1 && HAVE_H5DUMP=1

# ---------------------------------------------------------------- pickle
# Python writes the pickles; the decoder's rendering must match Python's
# own repr of the value (exact text).
if [ -n "$PY" ]; then
	"$PY" - <<'EOF'
import pickle
v = [("DLC_resnet50", "snout", "x"), ("DLC_resnet50", "snout", "y"),
     ("S", "nose", "likelihood")]
for p in range(0, 5):
    open("kind%d.pkl" % p, "wb").write(pickle.dumps(v, protocol=p))
d = {1: {"names": ["scorer", "bodyparts", "coords"], "type": "MultiIndex"},
     "index": {}, "values_block_0": {}}
open("info.pkl", "wb").write(pickle.dumps(d, protocol=2))
open("want_kind.txt", "w").write(repr(v) + "\n")
open("misc.pkl", "wb").write(pickle.dumps(
    [None, True, False, -5, 300, 70000, -(2**40), 1.5, b"ab", "\u00e9\u4e2d"],
    protocol=4))
import numpy as np
open("arr.pkl", "wb").write(pickle.dumps(np.array([[1.5, -2], [3, 4]]), 2))
open("arr_i2.pkl", "wb").write(pickle.dumps(np.array([-3, 7], dtype=">i2"), 4))
EOF
	for p in 0 1 2 3 4; do
		t_is "pickle protocol $p: list of tuples" \
		    "$(cat want_kind.txt)" "$(h5dump-set pickle kind$p.pkl)"
	done
	t_is "pickle: dict with int keys, nested" \
	    "{1: {'names': ['scorer', 'bodyparts', 'coords'], 'type': 'MultiIndex'}, 'index': {}, 'values_block_0': {}}" \
	    "$(h5dump-set pickle info.pkl)"
	t_is "pickle: scalars, big ints, bytes, unicode" \
	    "[None, True, False, -5, 300, 70000, -1099511627776, 1.5, b<2 bytes>, 'é中']" \
	    "$(h5dump-set pickle misc.pkl)"
	t_like "pickle: numpy array values (float64)" '^ndarray 1.5 -2 3 4$' \
	    "$(h5dump-set pickle arr.pkl | tail -1)"
	t_like "pickle: numpy array values (big-endian int16)" \
	    '^ndarray -3 7$' "$(h5dump-set pickle arr_i2.pkl | tail -1)"
else
	for d in p0 p1 p2 p3 p4 dict scalars ndarray ndarray2; do
		t_skip "pickle $d" "no python3 with numpy"
	done
fi
# Objects are recorded, never called: a REDUCE of os.system stays inert.
printf 'cos\nsystem\n(S%secho PWNED > pwned%s\ntR.' "'" "'" > evil.pkl
t_like "pickle: GLOBAL+REDUCE recorded inert" \
    "^object\\(os.system, \\('echo PWNED > pwned',\\)\\)$" \
    "$(h5dump-set pickle evil.pkl)"
t_ok "pickle: nothing was executed" test ! -e pwned
printf '\200\002P1\n.' > persid.pkl
t_fails "pickle: PERSID refused" 1 'byte 2: persistent id opcode' \
    h5dump-set pickle persid.pkl
printf '\200\002\202\001.' > ext.pkl
t_fails "pickle: EXT1 refused" 1 'byte 2: extension registry opcode' \
    h5dump-set pickle ext.pkl
printf '\200\002Z.' > unk.pkl
t_fails "pickle: unknown opcode" 1 "byte 2: unknown opcode 0x5a \\('Z'\\)" \
    h5dump-set pickle unk.pkl
printf '\200\002]q\000(K\001K\002' > trunc.pkl
t_fails "pickle: truncated" 1 'truncated pickle|no mark|underflow|malformed' \
    h5dump-set pickle trunc.pkl
# Nesting: 100 nested lists pass the depth limit (64) -> error.
awk 'BEGIN { for (i = 0; i < 100; i++) printf "]"; for (i = 0; i < 99; i++) printf "a"; printf "." }' > deep.pkl
t_fails "pickle: depth limit" 1 'nesting deeper than 64' \
    h5dump-set pickle deep.pkl

# ------------------------------------- a large table written by PyTables
# DataFrame.to_hdf(format="table") as DeepLabCut calls it, larger than
# the reader's 1 MB strips (20000 rows), with the likelihoods in float32
# so that pandas stores them in a second values block after the float64
# ones: every value must land in its individual/bodypart/coordinate.
if [ -n "$PY" ] && "$PY" -c 'import pandas, tables' 2>/dev/null; then
	"$PY" - <<'EOF'
import numpy as np, pandas as pd
rng = np.random.default_rng(7)
n = 20000
cols = pd.MultiIndex.from_product([["DLC_x"], ["a", "b"], ["nose", "ear", "tail"],
    ["x", "y", "likelihood"]], names=["scorer", "individuals", "bodyparts", "coords"])
v = rng.uniform(-50, 900, (n, len(cols)))
v[rng.uniform(size=v.shape) < 0.02] = np.nan
df = pd.DataFrame(v, columns=cols, index=np.arange(100, 100 + n))
for c in cols:
    if c[3] == "likelihood":
        df[c] = df[c].astype(np.float32)
df.to_hdf("big.h5", key="df_with_missing", format="table", mode="w")
df.to_pickle("big.pkl")
EOF
	t_ok "PyTables table of 20000 rows, two value blocks: converts" \
	    mz-convert -o big.mzs big.h5
	t_is "PyTables table: values equal pandas' (exactly; NaN x/y -> p 0)" ok \
	    "$(PYTHONPATH=$TOP/share/python "$PY" - <<'EOF'
import numpy as np, pandas as pd, mzs
df = pd.read_pickle("big.pkl")
parts = list(mzs.read("big.mzs"))
ok = len(parts) == 2
for p in parts:
    ind = p.meta["individual"]
    ok &= bool(np.array_equal(p.columns["frame"], df.index.to_numpy()))
    for bp in ("nose", "ear", "tail"):
        x = df[("DLC_x", ind, bp, "x")].to_numpy()
        y = df[("DLC_x", ind, bp, "y")].to_numpy()
        l = df[("DLC_x", ind, bp, "likelihood")].to_numpy().astype(np.float64)
        miss = np.isnan(x) | np.isnan(y)
        x = np.where(miss, np.nan, x); y = np.where(miss, np.nan, y)
        l = np.where(miss | np.isnan(l), 0, l)
        c = p.columns
        ok &= bool(np.array_equal(c[bp + ".x"], x, equal_nan=True) and
            np.array_equal(c[bp + ".y"], y, equal_nan=True) and
            np.array_equal(c[bp + ".p"], l))
print("ok" if ok else "differ")
EOF
)"
else
	t_skip "PyTables-written table" "no python3 with pandas and PyTables"
fi

# ------------------------- one individual: streamed, a strip at a time
# A single-animal table is written as it is read (memory of one strip,
# about 13000 rows here): the values, and errors found after the first
# strip went out (frames out of order, an index with a fraction, a
# compressed chunk that does not decode) leave no output behind.
if [ -n "$PY" ] && "$PY" -c 'import pandas, tables' 2>/dev/null; then
	"$PY" - <<'EOF'
import numpy as np, pandas as pd
rng = np.random.default_rng(8)
n = 20000
cols = pd.MultiIndex.from_product([["DLC_x"], ["nose", "ear", "tail"],
    ["x", "y", "likelihood"]], names=["scorer", "bodyparts", "coords"])
v = rng.uniform(-50, 900, (n, len(cols)))
v[rng.uniform(size=v.shape) < 0.02] = np.nan
df = pd.DataFrame(v, columns=cols, index=np.arange(5, 5 + n))
kw = dict(key="df_with_missing", format="table", mode="w")
# float64 only: one values block, read as stored
df.to_hdf("one64.h5", **kw)
df.to_pickle("one64.pkl")
# float32 likelihoods: a second block, read through a conversion
for c in cols:
    if c[2] == "likelihood":
        df[c] = df[c].astype(np.float32)
df.to_hdf("one.h5", **kw)
df.to_pickle("one.pkl")
df.to_hdf("onez.h5", complevel=1, complib="zlib", **kw)
d = df.copy(); i = d.index.to_numpy().copy(); i[15000] = i[14999]; d.index = i
d.to_hdf("order.h5", **kw)
d = df.copy(); i = d.index.to_numpy().astype(float); i[17000] += 0.5
d.index = i
d.to_hdf("frac.h5", **kw)
EOF
	t_ok "one individual, 20000 rows: converts" mz-convert -o one.mzs one.h5
	t_ok "... compressed (zlib) too" mz-convert -o onez.mzs onez.h5
	t_ok "... float64 only" mz-convert -o one64.mzs one64.h5
	t_is "... values equal pandas' (exactly), all three" "ok ok ok" \
	    "$(PYTHONPATH=$TOP/share/python "$PY" - <<'EOF'
import numpy as np, pandas as pd, mzs
out = []
for f, pk in (("one", "one"), ("onez", "one"), ("one64", "one64")):
    df = pd.read_pickle(pk + ".pkl")
    parts = list(mzs.read(f + ".mzs"))
    ok = len(parts) == 1
    c = parts[0].columns
    ok &= bool(np.array_equal(c["frame"], df.index.to_numpy()))
    for bp in ("nose", "ear", "tail"):
        x = df[("DLC_x", bp, "x")].to_numpy()
        y = df[("DLC_x", bp, "y")].to_numpy()
        l = df[("DLC_x", bp, "likelihood")].to_numpy().astype(np.float64)
        miss = np.isnan(x) | np.isnan(y)
        x = np.where(miss, np.nan, x); y = np.where(miss, np.nan, y)
        l = np.where(miss | np.isnan(l), 0, l)
        ok &= bool(np.array_equal(c[bp + ".x"], x, equal_nan=True) and
            np.array_equal(c[bp + ".y"], y, equal_nan=True) and
            np.array_equal(c[bp + ".p"], l))
    out.append("ok" if ok else "differ")
print(" ".join(out))
EOF
)"
	t_fails_clean "streamed: frames out of order after the first strip" 1 \
	    'order\.h5: /df_with_missing: row 15000: frame 15004 after 15004: frames must increase' \
	    order.mzs mz-convert -o order.mzs order.h5
	t_fails_clean "streamed: an index with a fraction" 1 \
	    'frac\.h5: /df_with_missing/table: row 17000: index 17005\.5 is not a frame number' \
	    frac.mzs mz-convert -o frac.mzs frac.h5
	cp onez.h5 zbad.h5
	chmod u+w zbad.h5
	sz=$(wc -c < zbad.h5)
	printf 'Z%.0s' $(seq 1 2000) |
	    dd of=zbad.h5 bs=1 seek=$((sz * 3 / 4)) conv=notrunc 2>/dev/null
	t_fails_clean "streamed: a chunk that does not decode, after the first strip" 1 \
	    'zbad\.h5: /df_with_missing/table: read failed \(rows [1-9][0-9]*\.\.19999\)' \
	    zbad.mzs mz-convert -o zbad.mzs zbad.h5
else
	t_skip "streamed single-animal table" "no python3 with pandas and PyTables"
fi

[ -n "$DATA" ] || {
	t_skip "real files" "no ../shared/data"
	t_done
}

# ------------------------------------------------------------ real files
# parts_rows FILE: "PARTS ROWS" from mz-info.
parts_rows() {
	mz-info "$1" | awk '$1 == "parts:" { p = $2 } $1 == "rows:" { r = $2 }
	    END { print p, r }'
}
# nans FORMAT FILE: "IND:N ..." missing points per individual (reader).
nans() {
	h5dump-set "$1" "$2" | awk '$1 == "ind" { printf "%s%s:%s", s, $2, $4;
	    s = " " } END { print "" }'
}

DLC=$DATA/dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000
REACH=$DATA/deeplabcut-history/reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10

# Every file converts; parts and rows as the MANIFEST says.
while read -r f parts rows; do
	t_ok "converts $f" mz-convert -o out.mzs "$DATA/$f" &&
	    t_is "$f: parts, rows" "$parts $rows" "$(parts_rows out.mzs)"
done <<EOF
dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.h5 1 2330
dlc2nwb/m3v1mp4DLC_resnet50_openfieldAug20shuffle1_30000.nwb 1 2330
deeplabcut-history/reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.h5 1 12
deeplabcut/CollectedData_Pranav.h5 1 116
deeplabcut-madlc-demo/CollectedData_Daniel.h5 8 336
deepof/testDLC_h5_table.h5 1 100
deepof/testDLC_h5_table_madlc.h5 2 200
sleap/predictions.slp 2 6000
sleap/predictions.analysis.h5 2 6000
sleap/centered_pair_predictions.slp 27 29700
sleap/clip.slp 2 3000
deepof/testDLC_sleap.slp 1 101
deepof/testDLC_sleap.analysis.h5 1 101
EOF

# Detection by content.
for pair in "$DLC.h5 dlc-h5" "$DLC.nwb nwb" "$DATA/sleap/predictions.slp sleap-slp" \
    "$DATA/sleap/predictions.analysis.h5 sleap-h5" \
    "$DATA/deepof/testDLC_h5_table.h5 dlc-h5"; do
	set -- $pair
	t_is "detect $(basename "$1")" "$2" "$(h5dump-set detect "$1")"
done

# Bodyparts, individuals, NaN counts (MANIFEST).
t_like "m3v1 h5: bodyparts" '^bodyparts snout leftear rightear tailbase$' \
    "$(h5dump-set dlc-h5 "$DLC.h5" | grep '^bodyparts')"
t_is "m3v1 h5: one individual, no NaN" "ind1:0" "$(nans dlc-h5 "$DLC.h5")"
t_is "madlc demo: 8 birds" \
    "bird1 bird2 bird3 bird4 bird5 bird6 bird7 bird8" \
    "$(h5dump-set dlc-h5 "$DATA/deeplabcut-madlc-demo/CollectedData_Daniel.h5" |
    awk '$1 == "ind" { printf "%s%s", s, $2; s = " " }')"
t_like "deepof madlc: 4-level columns, 14 bodyparts" \
    '^mouse_black_tail:0 mouse_white_tail:0$' \
    "$(nans dlc-h5 "$DATA/deepof/testDLC_h5_table_madlc.h5")"
t_is "predictions.slp: ~2% NaN (x/y of 78000 points)" \
    "track_0:652 track_1:874" "$(nans sleap-slp "$DATA/sleap/predictions.slp")"
t_is "predictions.analysis.h5: same NaN" "track_0:652 track_1:874" \
    "$(nans sleap-h5 "$DATA/sleap/predictions.analysis.h5")"
t_is "centered pair: 27 tracks" 27 \
    "$(h5dump-set sleap-slp "$DATA/sleap/centered_pair_predictions.slp" |
    grep -c '^ind ')"
t_like "clip.slp: female, male; 13 nodes, 12 edges" \
    '^13 12 female male$' \
    "$(h5dump-set sleap-slp "$DATA/sleap/clip.slp" | awk '
    $1 == "bodyparts" { nb = NF - 1 } $1 == "edges" { ne = NF - 1 }
    $1 == "ind" { s = s " " $2 } END { print nb, ne s }')"
t_like "slp: video resolved by base name beside the file" \
    '"video":".*/sleap/centered_pair_low_quality.mp4"' \
    "$(h5dump-set sleap-slp "$DATA/sleap/centered_pair_predictions.slp" |
    grep '^seq')"

# Values against an independent reader.
# 1. DLC h5 (table format) vs its CSV twin (read by mz-convert's CSV
#    reader): the same rows, equal values (both float64 of one number).
mz-convert -o rh5.mzs "$REACH.h5" && mz-convert -o rcsv.mzs "$REACH.csv"
mz-convert --to dlc-csv rh5.mzs > rh5.csv 2>/dev/null
mz-convert --to dlc-csv rcsv.mzs > rcsv.csv 2>/dev/null
t_ok "reaching h5 == its CSV twin (values, written back as DLC CSV)" \
    cmp rh5.csv rcsv.csv
# 2. m3v1 h5 (pickled table columns) vs its NWB twin (plain datasets).
h5dump-set dlc-h5 "$DLC.h5" | awk '$1 == "F" { $3 = ""; print }' > a.txt
h5dump-set nwb "$DLC.nwb" | awk '$1 == "F" { $3 = ""; print }' > b.txt
t_ok "m3v1 h5 == m3v1 nwb (x, y, likelihood of every frame)" cmp a.txt b.txt
# 3. h5dump's text of the raw datasets vs the readers' values.
if [ -n "$HAVE_H5DUMP" ] && [ -n "$PY" ]; then
	h5dump -A 0 -m %.17g -d /df_with_missing/table -w 0 "$DLC.h5" > m3.dump
	h5dump -A 0 -m %.17g -d /tracks -w 0 "$DATA/sleap/predictions.analysis.h5" > tr.dump
	h5dump -A 0 -m %.17g -d /tracks -d /point_scores -w 0 \
	    "$DATA/deepof/testDLC_sleap.analysis.h5" > dt.dump
	h5dump -A 0 -m %.17g -d /tracks/block0_values -w 0 \
	    "$DATA/deepof/testDLC_h5_table_madlc.h5" > md.dump
	h5dump-set dlc-h5 "$DLC.h5" > m3.set
	h5dump-set sleap-h5 "$DATA/sleap/predictions.analysis.h5" > tr.set
	h5dump-set sleap-slp "$DATA/sleap/predictions.slp" > slp.set
	h5dump-set sleap-h5 "$DATA/deepof/testDLC_sleap.analysis.h5" > dt.set
	h5dump-set dlc-h5 "$DATA/deepof/testDLC_h5_table_madlc.h5" > md.set
	cat > cmp.py <<'EOF'
import re, sys
import numpy as np
# Values must agree to 1e-9 relative: h5dump prints %.17g-like text
# (exact for float64 up to its own rounding); the readers print %.17g.
def nums(path, dset):
    txt = open(path).read()
    blocks = re.split(r'DATASET "', txt)
    for b in blocks:
        if b.startswith(dset + '"'):
            data = b.rsplit("DATA {", 1)[1]
            data = re.sub(r"\(\d+(,\d+)*\):", " ", data)
            tok = re.findall(r"-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)",
                             data)
            return np.array([float(x) for x in tok])
    raise SystemExit("no " + dset)
def setrows(path):
    inds = []
    for line in open(path):
        w = line.split()
        if w[0] == "ind":
            inds.append([])
        elif w[0] == "F":
            inds[-1].append([float(x) for x in w[3:]])
    return [np.array(r) for r in inds]
def close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=0,
                                              equal_nan=True)
mode = sys.argv[1]
if mode == "table":      # index + 12 values per row
    v = nums("m3.dump", "/df_with_missing/table").reshape(-1, 13)[:, 1:]
    (s,) = setrows("m3.set")
    print("ok" if close(v, s) else "differ")
elif mode == "tracks":   # (tracks, 2, nodes, frames); set: x y p per node
    t = nums("tr.dump", "/tracks").reshape(2, 2, 13, 3000)
    ok = True
    for k, s in enumerate(setrows("tr.set")):
        s = s.reshape(3000, 13, 3)
        ok &= close(t[k, 0].T, s[:, :, 0]) and close(t[k, 1].T, s[:, :, 1])
    for k, s in enumerate(setrows("slp.set")):
        s = s.reshape(3000, 13, 3)
        ok &= close(t[k, 0].T, s[:, :, 0]) and close(t[k, 1].T, s[:, :, 1])
    print("ok" if ok else "differ")
elif mode == "newer":    # with point_scores (tracks, nodes, frames)
    t = nums("dt.dump", "/tracks").reshape(1, 2, 14, 101)
    p = nums("dt.dump", "/point_scores").reshape(1, 14, 101)
    (s,) = setrows("dt.set")
    s = s.reshape(101, 14, 3)
    ok = close(t[0, 0].T, s[:, :, 0]) and close(t[0, 1].T, s[:, :, 1]) \
        and close(p[0].T, s[:, :, 2])
    print("ok" if ok else "differ")
elif mode == "fixed":    # block0_values (100, 84): 2 mice x 14 x (x,y,p)
    v = nums("md.dump", "/tracks/block0_values").reshape(100, 84)
    a, b = setrows("md.set")
    print("ok" if close(v, np.hstack([a, b])) else "differ")
EOF
	t_is "m3v1 table values == h5dump of df_with_missing/table" ok \
	    "$("$PY" cmp.py table)"
	t_is "predictions analysis.h5 and .slp x/y == h5dump of /tracks" ok \
	    "$("$PY" cmp.py tracks)"
	t_is "newer analysis layout: x, y, point_scores == h5dump" ok \
	    "$("$PY" cmp.py newer)"
	t_is "fixed format (madlc) values == h5dump of block0_values" ok \
	    "$("$PY" cmp.py fixed)"
else
	for d in table tracks newer fixed; do
		t_skip "h5dump comparison $d" "no h5dump or no python3/numpy"
	done
fi
# 4. The newer-layout analysis.h5 and its .slp agree exactly.
h5dump-set sleap-h5 "$DATA/deepof/testDLC_sleap.analysis.h5" |
    grep '^F' > s1.txt
h5dump-set sleap-slp "$DATA/deepof/testDLC_sleap.slp" | grep '^F' > s2.txt
t_ok "testDLC_sleap: analysis.h5 == .slp (every value)" cmp s1.txt s2.txt

# --zero-missing on the madlc fixed file: (0, 0) points become missing.
mz-convert -o z0.mzs "$DATA/deepof/testDLC_h5_table_madlc.h5"
mz-convert --zero-missing -o z1.mzs "$DATA/deepof/testDLC_h5_table_madlc.h5"
zeros=$(h5dump-set dlc-h5 "$DATA/deepof/testDLC_h5_table_madlc.h5" | awk '
    $1 == "F" { for (i = 4; i + 1 <= NF; i += 3) n += ($i == 0 && $(i+1) == 0) }
    END { print n }')
t_like "madlc file stores missing points as 0.0" '^[1-9][0-9]*$' "$zeros"
t_ok "--zero-missing converts" test -s z1.mzs
# Count, from mz-cat's CSV (NaN is an empty cell), the points whose x and
# y are both 0 and those that are missing with confidence 0.
count_points() {
	mz-cat --csv "$1" | awk -F, -v want="$2" '
	    NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /\.x$/) x[i] = 1; next }
	    { for (i in x) {
		if (want == "zero" && $i == 0 && $(i + 1) == 0) n++
		if (want == "nan" && $i == "" && $(i + 1) == "" && $(i + 2) == 0) n++
	    } }
	    END { print n + 0 }'
}
t_is "without --zero-missing the (0, 0) points stay" "$zeros" \
    "$(count_points z0.mzs zero)"
t_is "--zero-missing: each (0, 0) point is NaN with confidence 0" \
    "$zeros 0" "$(count_points z1.mzs nan) $(count_points z1.mzs zero)"

# --key: choose, unknown key lists the keys.
t_ok "--key df_with_missing" mz-convert --key df_with_missing -o k.mzs \
    "$DLC.h5"
t_fails "unknown key: message lists the keys" 1 \
    "m3v1.*no pandas key 'nope' \\(keys in the file: df_with_missing\\)" \
    mz-convert --key nope -o k2.mzs "$DLC.h5"
t_ok "unknown key: no output left behind" test ! -e k2.mzs

# --------------------------------------------------------------- bad input
head -c 20000 "$DLC.h5" > trunc.h5
t_fails "truncated HDF5: exit 1, file named" 1 'trunc\.h5' \
    mz-convert --from dlc-h5 -o t.mzs trunc.h5
t_ok "truncated HDF5: no output left behind" test ! -e t.mzs
head -c 3000 "$DATA/sleap/predictions.slp" > trunc.slp
t_fails "truncated .slp" 1 'trunc\.slp' \
    mz-convert --from sleap-slp -o t.mzs trunc.slp
cp "$REACH.h5" corrupt.h5
chmod u+w corrupt.h5
# Overwrite the pickled column attribute's bytes and the table's data.
printf 'Z%.0s' $(seq 1 4000) | dd of=corrupt.h5 bs=1 seek=4000 conv=notrunc 2>/dev/null
t_fails "corrupt HDF5 bytes: exit 1, file named" 1 'corrupt\.h5' \
    mz-convert --from dlc-h5 -o c.mzs corrupt.h5
t_ok "corrupt HDF5: no output left behind" test ! -e c.mzs
printf 'not hdf5 at all\n' > plain.h5
t_fails "not HDF5" 1 'plain\.h5: not an HDF5 file' \
    h5dump-set dlc-h5 plain.h5
t_fails "a .slp read as NWB names the file" 1 \
    'predictions\.slp: no /processing group' \
    h5dump-set nwb "$DATA/sleap/predictions.slp"
t_fails "an NWB read as DLC h5: no pandas object" 1 \
    'no pandas object' h5dump-set dlc-h5 "$DLC.nwb"
t_fails "analysis h5 read as slp: no metadata" 1 \
    "/metadata: no attribute 'json'" \
    h5dump-set sleap-slp "$DATA/sleap/predictions.analysis.h5"

t_done
