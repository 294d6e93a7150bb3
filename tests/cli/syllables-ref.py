"""syllables-ref.py - numpy/pandas references for tests/cli/mz-syllables.t
and tests/cli/mz-simulate.t.

Each check prints "ok", or what differs and exits 1.  Streams are read with
share/python/mzs.py (written from mzs(5) alone, independently of libmz).
The keypoint-MoSeq functions below are written from their documented
behaviour (jax_moseq.utils.get_durations / get_frequencies,
keypoint_moseq.analysis.get_transitions / n_gram_transition_matrix /
normalize_transition_matrix / get_transition_matrix, keypoint_moseq.io.
save_results_as_csv), not by calling upstream.

Syllable checks (IN: a stream with a syllable column; OUT: mz-syllables'
output):
    (every check takes --column C: the syllable column, default syllable)
    stats IN OUT.csv [--by all|group|part] [--upstream]
        per key and syllable: instances, frequency, frames, usage to 1e-12
        relative; mean and median duration in frames and ms (numpy median)
        to 1e-12 relative.  With --upstream, the runs are those of
        get_durations on the concatenation of the recordings in name order;
        without, runs stop at recording boundaries.
    durations IN OUT.csv [--upstream]
        the list of runs equals get_durations (its order: recordings in
        input order, or name order with --upstream).
    transitions IN OUT.json [--by ...] [--norm N] [--self] [--upstream]
                [--max M] [--smoothing S]
        counts and normalised matrices against get_transition_matrix
        (combine=True per key) with --upstream, and against direct counts
        of run pairs (every run, or every frame pair with --self)
        otherwise; 1e-12 relative, NaN where numpy gives NaN.
    export IN RESULTS.h5 CSVDIR [--latent GLOB]
        results.h5 read with h5py: one group per recording (type="dict"),
        syllable int64 and centroid/heading/latent_state float64 equal to
        the stream's columns, bit for bit; the CSV files byte for byte what
        save_results_as_csv writes (pandas) from those arrays.

Making streams (independent of libmz: written from mzs(5) here):
    make OUT.mzs JSON|@FILE [OUT.mzs JSON|@FILE ...]
        JSON (or FILE's text) is a list of parts {"meta": {...}, "columns": [[name, type,
        [values]], ...]} (null values are NaN); raw blocks of at most 1000
        rows.

    batch FILE
        one check per line of FILE (words split on white space), one
        output line each (the first line of a failure's message).

Simulation checks (IN: mz-simulate output):
    durations-sim IN MEDIAN TOL
        the median of the state run lengths (all but the last run of each
        sequence) is within TOL of MEDIAN.
    durations-dist IN KIND A [B]
        fixed: every complete run has length A; uniform: every complete run
        is in [A, B] and each value's share is within 5 sigma (binomial) of
        1/(B-A+1).
    fractions IN MISSING OUTLIERS
        the share of NaN points (p = 0) is within 4 binomial sigmas of
        MISSING; the share of points farther than 1.5 body lengths from the
        frame's median keypoint (outliers) within 4 sigmas of OUTLIERS.
    same-clean CLEAN DIRTY
        the same simulation with and without --missing/--outliers: every
        point of DIRTY that is neither missing nor an outlier (as fractions
        finds them) equals CLEAN's bit for bit, and no other does.
    arena IN
        every point of an outlier-free simulation lies in the arena disc,
        up to 6 sigmas of the largest observation noise.
    stable IN
        the latent columns stay bounded (max |x| < 50) and the spread of the
        last tenth of each sequence is within a factor 2 of the first
        tenth's.
"""

import fnmatch
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "share", "python"))
import mzs  # noqa: E402


def fail(msg):
    print(msg.replace("\n", " "))
    sys.exit(1)


def opt(args, name, default=None):
    if name in args:
        i = args.index(name)
        return args[i + 1]
    return default


def flag(args, name):
    return name in args


# ------------------------------------------------------------ upstream

def get_durations(seqs):
    """jax_moseq.utils.get_durations on a list of 1-d arrays."""
    flat = np.hstack(seqs).astype(int)
    padded = np.hstack([[-1], flat, [-1]])
    cp = np.diff(padded).nonzero()[0]
    return cp[1:] - cp[:-1]


