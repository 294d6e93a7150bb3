"""filters-ref.py - numpy/scipy references for tests/cli/mz-{outliers,smooth,align}.t.

Data (standard tracks written here from mzs(5), raw blocks of 700 rows):
    gen OUT.mzs [--rows N] [--parts P] [--seed S] [--dim 2|3]
                [--nan-every M] [--nan-run A:B:K] [--plant N] [--allnan K]
                [--f32] [--lowconf N] [--no-meta] [--no-col NAME] [--no-fps]
        a 5-keypoint body (bp0..bp4) translating along a smooth path with
        uniform noise of +-1.5 px, confidence in [0.5, 1]; --plant N moves N
        random points per part by 150 px outward (keeping their rank in each
        coordinate, so the frame medians do not move) and writes their
        positions "part frame keypoint" to OUT.mzs.planted; --nan-every M
        blanks one random point in every M-th frame; --nan-run A:B:K blanks
        keypoint K in frames [A, B) (--inf-run: sets it to +inf, as TRex
        marks missing frames); --allnan K blanks keypoint K in every
        frame; --lowconf N sets N random confidences to 0.1 (positions to
        OUT.mzs.lowconf); --f32 writes f32 coordinates.
    rigid OUT.mzs [--rows N] [--dim 2|3]
        a rigid 6-keypoint body (body-frame offsets with mean 0, bp0 the
        front at (+30, 0), bp5 the back at (-30, 0)) turning at 0.05 rad a
        frame along the path c(t) = (100 + 3t, 50 + 20 sin(0.1 t)).

Checks (print "ok", or what differs and exit 1; "batch FILE" runs one
check per line of FILE and prints one line each):
    outliers IN OUT REPORT [--scale S] [--conf T] [--max-gap G]
        mz-outliers' output and JSON report against numpy (nanmedian,
        np.interp): thresholds to 1e-12 relative, flags, counts and
        confidences exactly, coordinates to 1e-9 absolute.
    planted IN OUT
        every planted point (and only those) flagged: confidence 0 where
        the input's was > 0.
    smooth IN OUT savgol|median W [ORDER] [--columns a,b]
        mz-smooth against scipy.signal.savgol_filter(mode='interp') (columns
        without NaN, every point) or scipy.signal.medfilt (interior points),
        and against a direct per-point least-squares fit / nanmedian of the
        valid samples of the documented window (edges, NaN); tolerance
        1e-12 relative to the column's largest magnitude.
    align IN OUT ANTERIOR POSTERIOR [--embed] [--centroid a,b]
        mz-align against numpy: centroid, heading and rotation to 1e-12
        (relative to the data's magnitude), the embedding against
        keypoint-MoSeq's center_embedding construction.
    rigid IN OUT [--embed]
        the closed forms of the rigid body: centroid = c(t), heading =
        0.05 t wrapped to (-pi, pi], aligned coordinates = body offsets
        (1e-9); with --embed, the Helmert basis is orthonormal and the
        embedding keeps each frame's norm.
"""

import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "share", "python"))
import mzs  # noqa: E402


def _fast_xxh64():
    """XXH64 through libxxhash (ctypes) when the python module is absent:
    the pure-python fallback of mzs.py takes seconds per megabyte."""
    import ctypes
    import ctypes.util
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or
                          "libxxhash.so.0")
    except OSError:
        return
    lib.XXH64.restype = ctypes.c_uint64
    lib.XXH64.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]

    def xxh64(data, seed=0):
        b = bytes(data)
        return lib.XXH64(b, len(b), seed)
    if mzs.xxh64(b"mz") == xxh64(b"mz"):
        mzs.xxh64 = xxh64


if mzs.xxh64 is mzs._xxh64_py:
    _fast_xxh64()

failures = []


def check(what, ok):
    if not ok:
        failures.append(what)


def finish():
    if failures:
        for f in failures[:20]:
            print(f)
        sys.exit(1)
    print("ok")


