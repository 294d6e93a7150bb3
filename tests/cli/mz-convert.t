#!/bin/sh
# tests: mz-convert (text formats, TRex, CalMS21, the DLC CSV writer; the
# HDF5 formats are in mz-convert-h5.t)
# requires: mzgen, mz-info; python3 with numpy and pandas for the value
# checks (skipped without), share/python/mzs.py as the independent stream
# reader; $DATA for the real files (skipped without).
. "$(dirname "$0")/lib.sh"

PYTHONPATH=$TOP/share/python
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE

HAVE_PD=
if [ -n "$PY" ] && "$PY" -c 'import pandas' 2>/dev/null; then
	HAVE_PD=1
fi

# t_skip DESC REASON: one skipped test.
t_skip() {
	_n=$((_n + 1))
	echo "ok $_n # skip $1: $2"
}

# info FILE: mz-info's summary lines "parts: N" and "rows: N" as "N N".
info() {
	mz-info "$1" | awk '$1 == "parts:" { p = $2 } $1 == "rows:" { r = $2 }
	    END { print p, r }'
}

# check.py MODE ARGS...: compares a stream (read with mzs.py) with the
# source file read independently (pandas, numpy, json, csv); prints "ok"
# or the first difference.  Values must be equal exactly: both sides parse
# the same decimal text (or take the same float32/float64) to float64.
# Missing points: NaN x/y (and z) with p 0, as the standard says.
cat > check.py <<'EOF'
import csv, json, math, re, sys
import numpy as np
import mzs

def fail(msg):
    print(msg)
    sys.exit(0)

def same(a, b):
    a = np.asarray(a, dtype=np.float64); b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)

def expect_point(x, y, p, z=None):
    """The standard's missing rule applied to the source's values: a
    point with any coordinate empty or not finite is missing as a whole."""
    x = np.array(x, dtype=np.float64); y = np.array(y, dtype=np.float64)
    p = np.array(p, dtype=np.float64)
    miss = ~np.isfinite(x) | ~np.isfinite(y)
    if z is not None:
        z = np.array(z, dtype=np.float64); miss |= ~np.isfinite(z)
        z[miss] = np.nan
    x[miss] = np.nan; y[miss] = np.nan
    p[np.isnan(p)] = 0; p[miss] = 0
    return x, y, p, z

def dlc(path, stream, prefix=None, fmt="dlc-csv"):
    import pandas as pd
    rows = list(csv.reader(open(path)))
    nh = 4 if rows[1][0] == "individuals" else 3
    nidx = 1
    while rows[0][nidx] == "":
        nidx += 1
    # float_precision="round_trip": Python's own, correctly rounded
    # parser (pandas' default C parser can be 1 ulp off).
    df = pd.read_csv(path, header=list(range(nh)),
                     index_col=list(range(nidx)), float_precision="round_trip")
    inds, bps, cols = [], [], {}
    for c in df.columns:
        if nh == 4:
            ind, bp, co = c[1], c[2], c[3]
        elif prefix and prefix in c[1][1:-1]:
            i = c[1].index(prefix, 1)
            ind, bp, co = c[1][:i], c[1][i + len(prefix):], c[2]
        elif prefix:
            ind, bp, co = "single", c[1], c[2]
        else:
            ind, bp, co = "ind1", c[1], c[2]
        if ind not in inds: inds.append(ind)
        if bp not in bps: bps.append(bp)
        cols[(ind, bp, co)] = df[c].to_numpy(dtype=np.float64)
    P = list(mzs.read(stream))
    if nidx > 1:
        idx = ["/".join(str(v) for v in t if str(v) != "nan") for t in df.index]
    else:
        idx = [str(v) for v in df.index]
    if all(re.fullmatch(r"-?\d+", s) for s in idx):
        seqs = [(None, list(range(len(idx))), [int(s) for s in idx])]
    else:
        dirs = []
        for s in idx:
            d = s.rsplit("/", 2)[-2] if "/" in s else None
            if d not in dirs: dirs.append(d)
        seqs = []
        for d in dirs:
            rws = [i for i, s in enumerate(idx) if (s.rsplit("/", 2)[-2] if "/" in s else None) == d]
            fr = [int(re.findall(r"\d+", idx[i].rsplit("/", 1)[-1])[-1]) for i in rws]
            if any(b <= a for a, b in zip(fr, fr[1:])): fr = list(range(len(rws)))
            seqs.append((d, rws, fr))
    if len(P) != len(inds) * len(seqs):
        fail("parts: %d, want %d individuals x %d sequences" % (len(P), len(inds), len(seqs)))
    nan_stream = nan_src = 0
    for si, (d, rws, fr) in enumerate(seqs):
        for k, ind in enumerate(inds):
            p = P[si * len(inds) + k]
            m = p.meta
            if m["individual"] != ind or m["individuals"] != inds:
                fail("part %d: individual %r of %r, want %r of %r" % (k, m["individual"], m["individuals"], ind, inds))
            if m["bodyparts"] != bps:
                fail("bodyparts %r, want %r" % (m["bodyparts"], bps))
            if m["source_format"] != fmt or m["source_file"] != path:
                fail("source %r %r" % (m["source_format"], m["source_file"]))
            if d is not None and m["sequence"] != d:
                fail("sequence %r, want %r" % (m["sequence"], d))
            if list(p.columns["frame"]) != fr:
                fail("%s: frames differ" % ind)
            if any(v != k for v in p.columns["id"]):
                fail("%s: id column is not %d" % (ind, k))
            for bp in bps:
                nan = np.full(len(rws), np.nan)
                x = cols.get((ind, bp, "x"), nan)[rws]
                y = cols.get((ind, bp, "y"), nan)[rws]
                have = (ind, bp, "x") in cols
                lk = cols.get((ind, bp, "likelihood"))
                pp = lk[rws] if lk is not None else np.where(have, 1.0, 0.0) * np.ones(len(rws))
                x, y, pp, _ = expect_point(x, y, pp)
                for nm, want in (("x", x), ("y", y), ("p", pp)):
                    got = p.columns["%s.%s" % (bp, nm)]
                    if not same(got, want):
                        i = int(np.flatnonzero(~((np.asarray(got) == want) | (np.isnan(got) & np.isnan(want))))[0])
                        fail("%s %s.%s row %d: %r, want %r" % (ind, bp, nm, i, got[i], want[i]))
                if have:
                    nan_src += int(np.isnan(x).sum() + np.isnan(y).sum())
                    nan_stream += int(np.isnan(p.columns[bp + ".x"]).sum() + np.isnan(p.columns[bp + ".y"]).sum())
    if nan_stream != nan_src:
        fail("NaN count %d, the CSV has %d" % (nan_stream, nan_src))
    print("ok")