def get_frequencies(seqs, num_states=None, runlength=True):
    """jax_moseq.utils.get_frequencies on a list of 1-d arrays."""
    flat = np.hstack(seqs).astype(int)
    if runlength:
        onsets = np.pad(np.diff(flat).nonzero()[0] + 1, (1, 0))
        flat = flat[onsets]
    counts = np.bincount(flat, minlength=num_states)
    return counts / counts.sum()


def get_transitions(labels):
    """keypoint_moseq.analysis.get_transitions (drops the first run)."""
    arr = np.asarray(labels)
    locs = np.where(arr[1:] != arr[:-1])[0] + 1
    return arr[locs], locs


def n_gram_matrix(labels, max_label):
    """n_gram_transition_matrix with n = 2."""
    m = np.zeros((max_label, max_label))
    for a, b in zip(labels[:-1], labels[1:]):
        if a >= max_label or b >= max_label:
            continue
        m[a, b] += 1
    return m


def normalize(m, how):
    m = m.astype(float).copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "bigram":
            m /= m.sum()
        elif how == "rows":
            m /= m.sum(axis=1, keepdims=True)
        elif how == "columns":
            m /= m.sum(axis=0, keepdims=True)
    return m


def get_transition_matrix(labels, max_syllable, how, smoothing):
    """get_transition_matrix(..., combine=True)."""
    mats = [n_gram_matrix(get_transitions(v)[0], max_syllable)
            for v in labels]
    return normalize(np.sum(mats, axis=0) + smoothing, how)


# --------------------------------------------------------------- input

COLUMN = "syllable"


def recordings(path, column=None):
    """[(group, name, fps, syllables)] in input order, names as
    mz-syllables documents (sequence, or sequence_individual)."""
    column = column or COLUMN
    out = []
    for i, p in enumerate(mzs.read(path)):
        m = p.meta
        seq = m.get("sequence")
        ind = m.get("individual")
        inds = m.get("individuals")
        if seq is None:
            name = "part%d" % len(out)
        elif ind is not None and isinstance(inds, list) and len(inds) > 1:
            name = "%s_%s" % (seq, ind)
        else:
            name = seq
        if p.nrows == 0:
            continue
        out.append((m.get("group", "default"), name, m.get("fps"),
                    np.asarray(p.columns[column]).astype(np.int64), p))
    return out


def keyed(recs, by):
    """{key: [recording, ...]} in first-appearance order."""
    d = {}
    for r in recs:
        k = "all" if by == "all" else r[0] if by == "group" else r[1]
        d.setdefault(k, []).append(r)
    return d


def runs_of(seq):
    """(labels, lengths) of the runs of one array."""
    d = get_durations([seq])
    starts = np.concatenate([[0], np.cumsum(d)[:-1]])
    return seq[starts], d


def close(a, b, tol=1e-12):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if a.shape != b.shape:
        return False
    both_nan = np.isnan(a) & np.isnan(b)
    scale = np.maximum(np.abs(b), 1e-300)
    ok = both_nan | (np.abs(a - b) <= tol * scale) | (a == b)
    return bool(ok.all())


# -------------------------------------------------------------- checks