def opts(args, spec):
    """Parse --key value options of args (spec: key -> default)."""
    o = dict(spec)
    rest = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            k = a[2:].replace("-", "_")
            if isinstance(o.get(k), bool):
                o[k] = True
                i += 1
                continue
            o[k] = args[i + 1]
            i += 2
        else:
            rest.append(a)
            i += 1
    return o, rest


# ------------------------------------------------------------- writing
NPT = {"f64": "<f8", "f32": "<f4", "i64": "<i8", "i32": "<i4"}


def chunk(tag, payload):
    pad = (8 - len(payload) % 8) % 8
    return (tag + struct.pack("<IQQ", 0, len(payload), mzs.xxh64(payload)) +
            payload + b"\0" * pad), mzs.xxh64(payload)


def write_stream(path, parts, rows_per_block=700):
    """parts: list of (columns [(name, type, numpy array)], meta)."""
    out = [b"\x89MZS\r\n\x1a\n" + struct.pack("<HHI", 1, 0, 0)]
    for cols, meta in parts:
        head = json.dumps({"columns": [{"name": n, "type": t}
                                       for n, t, _ in cols],
                           "meta": meta}, separators=(",", ":")).encode()
        c, h = chunk(b"HEAD", head)
        out.append(c)
        sums = [h]
        n = len(cols[0][2])
        nblocks = 0
        for a in range(0, n, rows_per_block):
            b = min(n, a + rows_per_block)
            data, descs = b"", b""
            off = 16 + 24 * len(cols)
            pad = 0
            for _, t, v in cols:
                raw = np.ascontiguousarray(v[a:b]).astype(NPT[t]).tobytes()
                descs += struct.pack("<B7xQQ", 0, off, len(raw))
                pad = (8 - len(raw) % 8) % 8
                data += raw + b"\0" * pad
                off += len(raw) + pad
            payload = struct.pack("<QII", b - a, len(cols), 0) + descs + data
            payload = payload[:off - pad]
            c, h = chunk(b"BLCK", payload)
            out.append(c)
            sums.append(h)
            nblocks += 1
        tail = struct.pack("<QQQ", n, nblocks, mzs.xxh64(
            b"".join(struct.pack("<Q", s) for s in sums)))
        out.append(chunk(b"TAIL", tail)[0])
    out.append(chunk(b"ENDS", struct.pack("<Q", len(parts)))[0])
    with open(path, "wb") as f:
        f.write(b"".join(out))


def track_columns(Y, conf, names, ctype="f64", pid=0):
    """Standard-track columns of Y (T, K, D) and conf (T, K)."""
    T = Y.shape[0]
    cols = [("frame", "i64", np.arange(T)), ("time", "f64", np.arange(T) / 30),
            ("id", "i32", np.full(T, pid))]
    for k, n in enumerate(names):
        for d in range(Y.shape[2]):
            cols.append(("%s.%s" % (n, "xyz"[d]), ctype, Y[:, k, d]))
        cols.append(("%s.p" % n, "f64", conf[:, k]))
    return cols


XOFF = np.array([-20.0, -10, 0, 10, 20])
YOFF = np.array([10.0, -20, 20, 0, -10])
ZOFF = np.array([0.0, 20, -10, -20, 10])


