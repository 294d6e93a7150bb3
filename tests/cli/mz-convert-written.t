#!/bin/sh
# tests: mz-convert on written samples of the HDF5 formats that have no
# real sample in ../shared/data: NWB with ndx-pose 0.2 (Skeletons,
# PoseEstimation, PoseEstimationSeries with starting_time and rate, or
# timestamps), SLEAP's analysis .h5 in the newer multi-track layout, and
# DeepLabCut's stitched multi-animal _el.h5 (pandas table format, key
# "tracks", individuals level with "single").  tests/tools/mkh5 writes them
# with the HDF5 C library as the real writers lay them out.
# requires: mkh5 (built when HDF5 is found), mz-convert; python3 with
# numpy and h5py for the independent value checks (h5py reads the written
# file, Python's own pickle module its PyTables attributes, and
# share/python/mzs.py the stream; skipped without).
. "$(dirname "$0")/lib.sh"

command -v mkh5 >/dev/null 2>&1 ||
	t_skip_all "mkh5 not built (needs HDF5; see the Makefile's TESTTOOLS)"

PYTHONPATH=$TOP/share/python
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE

HAVE_H5PY=
if [ -n "$PY" ] && "$PY" -c 'import h5py' 2>/dev/null; then
	HAVE_H5PY=1
fi

# t_skip DESC REASON: one skipped test.
t_skip() {
	_n=$((_n + 1))
	echo "ok $_n # skip $1: $2"
}

# mkh5 prints "missing M of N points": what it left out of the file.
for k in nwb-rate nwb-ts sleap-h5 sleap-h5-untracked dlc-el dlc-el-ragged \
    sleap-h5-badscores nwb-badconf; do
	mkh5 "$k" "$k.h5" > "$k.missing" ||
	    { echo "Bail out! mkh5 $k failed"; exit 1; }
done
# miss KIND: M of mkh5's "missing M of N points" for KIND.
miss() { awk '{ print $2 }' "$1.missing"; }

# ------------------------------------------------------------ convert
t_ok "nwb (ndx-pose 0.2, rate) converts" mz-convert -q -o nwb-rate.mzs \
    nwb-rate.h5
t_ok "nwb (ndx-pose 0.2, timestamps) converts" mz-convert -q \
    -o nwb-ts.mzs nwb-ts.h5
t_ok "sleap analysis .h5 (3 tracks) converts" mz-convert -q \
    -o sleap-h5.mzs sleap-h5.h5
t_ok "sleap analysis .h5 without tracks converts" mz-convert -q \
    -o sleap-h5-untracked.mzs sleap-h5-untracked.h5
t_ok "DLC _el.h5 converts" mz-convert -q -o dlc-el.mzs dlc-el.h5
t_ok "DLC _el.h5 with --from dlc-h5 --key tracks" mz-convert -q \
    --from dlc-h5 --key tracks -o dlc-el-key.mzs dlc-el.h5
for k in nwb-rate sleap-h5 dlc-el; do
	case $k in
	nwb-*) f=nwb ;; sleap-*) f=sleap-h5 ;; dlc-*) f=dlc-h5 ;;
	esac
	t_is "$k: detected as $f" "$f" "$(h5dump-set detect "$k.h5" 2>&1)"
done

# ------------------------------------------------------ bad input
t_fails "DLC _el.h5: kind pickle one column short" 1 \
    'dlc-el-ragged\.h5: /tracks/table: .*39 columns.*38 columns' \
    mz-convert -o bad.mzs dlc-el-ragged.h5
t_ok "... no output left behind" test ! -e bad.mzs
t_fails "sleap .h5: point_scores one frame short" 1 \
    'sleap-h5-badscores\.h5: /point_scores: 885 values, tracks has 3 tracks x 5 nodes x 60 frames' \
    mz-convert -o bad.mzs sleap-h5-badscores.h5