def trex(stream, *files):
    P = list(mzs.read(stream))
    if len(P) != len(files):
        fail("parts: %d, want %d" % (len(P), len(files)))
    names = ["id%d" % int(np.load(f)["id"][0]) for f in files]
    ninf = nnan = 0
    for k, (p, f) in enumerate(zip(P, files)):
        z = np.load(f)
        m = p.meta
        if m["individual"] != names[k] or m["individuals"] != names:
            fail("individual %r of %r" % (m["individual"], m["individuals"]))
        if m["sequence"] != re.sub(r"_id\d+$", "", f.rsplit("/", 1)[-1][:-4]):
            fail("sequence %r" % m["sequence"])
        if m["fps"] != float(z["frame_rate"][0]) or m["fps_source"] != "file":
            fail("fps %r" % m["fps"])
        cm = float(z["cm_per_pixel"][0])
        if m["cm_per_pixel"] != cm or m["units"] != "px":
            fail("cm_per_pixel %r units %r" % (m["cm_per_pixel"], m["units"]))
        if list(p.columns["frame"]) != [int(v) for v in z["frame"]]:
            fail("frames differ")
        if not same(p.columns["time"], np.asarray(p.columns["frame"], dtype=np.float64) / m["fps"]):
            fail("time is not frame / fps")
        if any(v != k for v in p.columns["id"]):
            fail("id column")
        pts = [("centroid", z["X"].astype(np.float64) / cm, z["Y"].astype(np.float64) / cm, z["X"], z["Y"])]
        j = 0
        while "poseX%d" % j in z.files:
            pts.append(("pose%d" % j, z["poseX%d" % j].astype(np.float64), z["poseY%d" % j].astype(np.float64), z["poseX%d" % j], z["poseY%d" % j]))
            j += 1
        if m["bodyparts"] != [b for b, *_ in pts]:
            fail("bodyparts %r" % m["bodyparts"])
        for bp, x, y, rx, ry in pts:
            miss = ~np.isfinite(rx) | ~np.isfinite(ry)
            ninf += int(np.isposinf(rx).sum() + np.isposinf(ry).sum())
            x[miss] = np.nan; y[miss] = np.nan
            pp = np.where(miss, 0.0, 1.0)
            for nm, want in (("x", x), ("y", y), ("p", pp)):
                if not same(p.columns[bp + "." + nm], want):
                    fail("%s %s.%s differs" % (names[k], bp, nm))
            nnan += int(np.isnan(p.columns[bp + ".x"]).sum() + np.isnan(p.columns[bp + ".y"]).sum())
        a = z["ANGLE"].astype(np.float64)
        a[~np.isfinite(a)] = np.nan
        if not same(p.columns["angle"], a):
            fail("angle differs")
    if ninf == 0:
        fail("the sample has no +inf (the test would prove nothing)")
    if nnan != ninf:
        fail("%d NaN in the stream, %d +inf in the files" % (nnan, ninf))
    print("ok")

def sleapcsv(path, stream):
    rows = list(csv.reader(open(path)))
    hdr, data = rows[0], rows[1:]
    nodes = [h[:-2] for h in hdr[3::3]]
    P = list(mzs.read(stream))
    tracks = []
    for r in data:
        t = r[0] or "untracked"
        if t not in tracks: tracks.append(t)
    if [p.meta["individual"] for p in P] != tracks:
        fail("individuals %r, want %r" % ([p.meta["individual"] for p in P], tracks))
    frames = sorted({int(r[1]) for r in data})
    for p in P:
        if list(p.columns["frame"]) != frames:
            fail("frames")
        if p.meta["bodyparts"] != nodes:
            fail("bodyparts %r" % p.meta["bodyparts"])
    f = lambda s: float(s) if s != "" else math.nan
    for r in data:
        p = P[tracks.index(r[0] or "untracked")]
        i = frames.index(int(r[1]))
        for k, nd in enumerate(nodes):
            x, y, s = f(r[3 + 3 * k]), f(r[4 + 3 * k]), f(r[5 + 3 * k])
            s = 1.0 if math.isnan(s) else s
            x, y, s, _ = expect_point([x], [y], [s])
            for nm, want in (("x", x), ("y", y), ("p", s)):
                if not same([p.columns[nd + "." + nm][i]], want):
                    fail("%s.%s frame %d" % (nd, nm, int(r[1])))
    print("ok")

def calms(path, stream):
    d = json.load(open(path))
    P = list(mzs.read(stream))
    names = ["nose", "ear_left", "ear_right", "neck", "hip_left", "hip_right", "tail_base"]
    i = 0
    for g, seqs in d.items():
        if g == "vocabulary": continue
        for sq, v in seqs.items():
            kp = np.array(v["keypoints"], dtype=np.float64)
            sc = np.array(v["scores"], dtype=np.float64) if "scores" in v else np.ones(kp.shape[:2] + kp.shape[3:])
            for m in range(kp.shape[1]):
                p = P[i]; i += 1
                me = p.meta
                if (me.get("group"), me["sequence"], me["individual"]) != (g, sq, "mouse%d" % m):
                    fail("part %d is %r" % (i - 1, (me.get("group"), me["sequence"], me["individual"])))
                if me["bodyparts"] != names:
                    fail("bodyparts %r" % me["bodyparts"])
                if me.get("annotations") != v.get("annotations"):
                    fail("annotations not kept")
                voc = v.get("metadata", {}).get("vocab", d.get("vocabulary"))
                if me.get("vocabulary") != voc:
                    fail("vocabulary %r, want %r" % (me.get("vocabulary"), voc))
                if list(p.columns["frame"]) != list(range(kp.shape[0])):
                    fail("frames")
                for k, nm in enumerate(names):
                    x, y, s, _ = expect_point(kp[:, m, 0, k], kp[:, m, 1, k], sc[:, m, k])
                    for c, want in (("x", x), ("y", y), ("p", s)):
                        if not same(p.columns[nm + "." + c], want):
                            fail("%s %s %s.%s" % (sq, m, nm, c))
    if i != len(P):
        fail("%d parts, want %d" % (len(P), i))
    print("ok")

def anipose(path, stream):
    rows = list(csv.reader(open(path)))
    hdr = rows[0]
    bps = [h[:-2] for h in hdr if h.endswith("_x")]
    P = list(mzs.read(stream))
    if len(P) != 1: fail("parts %d" % len(P))
    p = P[0]
    if p.meta["bodyparts"] != bps or p.meta["units"] != "board" or p.meta["individual"] != "ind1":
        fail("meta %r" % p.meta)
    f = lambda s: float(s) if s != "" else math.nan
    col = lambda n: [f(r[hdr.index(n)]) for r in rows[1:]]
    if list(p.columns["frame"]) != [int(f(v)) for v in col("fnum")]:
        fail("frames")
    for b in bps:
        x, y, s, z = expect_point(col(b + "_x"), col(b + "_y"), col(b + "_score"), col(b + "_z"))
        for c, want in (("x", x), ("y", y), ("z", z), ("p", s)):
            if not same(p.columns[b + "." + c], want):
                fail("%s.%s" % (b, c))
    if any(c.endswith("_error") or c.endswith("_ncams") for c in p.columns):
        fail("error/ncams columns leaked")
    print("ok")

def same_stream(a, b, names="1"):
    """Two streams hold the same parts, frames and bodypart values, and
    individual names unless names is "0", and sequence names if it is
    "2"."""
    A, B = list(mzs.read(a)), list(mzs.read(b))
    if len(A) != len(B): fail("parts %d vs %d" % (len(A), len(B)))
    for p, q in zip(A, B):
        if names == "2" and p.meta["sequence"] != q.meta["sequence"]:
            fail("sequence %r vs %r" % (p.meta["sequence"], q.meta["sequence"]))
        if names != "0" and p.meta["individual"] != q.meta["individual"]:
            fail("individual %r vs %r" % (p.meta["individual"], q.meta["individual"]))
        if list(p.columns["frame"]) != list(q.columns["frame"]):
            fail("frames")
        for bp in p.meta["bodyparts"]:
            for c in "xyp":
                if not same(p.columns[bp + "." + c], q.columns[bp + "." + c]):
                    fail("%s.%s" % (bp, c))
    print("ok")