def gen(args):
    o, rest = opts(args, dict(rows=3000, parts=2, seed=1, dim=2, nan_every=0,
                              nan_run="", inf_run="", plant=0, allnan=-1, f32=False,
                              lowconf=0, no_meta=False, no_col="",
                              no_fps=False, quantum=0.0))
    path = rest[0]
    rng = np.random.default_rng(int(o["seed"]))
    T, P, D = int(o["rows"]), int(o["parts"]), int(o["dim"])
    names = ["bp%d" % k for k in range(5)]
    off = np.stack([XOFF, YOFF, ZOFF][:D], axis=1)       # (K, D)
    planted, low, parts = [], [], []
    for p in range(P):
        t = np.arange(T)
        c = np.stack([200 + 80 * np.sin(0.003 * t + p),
                      150 + 60 * np.cos(0.002 * t + 2 * p),
                      40 + 10 * np.sin(0.001 * t)][:D], axis=1)
        Y = c[:, None, :] + off[None] + rng.uniform(-1.5, 1.5, (T, 5, D))
        conf = rng.uniform(0.5, 1.0, (T, 5))
        if int(o["plant"]):
            frames = rng.choice(T, int(o["plant"]), replace=False)
            for f in sorted(frames):
                k = int(rng.integers(5))
                Y[f, k] += 150 * np.sign(off[k])
                planted.append((p, int(f), k))
        if float(o["quantum"]):
            # Coordinates on a grid: distances with few distinct values.
            q = float(o["quantum"])
            Y = np.round(Y / q) * q
        if int(o["lowconf"]):
            for f in sorted(rng.choice(T, int(o["lowconf"]), replace=False)):
                k = int(rng.integers(5))
                conf[f, k] = 0.1
                low.append((p, int(f), k))
        if int(o["nan_every"]):
            for f in range(0, T, int(o["nan_every"])):
                k = int(rng.integers(5))
                Y[f, k] = np.nan
                conf[f, k] = 0
        if o["inf_run"]:
            for run in o["inf_run"].split(","):
                a, b, k = (int(x) for x in run.split(":"))
                Y[a:b, k] = np.inf
                conf[a:b, k] = 0
        if o["nan_run"]:
            for run in o["nan_run"].split(","):
                a, b, k = (int(x) for x in run.split(":"))
                Y[a:b, k] = np.nan
                conf[a:b, k] = 0
        if int(o["allnan"]) >= 0:
            Y[:, int(o["allnan"])] = np.nan
            conf[:, int(o["allnan"])] = 0
        cols = track_columns(Y, conf, names, "f32" if o["f32"] else "f64",
                             p % 2)
        if o["no_col"]:
            cols = [x for x in cols if x[0] != o["no_col"]]
        meta = {"group": "g", "sequence": "seq%d" % p,
                "individual": "mouse%d" % (p % 2), "fps": 30, "units": "px"}
        if not o["no_meta"]:
            meta["bodyparts"] = names
        if o["no_fps"]:
            del meta["fps"]
        parts.append((cols, meta))
    write_stream(path, parts)
    if int(o["plant"]):
        with open(path + ".planted", "w") as f:
            for x in planted:
                f.write("%d %d %d\n" % x)
    if int(o["lowconf"]):
        with open(path + ".lowconf", "w") as f:
            for x in low:
                f.write("%d %d %d\n" % x)


BODY = np.array([[30.0, 0], [10, 12], [10, -12], [-10, 8], [-10, -8],
                 [-30, 0]])
BODY = BODY - BODY.mean(axis=0)
BODYZ = np.array([5.0, 2, -2, 1, -1, -5])
BODYZ = BODYZ - BODYZ.mean()


def rigid_truth(T, D):
    t = np.arange(T)
    th = 0.05 * t
    c = np.stack([100 + 3 * t, 50 + 20 * np.sin(0.1 * t)], axis=1)
    R = np.stack([np.stack([np.cos(th), -np.sin(th)], -1),
                  np.stack([np.sin(th), np.cos(th)], -1)], -2)   # (T,2,2)
    Y = c[:, None, :] + np.einsum("tij,kj->tki", R, BODY)
    if D == 3:
        cz = 10 + 0.5 * t
        Y = np.concatenate([Y, (cz[:, None] + BODYZ[None])[..., None]], -1)
        c = np.concatenate([c, cz[:, None]], 1)
    return Y, c, np.angle(np.exp(1j * th))


def rigid(args):
    o, rest = opts(args, dict(rows=500, dim=2))
    T, D = int(o["rows"]), int(o["dim"])
    Y, _, _ = rigid_truth(T, D)
    names = ["bp%d" % k for k in range(6)]
    write_stream(rest[0], [(track_columns(Y, np.ones((T, 6)), names),
                            {"sequence": "rigid", "fps": 30,
                             "bodyparts": names})])


# ------------------------------------------------------------- reading
def load(path):
    return list(mzs.read(path))