t_ok "... no output left behind" test ! -e bad.mzs
t_fails "nwb: confidence one sample short" 1 \
    'nwb-badconf\.h5: /processing/behavior/mouse1/snout/confidence: 49 values for 50 samples' \
    mz-convert -o bad.mzs nwb-badconf.h5
t_ok "... no output left behind" test ! -e bad.mzs
t_fails "DLC _el.h5: unknown key" 1 "dlc-el\\.h5: no pandas key 'df'.*tracks" \
    mz-convert --from dlc-h5 --key df -o bad.mzs dlc-el.h5
head -c 3000 dlc-el.h5 > trunc.h5
t_fails "truncated HDF5 file" 1 'trunc\.h5: ' \
    mz-convert --from dlc-h5 -o bad.mzs trunc.h5
t_ok "... no output left behind" test ! -e bad.mzs

# ------------------------------------------------------ values
# check.py KIND H5 MZS: compares the stream (mzs.py) with the written
# file read by h5py (and, for the pandas file, Python's pickle module);
# prints "ok", the part count and the missing points in the stream, or
# the first difference; the missing count must be mkh5's.  Values are float64 on both sides
# and must be equal exactly; NWB data are multiplied by their conversion
# factor (float32 0.5: exact).  Missing points: NaN x and y, p 0.
cat > check.py <<'EOF'
import json, pickle, sys
import numpy as np
import h5py
import mzs

def fail(msg):
    print(msg)
    sys.exit(0)

def same(a, b):
    a = np.asarray(a, dtype=np.float64); b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)

def expect(x, y, p):
    x = np.array(x, dtype=np.float64); y = np.array(y, dtype=np.float64)
    p = np.array(p, dtype=np.float64)
    miss = np.isnan(x) | np.isnan(y)
    x[miss] = np.nan; y[miss] = np.nan
    p[np.isnan(p)] = 0; p[miss] = 0
    return x, y, p

def compare(parts, inds, bps, frames, times, pts):
    """pts[(ind, bp)] = (x, y, p) over frames; times None: no check."""
    if [p.meta["individual"] for p in parts] != inds:
        fail("individuals %r, want %r" % ([p.meta["individual"] for p in parts], inds))
    for k, p in enumerate(parts):
        m = p.meta
        if m["bodyparts"] != bps or m["individuals"] != inds:
            fail("%s: bodyparts %r individuals %r" % (inds[k], m["bodyparts"], m["individuals"]))
        if list(p.columns["frame"]) != list(frames):
            fail("%s: frames differ" % inds[k])
        if any(v != k for v in p.columns["id"]):
            fail("%s: id column is not %d" % (inds[k], k))
        if times is not None and not same(p.columns["time"], times):
            fail("%s: times differ: %r vs %r" % (inds[k], p.columns["time"][:3], times[:3]))
        for bp in bps:
            x, y, q = expect(*pts[(inds[k], bp)])
            for c, w in (("x", x), ("y", y), ("p", q)):
                if not same(p.columns[bp + "." + c], w):
                    fail("%s %s.%s differs" % (inds[k], bp, c))
    return sum(int(np.isnan(p.columns[bp + ".x"]).sum()) for p in parts for bp in bps)