def check_stats(args):
    import pandas as pd
    inp, out = args[0], args[1]
    by = opt(args, "--by", "all")
    up = flag(args, "--upstream")
    recs = recordings(inp)
    S = int(max(r[3].max() for r in recs)) + 1
    got = pd.read_csv(out, float_precision="round_trip")
    rows = []
    for k, rr in keyed(recs, by).items():
        if up and by != "part":
            rr = sorted(rr, key=lambda r: r[1])
            seqs = [r[3] for r in rr]
            freq = get_frequencies(seqs, S)
            d = get_durations(seqs)
            flat = np.hstack(seqs)
            labels = flat[np.concatenate([[0], np.cumsum(d)[:-1]])]
            # a merged run's ms: its frames at the fps of each recording
            fpsflat = np.hstack([np.full(len(r[3]), r[2]) for r in rr])
            msflat = 1000.0 / fpsflat
            cs = np.concatenate([[0], np.cumsum(msflat)])
            ends = np.cumsum(d)
            ms = cs[ends] - cs[ends - d]
        else:
            labs, ds, mss = [], [], []
            for r in rr:
                lab, dd = runs_of(r[3])
                labs.append(lab)
                ds.append(dd)
                mss.append(dd * 1000.0 / r[2])
            labels, d, ms = (np.concatenate(labs), np.concatenate(ds),
                             np.concatenate(mss))
            freq = np.bincount(labels, minlength=S) / len(labels)
        usage = get_frequencies([r[3] for r in rr], S, runlength=False)
        for s in range(S):
            sel = labels == s
            n = int(sel.sum())
            row = {"key": k, "syllable": s, "instances": n,
                   "frequency": freq[s],
                   "frames": int(d[sel].sum()), "usage": usage[s],
                   "duration_mean": d[sel].mean() if n else np.nan,
                   "duration_median": np.median(d[sel]) if n else np.nan,
                   "duration_mean_ms": ms[sel].mean() if n else np.nan,
                   "duration_median_ms": np.median(ms[sel]) if n else np.nan}
            rows.append(row)
    if len(rows) != len(got):
        fail("rows: want %d, got %d" % (len(rows), len(got)))
    for i, w in enumerate(rows):
        g = got.iloc[i]
        if by == "group" and g["group"] != w["key"]:
            fail("row %d: group %r, want %r" % (i, g["group"], w["key"]))
        if by == "part" and g["name"] != w["key"]:
            fail("row %d: name %r, want %r" % (i, g["name"], w["key"]))
        for c in ("syllable", "instances", "frames"):
            if int(g[c]) != w[c]:
                fail("row %d: %s %s, want %s" % (i, c, g[c], w[c]))
        for c in ("frequency", "usage", "duration_mean", "duration_median",
                  "duration_mean_ms", "duration_median_ms"):
            if not close(g[c], w[c]):
                fail("row %d: %s %r, want %r" % (i, c, g[c], w[c]))
    print("ok")


def check_durations(args):
    import pandas as pd
    inp, out = args[0], args[1]
    recs = recordings(inp)
    if flag(args, "--upstream"):
        recs = sorted(recs, key=lambda r: r[1])
        want = get_durations([r[3] for r in recs])
    else:
        want = np.concatenate([get_durations([r[3]]) for r in recs])
    got = pd.read_csv(out)["frames"].to_numpy()
    if not np.array_equal(got, want):
        fail("durations: want %s, got %s" % (want[:20], got[:20]))
    print("ok")


def check_transitions(args):
    inp, out = args[0], args[1]
    by = opt(args, "--by", "all")
    how = opt(args, "--norm", "bigram")
    smoothing = float(opt(args, "--smoothing", "0"))
    recs = recordings(inp)
    S = int(opt(args, "--max", "0")) or int(max(r[3].max()
                                                 for r in recs)) + 1
    got = json.load(open(out))
    mats = got["matrices"]
    keys = keyed(recs, by)
    if len(mats) != len(keys) or got["syllables"] != S:
        fail("matrices: want %d of side %d, got %d of side %d" % (
            len(keys), S, len(mats), got["syllables"]))
    for (k, rr), m in zip(keys.items(), mats):
        seqs = [r[3] for r in rr]
        if flag(args, "--upstream") and not flag(args, "--self"):
            want = get_transition_matrix(seqs, S, how, smoothing)
            counts = get_transition_matrix(seqs, S, "none", 0)
        else:
            counts = np.zeros((S, S))
            for v in seqs:
                if flag(args, "--self"):
                    a, b = v[:-1], v[1:]
                    if flag(args, "--upstream"):
                        first = get_durations([v])[0]
                        a, b = a[first:], b[first:]
                else:
                    lab, _ = runs_of(v)
                    a, b = lab[:-1], lab[1:]
                keep = (a < S) & (b < S)
                np.add.at(counts, (a[keep], b[keep]), 1)
            want = normalize(counts + smoothing, how)
        gc = np.array(m["counts"], float)
        gn = np.array([[np.nan if x is None else x for x in row]
                       for row in m["normalized"]], float)
        if not np.array_equal(gc, counts):
            fail("key %s: counts differ:\n%s\nwant\n%s" % (k, gc, counts))
        if not close(gn, want):
            fail("key %s: normalized differ:\n%s\nwant\n%s" % (k, gn, want))
    print("ok")