def tracks(part):
    names = part.meta["bodyparts"]
    D = 3 if names[0] + ".z" in part.columns else 2
    Y = np.stack([np.stack([np.asarray(part.columns["%s.%s" % (n, "xyz"[d])],
                                       dtype=float) for d in range(D)], -1)
                  for n in names], 1)
    conf = np.stack([np.asarray(part.columns[n + ".p"], dtype=float)
                     for n in names], 1)
    return names, Y, conf


# ------------------------------------------------------------ outliers
def runs(mask):
    """(start, end) of the runs of True in a 1-D boolean array."""
    m = np.concatenate([[False], mask, [False]]).astype(int)
    d = np.diff(m)
    return list(zip(np.where(d == 1)[0], np.where(d == -1)[0]))


def ref_outliers(Y, conf, scale, ct, max_gap):
    T, K, D = Y.shape
    valid = np.isfinite(Y).all(-1)
    Ym = np.where(valid[..., None], Y, np.nan)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = np.nanmedian(Ym, axis=1)
            d = np.linalg.norm(Ym - m[:, None, :], axis=-1)
            med = np.nanmedian(d, axis=0)
            mad = np.nanmedian(np.abs(d - med), axis=0)
    thr = med + scale * mad
    out = valid & (d > thr)
    low = valid & ~out
    if ct is not None:
        low &= ~(conf >= ct)
    else:
        low &= False
    bad = ~valid | out | low
    Z = np.where(bad[..., None], np.nan, Y)
    for k in range(K):
        good = np.where(~bad[:, k])[0]
        if len(good) == 0:
            continue
        t = np.where(bad[:, k])[0]
        for dd in range(D):
            Z[t, k, dd] = np.interp(t, good, Y[good, k, dd])
        if max_gap is not None:
            for a, b in runs(bad[:, k]):
                if b - a > max_gap:
                    Z[a:b, k] = np.nan
    C = np.where(bad, 0.0, conf)
    return dict(Z=Z, C=C, med=med, mad=mad, thr=thr, out=out, low=low,
                missing=~valid)


def close_rel(a, b, tol):
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return False
    both = np.isnan(a) & np.isnan(b)
    if (np.isnan(a) != np.isnan(b)).any():
        return False
    scale = np.maximum(np.abs(b), 1.0)
    return bool((np.abs(a - b)[~both] <= tol * scale[~both]).all())