kind, h5, stream = sys.argv[1:4]
f = h5py.File(h5, "r")
parts = list(mzs.read(stream))
if kind.startswith("nwb"):
    mod = f["processing/behavior"]
    pes = [n for n in mod if mod[n].attrs.get("neurodata_type") == "PoseEstimation"]
    inds = pes if len(pes) > 1 else ["ind1"]
    sk = mod[pes[0]]["skeleton"]   # the soft link to the Skeleton
    bps = [s.decode() if isinstance(s, bytes) else s for s in sk["nodes"][()]]
    edges = [[bps[a], bps[b]] for a, b in sk["edges"][()]]
    if parts[0].meta["skeleton"] != edges:
        fail("skeleton %r, want %r" % (parts[0].meta["skeleton"], edges))
    pts, times = {}, None
    for ind, pe in zip(inds, pes):
        for bp in bps:
            s = mod[pe][bp]
            d = s["data"][()] * float(s["data"].attrs["conversion"])
            pts[(ind, bp)] = (d[:, 0], d[:, 1], s["confidence"][()])
            if "timestamps" in s:
                t = s["timestamps"][()]
            else:
                st = s["starting_time"]
                t = st[()] + np.arange(len(d)) / float(st.attrs["rate"])
            times = t
    frames = range(len(times))
    fps = parts[0].meta["fps"]
    if kind == "nwb-rate" and fps != 30:
        fail("fps %r, want 30 (the rate)" % fps)
    if kind == "nwb-ts" and fps is not None:
        fail("fps %r for uneven timestamps, want none" % fps)
    # times from a rate: t0 + i / rate, to 1e-12 s (the two sides may
    # round the division differently); timestamps exactly.
    if kind == "nwb-rate":
        for p in parts:
            if np.max(np.abs(p.columns["time"] - times)) > 1e-12:
                fail("times differ by more than 1e-12 s")
        times = None
    nan = compare(parts, inds, bps, frames, times, pts)
elif kind.startswith("sleap"):
    tr = f["tracks"][()]                      # (tracks, 2, nodes, frames)
    ps = f["point_scores"][()]                # (tracks, nodes, frames)
    occ = f["track_occupancy"][()]            # (frames, tracks)
    bps = [s.decode() for s in f["node_names"][()]]
    tn = f["track_names"][()]
    inds = [s.decode() for s in tn] if len(tn) else ["track_0"]
    edges = [[bps[a], bps[b]] for a, b in f["edge_inds"][()]]
    if parts[0].meta["skeleton"] != edges:
        fail("skeleton %r, want %r" % (parts[0].meta["skeleton"], edges))
    if parts[0].meta["video"] != f["video_path"][()].decode():
        fail("video %r" % parts[0].meta["video"])
    pts = {}
    for t, ind in enumerate(inds):
        for j, bp in enumerate(bps):
            x, y = tr[t, 0, j], tr[t, 1, j]
            p = np.where(np.isnan(ps[t, j]), 1.0, ps[t, j])   # user points: 1
            pts[(ind, bp)] = (x, y, p)
        # an unoccupied frame has no points
        if np.any(~np.isnan(tr[t, 0][:, occ[:, t] == 0])):
            fail("mkh5 wrote points in an unoccupied frame")
    nan = compare(parts, inds, bps, range(tr.shape[3]), None, pts)
else:
    g = f["tracks"]
    tab = g["table"][()]
    cols = pickle.loads(bytes(g["table"].attrs["values_block_0_kind"]))
    info = pickle.loads(bytes(g.attrs["info"]))
    if info[1]["names"] != ["scorer", "individuals", "bodyparts", "coords"]:
        fail("level names %r" % info[1]["names"])
    nia = pickle.loads(bytes(g.attrs["non_index_axes"]))
    if nia != [(1, cols)]:
        fail("non_index_axes differs from values_block_0_kind")
    vals = tab["values_block_0"]
    inds, bps, pts = [], [], {}
    for c, (sc, ind, bp, co) in enumerate(cols):
        if ind not in inds: inds.append(ind)
        if bp not in bps: bps.append(bp)
        pts.setdefault((ind, bp), {})[co] = vals[:, c]
    full = {}
    for ind in inds:
        for bp in bps:
            d = pts.get((ind, bp))
            n = len(tab)
            full[(ind, bp)] = (d["x"], d["y"], d["likelihood"]) if d else \
                (np.full(n, np.nan), np.full(n, np.nan), np.zeros(n))
    if parts[0].meta["scorer"] != cols[0][0]:
        fail("scorer %r" % parts[0].meta["scorer"])
    nan = compare(parts, inds, bps, tab["index"], None, full)
print("ok %d parts, %d missing points" % (len(parts), nan))
EOF