def meta(stream, expr):
    g = dict(globals())
    g["P"] = list(mzs.read(stream))
    print(eval(expr, g))

def serve():
    """Answer requests (fields joined by US, one per line) with one line
    each, so that the test pays for numpy and pandas imports once."""
    import contextlib, io, traceback
    for line in sys.stdin:
        args = line.rstrip("\n").split("\x1f")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                globals()[args[0]](*args[1:])
            except SystemExit:
                pass
            except Exception:
                print(traceback.format_exc().strip().splitlines()[-1])
        sys.stdout.write(" | ".join(out.getvalue().strip().splitlines()) + "\n")
        sys.stdout.flush()

globals()[sys.argv[1]](*sys.argv[2:])
EOF

# chk MODE ARGS...: one check by check.py (numpy; pandas for dlc), run by
# a single python process that reads requests from a FIFO.
if [ -n "$PY" ]; then
	mkfifo req resp
	"$PY" check.py serve < req > resp 2>&1 &
	exec 3> req 4< resp
fi
chk() {
	_sep=$(printf '\037')
	_req=$1
	shift
	for _a in "$@"; do
		_req="$_req$_sep$_a"
	done
	printf '%s\n' "$_req" >&3
	IFS= read -r _line <&4
	printf '%s\n' "$_line"
}

# ------------------------------------------------------- usage, exit codes
t_fails "no option: usage error" 2 "usage: mz-convert" \
    mz-convert --bogus x.csv
t_fails "--from: unknown format" 2 "unknown format 'xls'" \
    mz-convert --from xls x.csv
t_fails "--fps must be positive" 2 "positive" mz-convert --fps -1 x.csv
t_fails "--fps and --video exclude each other" 2 "both" \
    mz-convert --fps 30 --video v.mp4 x.csv
t_fails "--to: only dlc-csv" 2 "only dlc-csv" mz-convert --to csv x.mzs
t_fails "--to takes no reader options" 2 "--to takes only" \
    mz-convert --to dlc-csv --fps 3 x.mzs
t_fails "missing input file: exit 1" 1 "nope.csv: No such file" \
    mz-convert -o out.mzs nope.csv
t_ok "--help exits 0" mz-convert --help

# --------------------------------------------------- written samples: DLC
# A 3-row prediction file (as DeepLabCut 2.x writes it), frames 0..4.
cat > pred.csv <<'EOF'
scorer,DLC_resnet50_testJan1shuffle1_100,DLC_resnet50_testJan1shuffle1_100,DLC_resnet50_testJan1shuffle1_100,DLC_resnet50_testJan1shuffle1_100,DLC_resnet50_testJan1shuffle1_100,DLC_resnet50_testJan1shuffle1_100
bodyparts,snout,snout,snout,tail,tail,tail
coords,x,y,likelihood,x,y,likelihood
0,10.5,20.25,0.9,30.125,40.0625,0.8
1,11.0000000000000002,21.1,0.95,,,
2,1e3,-2.5E-3,0.5,31.3,41.7,0.99999994039535522
3,12.3456789012345678,22.2,0.25,32.1,,0.7
4,13.0,23.0,,33.0,43.0,0.1
EOF
t_ok "DLC 3-row CSV converts" mz-convert -o pred.mzs pred.csv
t_is "DLC 3-row CSV: 1 part of 5 rows" "1 5" "$(info pred.mzs)"
if [ -n "$HAVE_PD" ]; then
	t_is "DLC 3-row CSV: values equal pandas.read_csv(header=[0,1,2])" \
	    ok "$(chk dlc pred.csv pred.mzs)"
	t_is "DLC 3-row CSV: metadata" \
	    "['pred', 'ind1', ['ind1'], None, 'unknown', 'px', ['snout', 'tail'], [], 'DLC_resnet50_testJan1shuffle1_100']" \
	    "$(chk meta pred.mzs '[P[0].meta[k] for k in ("sequence", "individual", "individuals", "fps", "fps_source", "units", "bodyparts", "skeleton", "scorer")]')"
	t_is "DLC 3-row CSV: unknown fps gives NaN times, not invented ones" \
	    "True" "$(chk meta pred.mzs 'all(np.isnan(P[0].columns["time"]))')"
	t_is "source_xxh64 is XXH64 of the file's bytes" \
	    "$("$PY" -c 'import mzs; print("%016x" % mzs.xxh64(open("pred.csv", "rb").read()))')" \
	    "$(chk meta pred.mzs 'P[0].meta["source_xxh64"]')"
else
	t_skip "DLC 3-row CSV values" "no python3 with pandas"
fi

# --fps, time, the history entry.
t_ok "--fps 25" mz-convert --fps 25 -o fps.mzs pred.csv
if [ -n "$PY" ]; then
	t_is "--fps: fps, fps_source and time = frame / fps" \
	    "25 option True" \
	    "$(chk meta fps.mzs '"%g %s %s" % (P[0].meta["fps"], P[0].meta["fps_source"], list(P[0].columns["time"]) == [f / 25 for f in range(5)])')"
	t_is "--fps: history options" \
	    "{'from': None, 'fps': 25, 'video': None, 'group': None, 'sequence': None, 'key': None, 'prefix_individuals': None, 'zero_missing': False}" \
	    "$(chk meta fps.mzs 'P[0].history[-1]["options"]')"
fi

# Lightning Pose writes the same layout; --from lightning-pose records it.
cat > lp.csv <<'EOF'
scorer,heatmap_tracker,heatmap_tracker,heatmap_tracker,heatmap_tracker,heatmap_tracker,heatmap_tracker,heatmap_tracker,heatmap_tracker,heatmap_tracker
bodyparts,paw1LH_top,paw1LH_top,paw1LH_top,paw2LF_top,paw2LF_top,paw2LF_top,nose_top,nose_top,nose_top
coords,x,y,likelihood,x,y,likelihood,x,y,likelihood
0,101.52348327636719,54.208160400390625,0.9912576079368591,88.9419937133789,60.1009521484375,0.8842036128044128,40.00,41.5,0.5
1,101.7,54.3,0.99,89.1,60.2,0.88,40.1,41.6,0.51
2,102.0,54.4,0.98,89.3,60.3,0.87,40.2,41.7,0.52
EOF
t_ok "Lightning Pose CSV (--from lightning-pose)" \
    mz-convert --from lightning-pose -o lp.mzs lp.csv
if [ -n "$HAVE_PD" ]; then
	t_is "Lightning Pose CSV: values and source_format" ok \
	    "$(chk dlc lp.csv lp.mzs '' lightning-pose)"
fi
t_ok "Lightning Pose CSV is detected as DLC layout" \
    mz-convert -o lp2.mzs lp.csv