def outliers(args):
    o, rest = opts(args, dict(scale="6", conf=None, max_gap=None))
    src, dst, rep = load(rest[0]), load(rest[1]), json.load(open(rest[2]))
    scale = float(o["scale"])
    ct = None if o["conf"] is None else float(o["conf"])
    mg = None if o["max_gap"] is None else int(o["max_gap"])
    check("report options", rep["scale"] == scale and
          rep["conf_threshold"] == ct and rep["max_gap"] == mg)
    check("parts: %d vs %d" % (len(src), len(dst)), len(src) == len(dst) ==
          len(rep["parts"]))
    for i, (a, b) in enumerate(zip(src, dst)):
        names, Y, conf = tracks(a)
        _, Z, C = tracks(b)
        r = ref_outliers(Y, conf, scale, ct, mg)
        f32 = np.asarray(b.columns[names[0] + ".x"]).dtype == np.float32
        # f32 columns stay f32: the filled values are rounded once.
        check("part %d: coordinates" % i, close_rel(
            Z, r["Z"].astype(np.float32) if f32 else r["Z"],
            2.0 ** -23 if f32 else 1e-9))
        check("part %d: confidences" % i, np.array_equal(C, r["C"]))
        for c in a.columns:
            if c.split(".")[0] not in names:
                # Kept bit for bit (NaN included: time is NaN when the
                # source has no fps).
                check("part %d: column %s kept" % (i, c),
                      np.asarray(a.columns[c]).tobytes() ==
                      np.asarray(b.columns[c]).tobytes())
        check("part %d: columns and order" % i,
              list(a.columns) == list(b.columns))
        p = rep["parts"][i]
        check("part %d: report frames" % i, p["frames"] == Y.shape[0])
        for k, n in enumerate(names):
            x = p["bodyparts"][k]
            nan = lambda v: float("nan") if v is None else v  # noqa: E731
            check("part %d %s: name" % (i, n), x["name"] == n)
            check("part %d %s: median %r vs %r" % (i, n, x["median"],
                                                    r["med"][k]),
                  close_rel(nan(x["median"]), r["med"][k], 1e-12))
            check("part %d %s: mad" % (i, n),
                  close_rel(nan(x["mad"]), r["mad"][k], 1e-12))
            check("part %d %s: threshold" % (i, n),
                  close_rel(nan(x["threshold"]), r["thr"][k], 1e-12))
            check("part %d %s: outliers %d vs %d" % (i, n, x["outliers"],
                                                      r["out"][:, k].sum()),
                  x["outliers"] == r["out"][:, k].sum())
            check("part %d %s: low confidence" % (i, n),
                  x["low_confidence"] == r["low"][:, k].sum())
            check("part %d %s: missing" % (i, n),
                  x["missing"] == r["missing"][:, k].sum())
            after = np.isnan(r["Z"][:, k, 0]).sum()
            check("part %d %s: missing after" % (i, n),
                  x["missing_after"] == after)
            check("part %d %s: filled" % (i, n), x["filled"] ==
                  (r["missing"][:, k] | r["out"][:, k] |
                   r["low"][:, k]).sum() - after)
            check("part %d %s: percents" % (i, n), abs(
                x["percent_missing"] - 100 * r["missing"][:, k].mean()) <
                1e-9 and abs(x["percent_missing_after"] -
                              100 * after / Y.shape[0]) < 1e-9)
        allnan = [n for k, n in enumerate(names) if r["missing"][:, k].all()]
        check("part %d: all_nan %r" % (i, p["all_nan"]),
              p["all_nan"] == allnan)
    finish()


def planted(args):
    src, dst = load(args[0]), load(args[1])
    want = set()
    with open(args[0] + ".planted") as f:
        for line in f:
            want.add(tuple(int(x) for x in line.split()))
    got = set()
    for i, (a, b) in enumerate(zip(src, dst)):
        _, _, conf = tracks(a)
        _, _, C = tracks(b)
        for f, k in zip(*np.where((conf > 0) & (C == 0))):
            got.add((i, int(f), int(k)))
    check("missed: %s" % sorted(want - got)[:5], not (want - got))
    check("invented: %s" % sorted(got - want)[:5], not (got - want))
    check("planted points: %d" % len(want), len(want) > 0)
    finish()


# -------------------------------------------------------------- smooth
def window_bounds(t, n, w, method):
    h = w // 2
    a, b = t - h, t + h
    if method == "median":
        return max(a, 0), min(b, n - 1)
    if w > n:
        return 0, n - 1
    if a < 0:
        return 0, w - 1
    if b > n - 1:
        return n - w, n - 1
    return a, b