if [ -n "$HAVE_H5PY" ]; then
	t_is "nwb-rate: values, times, skeleton equal h5py's" \
	    "ok 2 parts, $(miss nwb-rate) missing points" \
	    "$("$PY" check.py nwb-rate nwb-rate.h5 nwb-rate.mzs 2>&1)"
	t_is "nwb-ts: values (conversion 0.5), timestamps equal h5py's" \
	    "ok 1 parts, $(miss nwb-ts) missing points" \
	    "$("$PY" check.py nwb-ts nwb-ts.h5 nwb-ts.mzs 2>&1)"
	t_is "sleap-h5: values, scores, track names equal h5py's" \
	    "ok 3 parts, $(miss sleap-h5) missing points" \
	    "$("$PY" check.py sleap sleap-h5.h5 sleap-h5.mzs 2>&1)"
	t_is "sleap-h5 without tracks: values equal h5py's" \
	    "ok 1 parts, $(miss sleap-h5-untracked) missing points" \
	    "$("$PY" check.py sleap sleap-h5-untracked.h5 \
	    sleap-h5-untracked.mzs 2>&1)"
	t_is "DLC _el.h5: values, individuals, 'single' equal h5py + pickle" \
	    "ok 4 parts, $(miss dlc-el) missing points" \
	    "$("$PY" check.py dlc dlc-el.h5 dlc-el.mzs 2>&1)"
	t_is "DLC _el.h5 read with --key tracks: the same values" \
	    "ok 4 parts, $(miss dlc-el) missing points" \
	    "$("$PY" check.py dlc dlc-el.h5 dlc-el-key.mzs 2>&1)"
else
	for k in nwb-rate nwb-ts sleap-h5 sleap-h5-untracked dlc-el dlc-el-key; do
		t_skip "$k values" "no python3 with numpy and h5py"
	done
fi

# h5dump (hdf5-tools), a second independent reader: the first frame of
# mouse2's snout in nwb-rate and the (x, y, p) of track_1, node thorax,
# frame 20 of the SLEAP file, against h5dump-set (mz-convert's readers).
if command -v h5dump >/dev/null 2>&1; then
	# h5v FILE DATASET START COUNT: values printed by h5dump, one a line.
	h5v() {
		h5dump -m %.17g -d "$2" -s "$3" -c "$4" -y -A 0 "$1" \
		    2>/dev/null | awk '/DATA \{/ { d = 1; next }
		    /\}/ { d = 0 } d { gsub(/,/, " "); for (i = 1; i <= NF;
		    i++) print $i }' | tr '\n' ' ' | sed 's/ $//'
	}
	want="$(h5v nwb-rate.h5 /processing/behavior/mouse2/snout/data \
	    0,0 1,2) $(h5v nwb-rate.h5 \
	    /processing/behavior/mouse2/snout/confidence 0 1)"
	got=$(h5dump-set nwb nwb-rate.h5 | awk '$1 == "ind" { i = $2 }
	    i == "mouse2" && $1 == "F" && $2 == 0 { print $4, $5, $6; exit }')
	t_is "nwb-rate: mouse2 snout frame 0 equals h5dump's" "$want" "$got"
	want="$(h5v sleap-h5.h5 /tracks 1,0,1,20 1,1,1,1) $(h5v sleap-h5.h5 \
	    /tracks 1,1,1,20 1,1,1,1) $(h5v sleap-h5.h5 /point_scores \
	    1,1,20 1,1,1)"
	got=$(h5dump-set sleap-h5 sleap-h5.h5 | awk '$1 == "ind" { i = $2 }
	    i == "track_1" && $1 == "F" && $2 == 20 { print $7, $8, $9; exit }')
	t_is "sleap-h5: track_1 thorax frame 20 equals h5dump's" "$want" "$got"
else
	t_skip "nwb-rate h5dump check" "h5dump (hdf5-tools) not installed"
	t_skip "sleap-h5 h5dump check" "h5dump (hdf5-tools) not installed"
fi

t_done