# 4 header rows with an individual "single" holding unique bodyparts.
cat > ma.csv <<'EOF'
scorer,S,S,S,S,S,S,S,S,S,S,S,S,S,S,S
individuals,mus1,mus1,mus1,mus1,mus1,mus1,mus2,mus2,mus2,mus2,mus2,mus2,single,single,single
bodyparts,head,head,head,tail,tail,tail,head,head,head,tail,tail,tail,feeder,feeder,feeder
coords,x,y,likelihood,x,y,likelihood,x,y,likelihood,x,y,likelihood,x,y,likelihood
10,1,2,0.5,3,4,0.6,5,6,0.7,7,8,0.8,100,200,0.99
11,1.5,2.5,0.5,,,,5.5,6.5,0.7,7.5,8.5,0.8,100,200,0.98
13,2,3,0.5,3.5,4.5,0.6,6,7,0.7,8,9,0.8,,,
EOF
t_ok "DLC 4-row CSV with 'single'" mz-convert -o ma.mzs ma.csv
t_is "DLC 4-row CSV: 3 parts of 3 rows" "3 9" "$(info ma.mzs)"
if [ -n "$HAVE_PD" ]; then
	t_is "DLC 4-row CSV: values equal pandas.read_csv(header=[0,1,2,3])" \
	    ok "$(chk dlc ma.csv ma.mzs)"
	t_is "DLC 4-row CSV: 'single' has only its own bodypart" \
	    "[0.0, 0.0, 0.0] [0.99, 0.98, 0.0] [0.0, 0.0, 0.0]" \
	    "$(chk meta ma.mzs '" ".join(str(list(P[2].columns[c])) for c in ("head.p", "feeder.p", "tail.p"))')"
fi

# Newer DLC labelled data: the image path over three index columns, two
# videos -> two sequences, frames from the image numbers.
cat > CollectedData_New.csv <<'EOF'
scorer,,,Ann,Ann,Ann,Ann
bodyparts,,,nose,nose,tail,tail
coords,,,x,y,x,y
labeled-data,vidA,img0003.png,1.25,2.5,3.75,5
labeled-data,vidA,img0010.png,1.5,2.75,,
labeled-data,vidB,img0001.png,7,8,9,10
EOF
t_ok "CollectedData with a 3-column image index" \
    mz-convert -o new.mzs CollectedData_New.csv
if [ -n "$HAVE_PD" ]; then
	t_is "CollectedData (3-column index): values, one sequence per video" \
	    ok "$(chk dlc CollectedData_New.csv new.mzs)"
	t_is "CollectedData: frames from image numbers, images kept" \
	    "vidA [3, 10] ['labeled-data/vidA/img0003.png', 'labeled-data/vidA/img0010.png'] vidB [1]" \
	    "$(chk meta new.mzs '" ".join("%s %s%s" % (p.meta["sequence"], list(p.columns["frame"]), (" " + str(p.meta["images"])) if p.meta["sequence"] == "vidA" else "") for p in P)')"
fi

# A large prediction file (over the 4 MB at which several threads parse
# it), with blank lines, numbers of every length and form, and then the
# same file with a quoted cell (sequential path): values must equal
# Python's float() of the same text, and both outputs be the same bytes.
# With one individual the file is streamed, 4096 lines at a time (two
# segments of 2048 parsed at once): errors after the first batch went out
# (a bad cell, a ragged row, frames out of order) leave no output file.
if [ -n "$HAVE_PD" ]; then
	"$PY" - <<'EOF'
import random
random.seed(5)
k = 20
def num(i):
    r = random.random()
    if r < 0.01: return ""
    if r < 0.3: return repr(random.uniform(-5, 1300))
    if r < 0.5: return "%.*g" % (random.randint(1, 19), random.uniform(0, 1000))
    if r < 0.6: return "%.17e" % random.uniform(-1e-3, 1e-3)
    if r < 0.7: return "0.%0*d" % (random.randint(1, 25), random.randint(0, 10**15))
    if r < 0.8: return str(random.randint(-10**6, 10**6)) + random.choice(["", ".", ".0", ".50"])
    if r < 0.9: return repr(random.random())
    return "%.20f" % random.uniform(0, 1)
rows = ["scorer" + ",S" * (3 * k),
        "bodyparts" + "".join(",b%d,b%d,b%d" % (j, j, j) for j in range(k)),
        "coords" + ",x,y,likelihood" * k]
for i in range(4700):
    rows.append(str(i) + "".join("," + num(i) for _ in range(3 * k)))
    if i in (1000, 3333):
        rows.append("")
text = "\n".join(rows) + "\n"
open("big.csv", "w").write(text)
open("bigq.csv", "w").write(text.replace("\n17,", '\n"17",', 1))
lines = text.split("\n")
l = lines[4200].split(","); l[7] = "7.5.2"; lines[4200] = ",".join(l)
open("bigbad.csv", "w").write("\n".join(lines))
lines = text.split("\n"); lines[4300] += ",9"
open("bigrag.csv", "w").write("\n".join(lines))
lines = text.split("\n"); lines[4400] = "5" + lines[4400][lines[4400].index(","):]
open("bigord.csv", "w").write("\n".join(lines))
EOF
	t_ok "large DLC CSV (parallel parse)" mz-convert -c none -o big.mzs big.csv
	t_is "large DLC CSV: every value equals Python's float() of its text" \
	    ok "$(chk dlc big.csv big.mzs)"
	# Large files are mapped and hashed in a thread while they are
	# parsed: the hash must still be XXH64 of the whole file (mzs.py's
	# own implementation).
	t_is "large DLC CSV: source_xxh64 is XXH64 of the file" True \
	    "$(chk meta big.mzs 'P[0].meta["source_xxh64"] == "%016x" % mzs.xxh64(open("big.csv", "rb").read())')"
	t_ok "large DLC CSV with a quoted cell (sequential parse)" \
	    mz-convert -c none -o bigq.mzs bigq.csv
	t_is "parallel and sequential parses give the same values" ok \
	    "$(chk same_stream big.mzs bigq.mzs)"
	t_fails_clean "large DLC CSV: a bad cell in the second half, its line named" \
	    1 "bigbad.csv: line 4201, column 8 \(ind1/b2/x\): '7.5.2' is not a number" \
	    bad.mzs mz-convert -o bad.mzs bigbad.csv
	t_fails_clean "large DLC CSV: a ragged row in the second half" 1 \
	    "bigrag.csv: line 4301: 62 fields, the header has 61" \
	    bad.mzs mz-convert -o bad.mzs bigrag.csv
	t_fails_clean "large DLC CSV: frames out of order in the second batch" 1 \
	    "bigord.csv: line 4401: frame 5 after 4394: frames must increase" \
	    bad.mzs mz-convert -o bad.mzs bigord.csv
fi

# A quoted header cell (a bodypart name with a comma) does not stop the
# rows from being streamed (found by the fuzzer: the header's quotes were
# counted as the data's).
printf 'scorer,S,S,S\nbodyparts,"a,b","a,b","a,b"\ncoords,x,y,likelihood\n5,1.5,2.5,0.5\n6,,,\n' > qhead.csv
t_ok "a quoted bodypart name in the header" \
    mz-convert -c none -o qhead.mzs qhead.csv
t_is "... its rows" "5,1.5,2.5,0.5 6,,,0" \
    "$(echo $(mz-cat --csv qhead.mzs | cut -d, -f1,4- | tail -n +2))"

printf 'scorer,S,S\nbodyparts,a,a\ncoords,x,y\n' > hdronly.csv
t_ok "a DLC CSV of header rows only" \
    mz-convert -c none -o hdronly.mzs hdronly.csv