def save_results_as_csv(results, save_dir):
    """keypoint_moseq.io.save_results_as_csv, the per-recording part."""
    import pandas as pd
    for key in results.keys():
        column_names, data = [], []
        if "syllable" in results[key].keys():
            column_names.append(["syllable"])
            data.append(results[key]["syllable"].reshape(-1, 1))
        if "centroid" in results[key].keys():
            d = results[key]["centroid"].shape[1]
            column_names.append(["centroid x", "centroid y",
                                 "centroid z"][:d])
            data.append(results[key]["centroid"])
        if "heading" in results[key].keys():
            column_names.append(["heading"])
            data.append(results[key]["heading"].reshape(-1, 1))
        if "latent_state" in results[key].keys():
            latent_dim = results[key]["latent_state"].shape[1]
            column_names.append(["latent_state %d" % i
                                 for i in range(latent_dim)])
            data.append(results[key]["latent_state"])
        dfs = [pd.DataFrame(arr, columns=cols)
               for arr, cols in zip(data, column_names)]
        df = pd.concat(dfs, axis=1)
        for col in df.select_dtypes(include=[np.floating]).columns:
            df[col] = df[col].astype(float).round(4)
        save_name = key.replace(os.path.sep, "-")
        df.to_csv(os.path.join(save_dir, save_name + ".csv"), index=False)


def check_export(args):
    import tempfile
    import h5py
    inp, h5, csvdir = args[0], args[1], args[2]
    pat = opt(args, "--latent", "pc*")
    recs = recordings(inp)
    f = h5py.File(h5, "r")
    names = [r[1].replace("/", "-") for r in recs]
    if sorted(f.keys()) != sorted(names):
        fail("groups: want %s, got %s" % (sorted(names), sorted(f.keys())))
    results = {}
    for r, name in zip(recs, names):
        g = f[name]
        if g.attrs.get("type") != "dict":
            fail("%s: attribute type %r" % (name, g.attrs.get("type")))
        cols = r[4].columns
        want = {"syllable": np.asarray(cols[COLUMN]).astype(np.int64)}
        if "centroid.x" in cols:
            cx = [c for c in ("centroid.x", "centroid.y", "centroid.z")
                  if c in cols]
            want["centroid"] = np.stack([np.asarray(cols[c], np.float64)
                                         for c in cx], 1)
        if "heading" in cols:
            want["heading"] = np.asarray(cols["heading"], np.float64)
        lat = [c for c in r[4].columns if fnmatch.fnmatchcase(c, pat)
               and c not in (COLUMN, "heading", "centroid.x",
                             "centroid.y", "centroid.z")]
        if lat:
            want["latent_state"] = np.stack([np.asarray(cols[c], np.float64)
                                             for c in lat], 1)
        if sorted(g.keys()) != sorted(want.keys()):
            fail("%s: datasets %s, want %s" % (name, sorted(g.keys()),
                                               sorted(want.keys())))
        for k, w in want.items():
            d = g[k][()]
            if d.dtype != w.dtype or d.shape != w.shape:
                fail("%s/%s: %s %s, want %s %s" % (name, k, d.dtype,
                                                   d.shape, w.dtype, w.shape))
            if not np.array_equal(d.view(np.uint8), w.view(np.uint8)):
                fail("%s/%s: values differ" % (name, k))
        results[name] = {k: g[k][()] for k in g.keys()}
    with tempfile.TemporaryDirectory() as tmp:
        save_results_as_csv(results, tmp)
        for name in names:
            a = open(os.path.join(tmp, name + ".csv"), "rb").read()
            b = open(os.path.join(csvdir, name + ".csv"), "rb").read()
            if a != b:
                al, bl = a.split(b"\n"), b.split(b"\n")
                for i, (x, y) in enumerate(zip(al, bl)):
                    if x != y:
                        fail("%s.csv line %d: want %r, got %r" % (
                            name, i + 1, x, y))
                fail("%s.csv: %d lines, want %d" % (name, len(bl), len(al)))
    print("ok")