def ref_point(x, t, w, order, method):
    if not np.isfinite(x[t]):
        return x[t]
    a, b = window_bounds(t, len(x), w, method)
    v = x[a:b + 1]
    u = np.arange(a, b + 1) - t
    ok = np.isfinite(v)
    if method == "median":
        return np.median(v[ok])
    if ok.sum() < order + 1:
        return np.nan
    h = max(w // 2, 1)
    V = np.vander(u[ok] / h, order + 1, increasing=True)
    coef = np.linalg.lstsq(V, v[ok], rcond=None)[0]
    return coef[0]


def exact_weights(w, order):
    """The centred Savitzky-Golay weights in exact rational arithmetic."""
    from fractions import Fraction as F
    h, n = w // 2, order + 1
    u = [F(i - h) for i in range(w)]
    M = [[sum(x ** (p + q) for x in u) for q in range(n)] + [F(int(p == 0))]
         for p in range(n)]
    for c in range(n):
        piv = M[c][c]
        M[c] = [v / piv for v in M[c]]
        for i in range(n):
            if i != c:
                f = M[i][c]
                M[i] = [vi - f * vc for vi, vc in zip(M[i], M[c])]
    g = [M[i][n] for i in range(n)]
    return [sum(g[l] * x ** l for l in range(n)) for x in u]


def needs_direct(x, w, method):
    """Points whose window (as documented) holds a non-finite sample."""
    n = len(x)
    bad = ~np.isfinite(x)
    cb = np.concatenate([[0], np.cumsum(bad)])
    out = np.zeros(n, bool)
    for t in range(n):
        a, b = window_bounds(t, n, w, method)
        out[t] = cb[b + 1] - cb[a] > 0
    return out


def smooth(args):
    import scipy.signal
    from fractions import Fraction as F
    o, rest = opts(args, dict(columns=None))
    src, dst = load(rest[0]), load(rest[1])
    method, w = rest[2], int(rest[3])
    order = int(rest[4]) if len(rest) > 4 else 0
    h = w // 2
    check("parts", len(src) == len(dst))
    exact = exact_weights(w, order) if method == "savgol" else None
    for i, (a, b) in enumerate(zip(src, dst)):
        check("part %d: columns" % i, list(a.columns) == list(b.columns))
        if o["columns"]:
            chosen = o["columns"].split(",")
        else:
            chosen = [c for c in a.columns
                      if c.split(".")[-1] in ("x", "y", "z")]
        for c in a.columns:
            x = np.asarray(a.columns[c], dtype=float)
            y = np.asarray(b.columns[c], dtype=float)
            if c not in chosen:
                check("part %d %s: unchanged" % (i, c),
                      np.asarray(a.columns[c]).tobytes() ==
                      np.asarray(b.columns[c]).tobytes())
                continue
            n = len(x)
            fin = np.abs(x[np.isfinite(x)])
            scale = max(fin.max() if fin.size else 0, 1.0)
            # Tolerances, relative to the column's largest magnitude:
            # 1e-12 against exact rational weights and scipy for short
            # windows; scipy's own weights are off by up to ~1.5e-11 for
            # w = 51, order 4 (while mz-smooth is within 1e-13 of the exact
            # ones), so 5e-11 there; numpy's lstsq for the direct fit,
            # 1e-10.
            tol, tol_scipy, tol_direct = 1e-12, 1e-12 if w <= 11 else \
                5e-11, 1e-10
            if np.asarray(b.columns[c]).dtype == np.float32:
                # The output keeps the column's type: one f32 rounding.
                tol = tol_scipy = tol_direct = 2.0 ** -23
            tol, tol_scipy, tol_direct = (v * scale for v in
                                          (tol, tol_scipy, tol_direct))
            direct = needs_direct(x, w, method) if n >= w else \
                np.ones(n, bool)
            x0 = np.where(np.isfinite(x), x, 0.0)
            if n >= w and n > 0:
                if method == "savgol":
                    want = scipy.signal.savgol_filter(x0, w, order,
                                                      mode="interp")
                    ok = ~direct
                else:
                    want = scipy.signal.medfilt(x0, w)
                    ok = ~direct
                    ok[:h] = ok[n - h:] = False
                    direct[:h] = direct[n - h:] = True
                err = np.max(np.abs(y[ok] - want[ok])) if ok.any() else 0
                check("part %d %s: %s differs by %g (tol %g)" % (
                    i, c, "savgol_filter(mode='interp')" if method ==
                    "savgol" else "medfilt", err, tol_scipy),
                    err <= tol_scipy)
                if exact is not None:
                    for t in np.linspace(h, n - h - 1, 15).astype(int):
                        if direct[t]:
                            continue
                        ex = sum(cw * F(float(v)) for cw, v in
                                 zip(exact, x[t - h:t + h + 1]))
                        e = abs(float(F(float(y[t])) - ex))
                        check("part %d %s row %d: differs from the exact "
                              "weights by %g" % (i, c, t, e), e <= tol)
            # Windows with NaN or inf, and short parts: the definition.
            for t in np.where(direct)[0]:
                want_t = ref_point(x, t, w, order, method)
                got = y[t]
                if not (np.isfinite(want_t) and np.isfinite(got)):
                    check("part %d %s row %d: %r, want %r" % (i, c, t, got,
                                                             want_t),
                          np.array_equal([got], [want_t], equal_nan=True))
                else:
                    check("part %d %s row %d: direct fit differs by %g" %
                          (i, c, t, abs(got - want_t)),
                          abs(got - want_t) <= tol_direct)
    finish()


# --------------------------------------------------------------- align
def center_embedding(k):
    """keypoint-MoSeq's center_embedding(k), in numpy (K x (K-1))."""
    X = np.tril(np.ones((k, k)), k=-1)[1:]
    X = np.eye(k)[1:] - X / X.sum(1)[:, None]
    X = X / np.sqrt((X ** 2).sum(1))[:, None]
    return X.T


def ref_align(Y, names, ant, post, cen):
    import warnings
    valid = np.isfinite(Y).all(-1)
    Ym = np.where(valid[..., None], Y, np.nan)
    idx = lambda s: [names.index(n) for n in s]  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = np.nanmean(Ym[:, idx(cen)], axis=1)
        a = np.nanmean(Ym[:, idx(ant), :2], axis=1)
        p = np.nanmean(Ym[:, idx(post), :2], axis=1)
    h = np.arctan2(a[:, 1] - p[:, 1], a[:, 0] - p[:, 0])
    c, s = np.cos(h), np.sin(h)
    with np.errstate(invalid="ignore"):
        d = Y - v[:, None, :]
        out = d.copy()
        out[..., 0] = c[:, None] * d[..., 0] + s[:, None] * d[..., 1]
        out[..., 1] = -s[:, None] * d[..., 0] + c[:, None] * d[..., 1]
    return v, h, out


def align(args):
    o, rest = opts(args, dict(embed=False, centroid=None))
    src, dst = load(rest[0]), load(rest[1])
    ant, post = rest[2].split(","), rest[3].split(",")
    for i, (a, b) in enumerate(zip(src, dst)):
        names, Y, _ = tracks(a)
        D = Y.shape[2]
        cen = o["centroid"].split(",") if o["centroid"] else names
        v, h, al = ref_align(Y, names, ant, post, cen)
        scale = np.nanmax(np.abs(Y))
        tol = 1e-12 * scale
        gc = np.stack([np.asarray(b.columns["centroid." + "xyz"[d]])
                       for d in range(D)], 1)
        check("part %d: centroid" % i, close_rel(gc / scale, v / scale,
                                                 1e-12))
        check("part %d: heading" % i, close_rel(
            np.asarray(b.columns["heading"]), h, 1e-12))
        meta = b.meta["align"]
        check("part %d: metadata" % i, meta["anterior"] == ant and
              meta["posterior"] == post and meta["centroid"] == cen and
              meta["embed"] == bool(o["embed"]))
        if o["embed"]:
            G = center_embedding(len(names))
            # Column j of G is zero below row j + 1: sum only the rows
            # that enter, so that a NaN bodypart i leaves e0..e(i-2) alone
            # (0 * NaN would be NaN).
            E = np.stack([np.einsum("i,tid->td", G[:j + 2, j],
                                    al[:, :j + 2]) for j in range(
                                        len(names) - 1)], 1)
            got = np.stack([np.stack([np.asarray(
                b.columns["e%d.%s" % (j, "xyz"[d])]) for d in range(D)], -1)
                for j in range(len(names) - 1)], 1)
            check("part %d: embedding" % i, close_rel(got / scale,
                                                      E / scale, 1e-12))
            check("part %d: embed columns" % i, [c for c in b.columns] ==
                  [c for c in a.columns if c.split(".")[0] not in names] +
                  ["e%d.%s" % (j, "xyz"[d]) for j in range(len(names) - 1)
                   for d in range(D)] +
                  ["centroid." + "xyz"[d] for d in range(D)] + ["heading"])
            check("part %d: bodyparts metadata moved" % i,
                  "bodyparts" not in b.meta and meta["bodyparts"] == names)
        else:
            _, got, conf = tracks(b)
            _, _, conf0 = tracks(a)
            if np.asarray(b.columns[names[0] + ".x"]).dtype == np.float32:
                # f32 coordinates stay f32: one rounding of |y'| <= scale.
                tol = 2.0 ** -23 * scale
            with np.errstate(invalid="ignore"):
                fin = np.isfinite(al)
                err = np.max(np.abs(got - al)[fin]) if fin.any() else 0
            check("part %d: non-finite where numpy's are" % i,
                  np.array_equal(got[~fin], al[~fin], equal_nan=True))
            check("part %d: aligned coordinates differ by %g" % (i, err),
                  err <= tol)
            check("part %d: confidences unchanged" % i,
                  np.array_equal(conf, conf0))
    finish()


def rigid_check(args):
    o, rest = opts(args, dict(embed=False))
    src, dst = load(rest[0]), load(rest[1])
    b = dst[0]
    names, Y, _ = tracks(src[0])
    T, D = Y.shape[0], Y.shape[2]
    _, c, th = rigid_truth(T, D)
    gc = np.stack([np.asarray(b.columns["centroid." + "xyz"[d]])
                   for d in range(D)], 1)
    check("centroid = c(t): %g" % np.max(np.abs(gc - c)),
          np.max(np.abs(gc - c)) < 1e-9)
    hd = np.asarray(b.columns["heading"])
    err = np.max(np.abs(np.angle(np.exp(1j * (hd - th)))))
    check("heading = 0.05 t: %g" % err, err < 1e-12)
    check("heading in (-pi, pi]", (np.abs(hd) <= np.pi).all())
    body = BODY if D == 2 else np.concatenate([BODY, BODYZ[:, None]], 1)
    if not o["embed"]:
        _, al, _ = tracks(b)
        err = np.max(np.abs(al - body[None]))
        check("aligned = body offsets: %g" % err, err < 1e-9)
    else:
        G = center_embedding(len(names))
        check("Helmert: G^T G = I", np.allclose(G.T @ G, np.eye(len(names)
                                                                - 1),
                                                atol=1e-15))
        check("Helmert: G G^T = I - 11^T/K", np.allclose(
            G @ G.T, np.eye(len(names)) - 1 / len(names), atol=1e-15))
        E = np.stack([np.stack([np.asarray(b.columns["e%d.%s" % (j, "xyz"[d])])
                                for d in range(D)], -1)
                      for j in range(len(names) - 1)], 1)
        want = np.einsum("ij,id->jd", G, body)
        err = np.max(np.abs(E - want[None]))
        check("embedding = G^T body (constant): %g" % err, err < 1e-9)
        n1 = np.sqrt((E ** 2).sum((1, 2)))
        n0 = np.sqrt(((body - body.mean(0)) ** 2).sum())
        check("embedding keeps the centred norm",
              np.max(np.abs(n1 - n0)) < 1e-9)
    finish()


def batch(args):
    """Run each line of file args[0] as a command of this script; print
    one line per command: "ok" or its first failure (python's start-up
    and scipy's import are paid once)."""
    global failures
    for line in open(args[0]):
        failures = []
        words = line.split()
        try:
            {"smooth": smooth, "align": align, "outliers": outliers,
             "planted": planted, "rigid-check": rigid_check}[words[0]](
                 words[1:])
        except SystemExit:
            pass
        except Exception as e:  # noqa: BLE001 - reported as a failure
            print("error: %r" % e)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "batch":
        # finish() prints "ok" or the failures; keep one line each.
        import io
        out, sys.stdout = sys.stdout, io.StringIO()
        global finish

        def one_line():
            msg = "; ".join(failures[:3]) if failures else "ok"
            out.write(msg.replace("\n", " ") + "\n")
        finish = one_line
        batch(args)
        sys.stdout = out
        return
    {"gen": gen, "rigid": rigid, "outliers": outliers, "planted": planted,
     "smooth": smooth, "align": align, "rigid-check": rigid_check}[cmd](args)


if __name__ == "__main__":
    main()