t_is "... one part of no rows" "1 0" \
    "$(mz-info hdronly.mzs | awk '$1 == "parts:" { p = $2 } $1 == "rows:" { r = $2 } END { print p, r }')"

# ------------------------------------------------------ bad DLC CSV input
sed '5s/,,,$/,,/' pred.csv > ragged.csv
t_fails "ragged CSV row: line named" 1 \
    "ragged.csv: line 5: 6 fields, the header has 7" \
    mz-convert -o bad.mzs ragged.csv
sed '7s/22.2/2x2/' pred.csv > nonnum.csv
t_fails "non-numeric cell: line and column named" 1 \
    "nonnum.csv: line 7, column 3 \(ind1/snout/y\): '2x2' is not a number" \
    mz-convert -o bad.mzs nonnum.csv
sed '2s/tail,tail,tail/snout,snout,snout/' pred.csv > dup.csv
t_fails "duplicate bodyparts" 1 "dup.csv: column 5: duplicate bodypart column ind1/snout/x" \
    mz-convert -o bad.mzs dup.csv
sed '3s/likelihood$/speed/' pred.csv > coord.csv
t_fails "unknown coordinate" 1 "coord.csv: line 3, column 7: unknown coordinate 'speed'" \
    mz-convert -o bad.mzs coord.csv
head -2 pred.csv > hdronly.csv
t_fails "header without coords row" 1 "hdronly.csv: line 3: the file ends in its header" \
    mz-convert -o bad.mzs hdronly.csv
sed '5s/^1,/0,/' pred.csv > order.csv
t_fails "frames must increase" 1 "order.csv: line 5: frame 0 after 0" \
    mz-convert -o bad.mzs order.csv
: > empty.csv
t_fails "empty file" 1 "empty.csv: empty file" mz-convert -o bad.mzs empty.csv
t_fails "empty file (forced format)" 1 "empty.csv: empty file" \
    mz-convert --from dlc-csv -o bad.mzs empty.csv
printf 'hello,world\n1,2\n' > what.csv
t_fails "unknown format" 1 "what.csv: unknown format .*--from" \
    mz-convert -o bad.mzs what.csv
t_fails "forced DLC on a non-DLC CSV" 1 "what.csv: line 1: not a DeepLabCut CSV" \
    mz-convert --from dlc-csv -o bad.mzs what.csv
mzgen -s 1 -i 1 -n 5 -o g1.mzs
t_fails "a stream is refused" 1 "g1.mzs: already an mzs stream" \
    mz-convert -o bad.mzs g1.mzs
t_fails "--prefix-individuals on a 4-row file" 1 "already has an 'individuals' row" \
    mz-convert --prefix-individuals _ -o bad.mzs ma.csv
t_fails "a bad second input fails the whole run" 1 "nonnum.csv: line 7" \
    mz-convert -o bad.mzs pred.csv nonnum.csv
t_is "no output file left behind by any failure" "" \
    "$(ls -a | grep -E '^bad\.mzs|\.tmp|mz-convert\.' || true)"

# --------------------------------------------------- SLEAP analysis CSV
cat > sl.analysis.csv <<'EOF'
track,frame_idx,instance.score,head.x,head.y,head.score,thorax.x,thorax.y,thorax.score
track_0,0,0.95,10.5,20.5,0.9,11.5,21.5,0.8
track_1,0,0.91,30.5,40.5,0.7,,,
track_0,2,0.97,12.5,22.5,0.6,13.5,23.5,0.5
,1,nan,50,60,,51,61,
track_1,1,0.90,31.5,41.5,0.75,32.5,42.5,0.65
EOF
t_ok "SLEAP analysis CSV converts" mz-convert -o sl.mzs sl.analysis.csv
t_is "SLEAP analysis CSV: 3 tracks x 3 frames" "3 9" "$(info sl.mzs)"
if [ -n "$PY" ]; then
	t_is "SLEAP analysis CSV: values equal Python's csv module" ok \
	    "$(chk sleapcsv sl.analysis.csv sl.mzs)"
fi
printf 'track,frame_idx,instance.score,a.x,a.y,a.score\nt,0,1,1,2,3\nt,0,1,1,2,3\n' \
    > sldup.csv
t_fails "SLEAP CSV: a track twice in one frame" 1 \
    "sldup.csv: line 3: a second instance of track 't' in frame 0" \
    mz-convert -o bad.mzs sldup.csv
printf 'track,frame_idx,instance.score,a.x,a.y,a.score\nt,x,1,1,2,3\n' \
    > slbad.csv
t_fails "SLEAP CSV: bad frame_idx" 1 \
    "slbad.csv: line 2, column 2 \(frame_idx\): 'x' is not a frame number" \
    mz-convert -o bad.mzs slbad.csv

printf 'track,frame_idx,instance.score\n,2,1\n' > slnonode.csv
t_fails "SLEAP CSV: a header without nodes" 1 \
    "slnonode.csv: line 1: not a SLEAP analysis CSV header .*one or more nodes" \
    mz-convert --from sleap-csv -o bad.mzs slnonode.csv
printf 'track,frame_idx,instance.score,a.x,a.y,a.score\n' > slhdr.csv
t_fails "SLEAP CSV: a header and no instances" 1 \
    "slhdr.csv: line 2: no instances after the header" \
    mz-convert -o bad.mzs slhdr.csv

# A point with one coordinate empty, "inf" or "-inf" (found by the CSV
# fuzz targets: readers used to keep the other coordinate and its
# confidence) is missing as a whole in every CSV reader.
printf 'scorer,S,S,S,S,S,S\nbodyparts,a,a,a,b,b,b\ncoords,x,y,likelihood,x,y,likelihood\n0,1,,0.9,inf,2,0.8\n1,1,2,0.9,3,-inf,0.5\n2,1,2,0.9,3,4,0.5\n' \
    > half.csv
printf 'track,frame_idx,instance.score,a.x,a.y,a.score,b.x,b.y,b.score\nt,0,1,1,,0.9,inf,2,0.8\nt,1,1,1,2,0.9,3,-inf,0.5\nt,2,1,1,2,0.9,3,4,0.5\n' \
    > halfsl.csv
printf 'a_x,a_y,a_z,a_error,a_ncams,a_score,b_x,b_y,b_z,b_error,b_ncams,b_score,fnum\n1,2,,0,2,0.9,inf,2,3,0,2,0.8,0\n1,2,3,0,2,0.9,3,4,-inf,0,2,0.5,1\n1,2,3,0,2,0.9,3,4,5,0,2,0.5,2\n' \
    > halfa3.csv
t_ok "half-missing points: DLC CSV converts" mz-convert -o half.mzs half.csv
t_ok "half-missing points: SLEAP CSV converts" mz-convert -o halfsl.mzs \
    halfsl.csv
t_ok "half-missing points: anipose converts" mz-convert -o halfa3.mzs \
    halfa3.csv
if [ -n "$PY" ]; then
	# Frames 0 and 1 of a and b: missing except a in frame 1 (and, for
	# anipose, a in frame 1 too: its empty z was in frame 0); frame 2
	# present everywhere.
	for f in half halfsl halfa3; do
		t_is "half-missing points ($f): NaN x, y (z), p 0" \
		    "a 0 nan nan 0 | a 1 1 2 0.9 | a 2 1 2 0.9 | b 0 nan nan 0 | b 1 nan nan 0 | b 2 3 4 0.5" \
		    "$("$PY" -c '