# ---------------------------------------------------------- simulation

def sim_runs(path):
    """Lengths of the complete runs (not the last of each sequence)."""
    out = []
    for p in mzs.read(path):
        d = get_durations([np.asarray(p.columns["state"])])
        out.append(d[:-1])
    return np.concatenate(out)


def check_durations_sim(args):
    d = sim_runs(args[0])
    med, tol = float(args[1]), float(args[2])
    got = np.median(d)
    if abs(got - med) > tol:
        fail("median run length %g (of %d runs), want %g +- %g" % (
            got, len(d), med, tol))
    print("ok")


def check_durations_dist(args):
    d = sim_runs(args[0])
    kind, a = args[1], int(args[2])
    if kind == "fixed":
        if not (d == a).all():
            fail("fixed: lengths %s" % np.unique(d))
    else:
        b = int(args[3])
        if d.min() < a or d.max() > b:
            fail("uniform: lengths from %d to %d" % (d.min(), d.max()))
        p = 1.0 / (b - a + 1)
        share = np.bincount(d - a, minlength=b - a + 1) / len(d)
        sd = np.sqrt(p * (1 - p) / len(d))
        if np.abs(share - p).max() > 5 * sd:
            fail("uniform: shares %s, want %g +- %g" % (share, p, 5 * sd))
    print("ok")


def keypoints(p):
    bps = p.meta["bodyparts"]
    x = np.stack([np.asarray(p.columns[b + ".x"]) for b in bps], 1)
    y = np.stack([np.asarray(p.columns[b + ".y"]) for b in bps], 1)
    c = np.stack([np.asarray(p.columns[b + ".p"]) for b in bps], 1)
    return x, y, c


def check_fractions(args):
    want_m, want_o = float(args[1]), float(args[2])
    nmiss = nout = n = 0
    for p in mzs.read(args[0]):
        x, y, c = keypoints(p)
        body = p.meta["simulate"]["body_length"]
        miss = np.isnan(x)
        if not (np.isnan(y) == miss).all() or not (c[miss] == 0).all():
            fail("missing points are not NaN, NaN, 0")
        mx = np.nanmedian(x, 1)[:, None]
        my = np.nanmedian(y, 1)[:, None]
        with np.errstate(invalid="ignore"):
            far = np.hypot(x - mx, y - my) > 1.5 * body
        nmiss += miss.sum()
        nout += far.sum()
        n += x.size
    for what, got, want in (("missing", nmiss, want_m),
                            ("outliers", nout, want_o)):
        sd = np.sqrt(max(want * (1 - want), 1e-12) / n)
        if abs(got / n - want) > 4 * sd + 1e-12:
            fail("%s: %d of %d = %g, want %g +- %g" % (
                what, got, n, got / n, want, 4 * sd))
    print("ok")


def check_same_clean(args):
    for a, b in zip(mzs.read(args[0]), mzs.read(args[1])):
        xa, ya, ca = keypoints(a)
        xb, yb, cb = keypoints(b)
        body = b.meta["simulate"]["body_length"]
        mx = np.nanmedian(xb, 1)[:, None]
        my = np.nanmedian(yb, 1)[:, None]
        with np.errstate(invalid="ignore"):
            bad = np.isnan(xb) | (np.hypot(xb - mx, yb - my) > 1.5 * body)
        same = (xa == xb) & (ya == yb) & (ca == cb)
        if not (same == ~bad).all():
            fail("%s: %d clean points differ, %d changed points equal" % (
                b.meta["sequence"], (~same & ~bad).sum(), (same & bad).sum()))
    print("ok")


def check_arena(args):
    for p in mzs.read(args[0]):
        sim = p.meta["simulate"]
        cx, cy = sim["arena"]["center"]
        R = sim["arena"]["radius"]
        x, y, c = keypoints(p)
        # noise sd is noise * (0.5 + 2 (1 - p)) <= 2.5 noise
        lim = R + 6 * 2.5 * sim["noise"]
        r = np.hypot(x - cx, y - cy)
        if np.nanmax(r) > lim:
            fail("%s: a point %g from the centre, arena %g" % (
                p.meta["sequence"], np.nanmax(r), R))
        # the mean of the keypoints (the centroid) stays inside
        cen = np.hypot(np.nanmean(x, 1) - cx, np.nanmean(y, 1) - cy)
        if cen.max() > R:
            fail("centroid %g from the centre" % cen.max())
    print("ok")