import sys, mzs
p = list(mzs.read(sys.argv[1]))[0].columns
print(" | ".join("%s %d %s %s %s" % (b, i, *("%.10g" % p[b + c][i] for c in (".x", ".y", ".p")))
    for b in "ab" for i in range(3)))' "$f.mzs" 2>&1)"
	done
fi

# ------------------------------------------------------------- anipose
cat > pose3d.csv <<'EOF'
nose_x,nose_y,nose_z,nose_error,nose_ncams,nose_score,paw_x,paw_y,paw_z,paw_error,paw_ncams,paw_score,M_00,M_01,M_02,M_10,M_11,M_12,M_20,M_21,M_22,center_0,center_1,center_2,fnum
1.5,2.5,3.5,0.4,3,0.9,4.5,5.5,6.5,0.3,2,0.8,1,0,0,0,1,0,0,0,1,0,0,0,0
1.25,2.75,3.125,0.5,2,0.85,,,,,0,,1,0,0,0,1,0,0,0,1,0,0,0,1
-1e-3,2.0000000000000004,3,0.1,3,,4,5,6,0.2,3,0.7,1,0,0,0,1,0,0,0,1,0,0,0,5
EOF
t_ok "anipose 3-D CSV converts (detected)" mz-convert -o a3.mzs pose3d.csv
if [ -n "$PY" ]; then
	t_is "anipose: x, y, z, score, fnum equal Python's csv module" ok \
	    "$(chk anipose pose3d.csv a3.mzs)"
fi
sed '1s/paw_z/paw_w/' pose3d.csv > a3bad.csv
t_fails "anipose: a bodypart without _z" 1 "a3bad.csv: line 1: bodypart 'paw' has no paw_z column" \
    mz-convert --from anipose -o bad.mzs a3bad.csv
sed '3s/^1.25/one/' pose3d.csv > a3nn.csv
t_fails "anipose: non-numeric cell" 1 "a3nn.csv: line 3, column 1 \(nose_x\): 'one' is not a number" \
    mz-convert -o bad.mzs a3nn.csv

# ------------------------------------------------------------- CalMS21
# Two sequences of 3 frames, keypoints (T, 2, 2, 7), scores (T, 2, 7),
# annotations and a vocabulary, as the CalMS21 json files hold them.
awk 'BEGIN {
	printf "{\"annotator-id_0\": {"
	for (s = 0; s < 2; s++) {
		printf "%s\"task1/train/mouse00%d_task1_annotator1\": {\"keypoints\": [", s ? ", " : "", s + 1
		for (t = 0; t < 3; t++) {
			printf "%s[", t ? ", " : ""
			for (m = 0; m < 2; m++) {
				printf "%s[", m ? ", " : ""
				for (c = 0; c < 2; c++) {
					printf "%s[", c ? ", " : ""
					for (k = 0; k < 7; k++)
						printf "%s%.10g", k ? ", " : "", 100 * s + 10 * t + m + c * 0.5 + k / 8
					printf "]"
				}
				printf "]"
			}
			printf "]"
		}
		printf "], \"scores\": ["
		for (t = 0; t < 3; t++) {
			printf "%s[", t ? ", " : ""
			for (m = 0; m < 2; m++) {
				printf "%s[", m ? ", " : ""
				for (k = 0; k < 7; k++)
					printf "%s%.3f", k ? ", " : "", (t + m + k) / 10
				printf "]"
			}
			printf "]"
		}
		printf "], \"annotations\": [3, %d, 0], \"metadata\": {\"vocab\": {\"attack\": 0, \"investigation\": 1, \"mount\": 2, \"other\": 3}}}", s
	}
	printf "}}\n"
}' > calms21_task1_train.json
t_ok "CalMS21 json converts (detected)" \
    mz-convert -o cm.mzs calms21_task1_train.json
t_is "CalMS21: 2 sequences x 2 mice, 3 frames each" "4 12" "$(info cm.mzs)"
if [ -n "$PY" ]; then
	t_is "CalMS21: values, annotations, vocabulary equal json.load" ok \
	    "$(chk calms calms21_task1_train.json cm.mzs)"
fi
sed 's/\[\[\[10, 10.125/[[[10/' calms21_task1_train.json > cmbad.json
t_fails "CalMS21: a frame of the wrong shape" 1 \
    "cmbad.json: annotator-id_0/task1/train/mouse001_task1_annotator1: keypoints\[1\]\[0\]: expected 2 arrays \(x, y\) of 7 numbers" \
    mz-convert --from calms21 -o bad.mzs cmbad.json
printf '{"annotator-id_0": {"s": {"keypoints": [[[[1,2' > cmtrunc.json
t_fails "CalMS21: truncated json" 1 "cmtrunc.json: line 1: invalid JSON" \
    mz-convert --from calms21 -o bad.mzs cmtrunc.json

# ------------------------------------------ TRex samples (written with numpy)
if [ -n "$PY" ]; then
	"$PY" - <<'EOF'
import numpy as np, zipfile, io
def write(name, n, first=0, extra=None):
    X = np.linspace(1, 2, n).astype(np.float32); X[1] = np.inf
    d = dict(X=X, Y=(X * 2).astype(np.float32), ANGLE=np.full(n, 0.5, np.float32),
             poseX0=np.arange(n, dtype=np.float32), poseY0=np.arange(n, dtype=np.float32) + np.float32(0.25),
             frame=np.arange(first, first + n).astype(np.float32),
             frame_rate=np.array([25.0]), cm_per_pixel=np.array([0.5]), id=np.array([0], np.uint64))
    d.update(extra or {})
    np.savez(name, **d)
write("s_id0.npz", 6)
write("s_id1.npz", 6, extra=dict(id=np.array([1], np.uint64)))
write("u_id0.npz", 6)
write("u_id1.npz", 5, extra=dict(id=np.array([1], np.uint64)))
# A member whose .npy header is broken.
with zipfile.ZipFile("badhdr.npz", "w") as z:
    b = io.BytesIO(); np.save(b, np.zeros(3, np.float32)); raw = b.getvalue()
    z.writestr("X.npy", raw.replace(b"'descr'", b"'desc_'"))
with zipfile.ZipFile("short.npz", "w") as z:
    b = io.BytesIO(); np.save(b, np.zeros(3, np.float64)); z.writestr("X.npy", b.getvalue()[:-5])
# Fortran order and big-endian data read as numpy reads them.
np.savez("fo_id0.npz", X=np.array([1.5, 2.5], '>f8'), Y=np.array([3, 4], '<i8'),
         poseX0=np.asfortranarray(np.array([7.0, 8.0], np.float32)), poseY0=np.array([9.0, 10.0]))
EOF
	t_ok "TRex: two individuals of one sequence" \
	    mz-convert -o s.mzs s_id0.npz s_id1.npz
	t_is "TRex: merged into one sequence of 2 parts" \
	    "s s ['id0', 'id1'] 6 6" \
	    "$(chk meta s.mzs '" ".join([P[0].meta["sequence"], P[1].meta["sequence"], str(P[1].meta["individuals"]), str(P[0].nrows), str(P[1].nrows)])')"
	t_is "TRex: values equal numpy.load (centroid / cm_per_pixel, +inf -> NaN p 0)" \
	    ok "$(chk trex s.mzs s_id0.npz s_id1.npz)"
	t_fails "TRex: individuals with different frames" 1 \
	    "u_id1.npz: sequence u: frames 0..4 \(5\), other files of the sequence have 0..5 \(6\)" \
	    mz-convert -o bad.mzs u_id0.npz u_id1.npz
	t_fails "TRex: bad .npy header" 1 "badhdr.npz: X.npy: bad .npy header: unknown key 'desc_'" \
	    mz-convert --from trex -o bad.mzs badhdr.npz
	t_fails "TRex: .npy data shorter than its header says" 1 \
	    "short.npz: X.npy: 19 data bytes, the header states 24" \
	    mz-convert --from trex -o bad.mzs short.npz
	head -c 300 s_id0.npz > trunc.npz
	t_fails "TRex: truncated zip" 1 "trunc.npz: not a readable .npz \(zip\) archive" \
	    mz-convert -o bad.mzs trunc.npz
	"$PY" -c '
import sys
b = bytearray(open("s_id0.npz", "rb").read())
i = b.index(b"\x93NUMPY") + 140
b[i] ^= 0xff
open("crc.npz", "wb").write(b)'
	t_fails "TRex: corrupt member (CRC)" 1 "crc.npz: .*(CRC|checksum|[Cc]onsistency|[Ii]nconsistent)" \
	    mz-convert --from trex -o bad.mzs crc.npz
	t_ok "TRex: big-endian, int64 and Fortran-order arrays" \
	    mz-convert -o fo.mzs fo_id0.npz
	t_is "TRex: those values as numpy reads them" \
	    "[1.5, 2.5] [3.0, 4.0] [7.0, 8.0] [9.0, 10.0]" \
	    "$(chk meta fo.mzs '" ".join(str(list(P[0].columns[c])) for c in ("centroid.x", "centroid.y", "pose0.x", "pose0.y"))')"
	t_is "no output file left behind" "" \
	    "$(ls -a | grep -E '^bad\.mzs|\.tmp' || true)"
else
	t_skip "TRex samples" "no python3 with numpy to write .npz files"
fi

# ---------------------------------------------- round trip via --to dlc-csv
mzgen -s 2 -i 2 -n 60 -m 7 -o g.mzs
t_fails "--to dlc-csv: several sequences need --sequence" 1 \
    "several sequences .*choose one with --sequence" \
    mz-convert --to dlc-csv -o rt.csv g.mzs
t_ok "--to dlc-csv --sequence seq0 (2 individuals: 4 header rows)" \
    mz-convert --to dlc-csv --sequence seq0 -o rt.csv g.mzs
t_is "--to dlc-csv: 4 header rows, 60 data rows" \
    "scorer individuals bodyparts coords 64" \
    "$(awk -F, 'NR <= 4 { printf "%s ", $1 } END { print NR }' rt.csv)"
t_ok "tracks -> dlc-csv -> tracks" mz-convert -o rt.mzs rt.csv
t_ok "-> dlc-csv again" mz-convert --to dlc-csv -o rt2.csv rt.mzs
t_ok "the round trip reproduces the CSV byte for byte" cmp rt.csv rt2.csv
mzgen -s 1 -i 1 -n 40 -m 5 -o g1.mzs
t_ok "--to dlc-csv, one individual (3 header rows), to stdout" \
    sh -c 'mz-convert --to dlc-csv g1.mzs > rt1.csv'
t_is "one individual: 3 header rows" "scorer bodyparts coords 43" \
    "$(awk -F, 'NR <= 3 { printf "%s ", $1 } END { print NR }' rt1.csv)"
t_ok "--to dlc-csv reads standard input" \
    sh -c 'mz-convert --to dlc-csv < g1.mzs > rt1b.csv && cmp rt1.csv rt1b.csv'
if [ -n "$HAVE_PD" ]; then
	mz-convert -o rt1.mzs rt1.csv
	"$PY" - > rtcheck.txt 2>&1 <<'EOF'
import numpy as np, pandas as pd, mzs
def cmpdf(csvpath, stream, seq, hdr):
    df = pd.read_csv(csvpath, header=hdr, index_col=0, float_precision="round_trip")
    P = [p for p in mzs.read(stream) if p.meta["sequence"] == seq]
    for p in P:
        key = (p.meta["individual"],) if len(hdr) == 4 else ()
        if list(df.index) != list(p.columns["frame"]):
            return "frames differ"
        for bp in p.meta["bodyparts"]:
            for c, n in (("x", "x"), ("y", "y"), ("likelihood", "p")):
                col = [c_ for c_ in df.columns if c_[1:] == key + (bp, c)][0]
                if not np.array_equal(df[col].to_numpy(np.float64), np.asarray(p.columns[bp + "." + n], np.float64), equal_nan=True):
                    return "%s %s.%s differs" % (key, bp, n)
    return "ok"
print(cmpdf("rt.csv", "g.mzs", "seq0", [0, 1, 2, 3]), cmpdf("rt1.csv", "g1.mzs", "seq0", [0, 1, 2]))
EOF
	t_is "the written CSVs read back by pandas equal the streams" "ok ok" \
	    "$(cat rtcheck.txt)"
	t_is "round trip: tracks -> CSV -> tracks keeps every value" ok \
	    "$(chk same_stream g1.mzs rt1.mzs 0)"
	mzgen -s 1 -i 2 -n 30 -m 4 -o g2.mzs
	mz-convert --to dlc-csv -o rt2i.csv g2.mzs
	mz-convert -o rt2i.mzs rt2i.csv
	t_is "round trip, 2 individuals: values and names kept" ok \
	    "$(chk same_stream g2.mzs rt2i.mzs)"
fi
t_fails "--to dlc-csv: no such sequence" 1 "no part of sequence 'nope'" \
    mz-convert --to dlc-csv --sequence nope -o rt3.csv g.mzs
t_is "--to dlc-csv: no CSV left behind on failure" "" \
    "$(ls rt3.csv* 2>/dev/null || true)"

# ----------------------------------------------- several inputs, stdin
t_ok "several inputs: parts in order" \
    mz-convert -o two.mzs pred.csv ma.csv
t_is "several inputs: 1 + 3 parts" "4 14" "$(info two.mzs)"
t_ok "standard input" sh -c 'mz-convert < pred.csv > in.mzs'
if [ -n "$PY" ]; then
	t_is "standard input: named <stdin>, sequence stdin, same values" \
	    "<stdin> stdin ok" \
	    "$(chk meta in.mzs 'P[0].meta["source_file"] + " " + P[0].meta["sequence"]') $(chk same_stream pred.mzs in.mzs)"
fi
t_fails "empty standard input" 1 "<stdin>: empty file" \
    sh -c 'mz-convert -o bad.mzs < /dev/null'
t_ok "'-' names standard input" sh -c 'mz-convert -o in2.mzs - < pred.csv'
t_ok "--group and --sequence" \
    mz-convert --group g1 --sequence s1 -o gs.mzs pred.csv
if [ -n "$PY" ]; then
	t_is "--group and --sequence in the metadata" "g1 s1" \
	    "$(chk meta gs.mzs 'P[0].meta["group"] + " " + P[0].meta["sequence"]')"