def check_stable(args):
    for p in mzs.read(args[0]):
        lat = sorted(c for c in p.columns if c.startswith("latent"))
        X = np.stack([np.asarray(p.columns[c]) for c in lat], 1)
        if not np.isfinite(X).all() or np.abs(X).max() >= 50:
            fail("latent max |x| = %g" % np.abs(X).max())
        n = len(X) // 10
        a, b = X[:n].std(0), X[-n:].std(0)
        if (b > 2 * a).any() or (b < a / 2).any():
            fail("spread first tenth %s, last %s" % (a, b))
    print("ok")


def _chunk(tag, payload):
    import struct
    pad = (8 - len(payload) % 8) % 8
    h = mzs.xxh64(payload)
    return (struct.pack("<4sIQQ", tag, 0, len(payload), h) + payload +
            b"\0" * pad, h)


def make(args):
    """Write streams of raw blocks as mzs(5) defines them."""
    for i in range(0, len(args), 2):
        make1(args[i], args[i + 1])


def make1(out, spec):
    import struct
    if spec.startswith("@"):
        spec = open(spec[1:]).read()
    parts = json.loads(spec)
    data = [b"\x89MZS\r\n\x1a\n" + struct.pack("<HHI", 1, 0, 0)]
    for p in parts:
        cols = p["columns"]
        head = json.dumps({"columns": [{"name": c[0], "type": c[1]}
                                       for c in cols],
                           "meta": p.get("meta", {})}).encode()
        ch, h = _chunk(b"HEAD", head)
        data.append(ch)
        hashes = [h]
        n = len(cols[0][2]) if cols else 0
        nblk = 0
        for a in range(0, n, 1000):
            b = min(n, a + 1000)
            desc, body = b"", b""
            off = 16 + 24 * len(cols)
            off += (8 - off % 8) % 8
            for j, (name, t, vals) in enumerate(cols):
                v = np.array([np.nan if x is None else x
                              for x in vals[a:b]]).astype(
                    np.dtype("<" + t[0] + str(int(t[1:]) // 8))).tobytes()
                desc += struct.pack("<B7xQQ", 0, off, len(v))
                if j + 1 < len(cols):   # the payload ends with the data
                    v += b"\0" * ((8 - len(v) % 8) % 8)
                body += v
                off += len(v)
            hdr = struct.pack("<QII", b - a, len(cols), 0) + desc
            hdr += b"\0" * ((8 - len(hdr) % 8) % 8)
            ch, h = _chunk(b"BLCK", hdr + body)
            data.append(ch)
            hashes.append(h)
            nblk += 1
        ph = mzs.xxh64(b"".join(struct.pack("<Q", x) for x in hashes))
        data.append(_chunk(b"TAIL", struct.pack("<QQQ", n, nblk, ph))[0])
    data.append(_chunk(b"ENDS", struct.pack("<Q", len(parts)))[0])
    open(out, "wb").write(b"".join(data))


def batch(args):
    global COLUMN
    for line in open(args[0]):
        w = line.split()
        if not w:
            continue
        COLUMN = opt(w, "--column", "syllable")
        try:
            CHECKS[w[0]](w[1:])
        except SystemExit:
            pass


CHECKS = {"make": make, "batch": batch, "stats": check_stats, "durations": check_durations,
          "transitions": check_transitions, "export": check_export,
          "durations-sim": check_durations_sim,
          "durations-dist": check_durations_dist,
          "fractions": check_fractions, "arena": check_arena,
          "same-clean": check_same_clean,
          "stable": check_stable}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CHECKS:
        fail("usage: syllables-ref.py CHECK ARGS (see the docstring)")
    COLUMN = opt(sys.argv, "--column", "syllable")
    CHECKS[sys.argv[1]](sys.argv[2:])