fi
t_fails "--sequence with several sequences in one input" 1 \
    "--sequence names one sequence, but the input holds 2" \
    mz-convert --sequence x -o bad.mzs CollectedData_New.csv

t_fails "--video: not a video" 1 "pred.csv: .*" \
    mz-convert --video pred.csv -o bad.mzs pred.csv

# ------------------------------------------------------------ real data
if [ -z "$DATA" ]; then
	t_skip "real files" "\$DATA (../shared/data) is absent"
	t_done
	exit $?
fi
# file HEADER-ROWS PARTS ROWS: the MANIFEST's counts for each DLC CSV.
while read -r f parts rows; do
	n=$(basename "$f" .csv)
	t_ok "real: $n converts" mz-convert -o "real-$n.mzs" "$DATA/$f"
	t_is "real: $n: parts and rows as MANIFEST.md says" "$parts $rows" \
	    "$(info "real-$n.mzs")"
	if [ -n "$HAVE_PD" ]; then
		t_is "real: $n: values equal pandas.read_csv" ok \
		    "$(chk dlc "$DATA/$f" "real-$n.mzs")"
	fi
done <<'EOF'
deeplabcut-history/reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.csv 1 12
deeplabcut/CollectedData_Pranav.csv 1 116
deeplabcut-madlc-demo/CollectedData_Daniel.csv 8 336
deepof/testDLC_csv_table.csv 1 97
deepof/testDLC_csv_table_madlc.csv 2 194
deepof/testDLC_csv_table_multi.csv 1 98
vame/cropped_video.csv 1 750
EOF
if [ -n "$PY" ]; then
	t_is "real: CollectedData_Daniel: birds, bodyparts, NaN count" \
	    "['bird1', 'bird2', 'bird3', 'bird4', 'bird5', 'bird6', 'bird7', 'bird8'] ['head', 'tail', 'leftwing', 'rightwing'] montblanc True" \
	    "$(chk meta real-CollectedData_Daniel.mzs '"%s %s %s %s" % (P[0].meta["individuals"], P[0].meta["bodyparts"], P[0].meta["sequence"], sum(int(np.isnan(p.columns[b + ".x"]).sum()) for p in P for b in p.meta["bodyparts"]) > 0)')"
	t_is "real: madlc: individuals, 14 bodyparts, scorer without .N" \
	    "['mouse_black_tail', 'mouse_white_tail'] 14 DLC_dlcrnetms5_20220525_CSDS_KET_SI_TRIALJune03shuffle1_200000" \
	    "$(chk meta real-testDLC_csv_table_madlc.mzs '"%s %d %s" % (P[0].meta["individuals"], len(P[0].meta["bodyparts"]), P[0].meta["scorer"])')"
fi
t_ok "real: --prefix-individuals _ splits B_*/W_* into two mice" \
    mz-convert --prefix-individuals _ -o multi.mzs \
    "$DATA/deepof/testDLC_csv_table_multi.csv"
t_is "real: prefixed file: 2 parts of 98 rows" "2 196" "$(info multi.mzs)"
if [ -n "$HAVE_PD" ]; then
	t_is "real: prefixed file: values equal pandas, B and W 14 bodyparts" \
	    "ok ['B', 'W'] 14" \
	    "$(chk dlc "$DATA/deepof/testDLC_csv_table_multi.csv" multi.mzs _) $(chk meta multi.mzs '"%s %d" % (P[0].meta["individuals"], len(P[0].meta["bodyparts"]))')"
fi
t_ok "real: madlc with --zero-missing" mz-convert --zero-missing \
    -o zm.mzs "$DATA/deepof/testDLC_csv_table_madlc.csv"
if [ -n "$HAVE_PD" ]; then
	t_is "real: --zero-missing: (0, 0) points become NaN with p 0" True \
	    "$("$PY" -c '
import numpy as np, pandas as pd, mzs
df = pd.read_csv("'"$DATA"'/deepof/testDLC_csv_table_madlc.csv", header=[0,1,2,3], index_col=0)
P = list(mzs.read("zm.mzs")); ok = True
for p in P:
    ind = p.meta["individual"]
    for bp in p.meta["bodyparts"]:
        x = df.xs((ind, bp, "x"), axis=1, level=[1, 2, 3]).iloc[:, 0].to_numpy()
        y = df.xs((ind, bp, "y"), axis=1, level=[1, 2, 3]).iloc[:, 0].to_numpy()
        z = (x == 0) & (y == 0)
        ok &= bool(np.array_equal(np.isnan(p.columns[bp + ".x"]), z) and np.all(np.asarray(p.columns[bp + ".p"])[z] == 0))
print(ok and any(True for _ in [0]))')"
fi
t_ok "real: SLEAP analysis CSV" mz-convert -o slr.mzs \
    "$DATA/sleap/minimal_instance.000_centered_pair_low_quality.analysis.csv"
if [ -n "$PY" ]; then
	t_is "real: SLEAP analysis CSV values" ok \
	    "$(chk sleapcsv "$DATA/sleap/minimal_instance.000_centered_pair_low_quality.analysis.csv" slr.mzs)"
fi
t_ok "real: TRex, three files of one sequence" mz-convert -o trex.mzs \
    "$DATA"/trex/locusts-noqr_20250117_5_id0.npz \
    "$DATA"/trex/locusts-noqr_20250117_5_id1.npz \
    "$DATA"/trex/locusts-noqr_20250117_5_id2.npz
t_is "real: TRex: 3 parts of 2845 frames" "3 8535" "$(info trex.mzs)"
if [ -n "$PY" ]; then
	t_is "real: TRex: values equal numpy.load, +inf -> NaN with p 0" ok \
	    "$(chk trex trex.mzs "$DATA"/trex/locusts-noqr_20250117_5_id0.npz "$DATA"/trex/locusts-noqr_20250117_5_id1.npz "$DATA"/trex/locusts-noqr_20250117_5_id2.npz)"
fi
# CSV/HDF5 twins of one DeepLabCut table (the HDF5 reader is the other
# half of mz-convert): the same parts, names, frames and values.
for n in deeplabcut-history/reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10 \
    deeplabcut/CollectedData_Pranav deeplabcut-madlc-demo/CollectedData_Daniel; do
	b=$(basename "$n")
	if mz-convert -o "twc-$b.mzs" "$DATA/$n.csv" &&
	    mz-convert -o "twh-$b.mzs" "$DATA/$n.h5" 2>/dev/null; then
		if [ -n "$PY" ]; then
			t_is "real: $b: CSV and HDF5 twins agree" ok \
			    "$(chk same_stream "twc-$b.mzs" "twh-$b.mzs" 2)"
		fi
	else
		_result 1 "real: $b: CSV and HDF5 twins both convert"
	fi
done
t_ok "real: --video gives fps from the video (libavformat)" \
    mz-convert --video "$DATA/deeplabcut-history/reachingvideo1short.avi" \
    -o vid.mzs "$DATA/deeplabcut-history/reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.csv"
if [ -n "$PY" ]; then
	t_is "real: --video: fps 30, fps_source video" "30 video" \
	    "$(chk meta vid.mzs '"%g %s" % (P[0].meta["fps"], P[0].meta["fps_source"])')"
fi
t_done
