"""mz-pca-ref.py - numpy (and scikit-learn) reference for tests/cli/mz-pca.t.

    gen OUT.mzs [--rows N] [--bodyparts K] [--parts P] [--seed S]
                [--nan-every M] [--const]
        write random correlated standard tracks (raw mzs, written here from
        mzs(5)): columns frame, time, id, bpK.x, bpK.y, bpK.p; the x/y
        columns are Gaussian with distinct variances along random axes,
        offset far from 0, their standard deviations from 30 down to 0.3;
        --nan-every M makes one x/y value of every M-th
        row NaN; --const makes bp0.y the constant 7.25.
    fit MODEL FILE... [--conf T]
        compare the model with numpy's eigh of np.cov and with scikit-learn's
        PCA(svd_solver="full") over the same rows: mean, counts, eigenvalues
        and ratios to 1e-9 relative, components to 1e-7 up to sign, and the
        sign rule (the largest-magnitude loading is positive).
    apply MODEL IN.mzs OUT.mzs K [--whiten]
        compare mz-pca apply's output with numpy's projection.

Prints "ok" on success; otherwise what differs, and exits 1.  Reads streams
with share/python/mzs.py.
"""

import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "share", "python"))
import mzs  # noqa: E402

failures = []


def check(what, ok):
    if not ok:
        failures.append(what)


# ------------------------------------------------------------- writing
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
            for _, t, v in cols:
                raw = np.ascontiguousarray(v[a:b]).astype("<" + {
                    "f64": "f8", "i64": "i8", "i32": "i4"}[t]).tobytes()
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


def gen(args):
    path = args[0]
    opt = dict(rows=2000, bodyparts=4, parts=3, seed=1, nan_every=0)
    const = "--const" in args
    i = 1
    while i < len(args):
        if args[i] == "--const":
            i += 1
            continue
        opt[args[i][2:].replace("-", "_")] = int(args[i + 1])
        i += 2
    rng = np.random.default_rng(opt["seed"])
    k = opt["bodyparts"]
    d = 2 * k
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scales = 30.0 * 0.01 ** (np.arange(d) / (d - 1))
    mu = rng.uniform(-300, 300, d)
    n = opt["rows"]
    x = (rng.standard_normal((n, d)) * scales) @ q.T + mu
    if opt["nan_every"]:
        for r in range(0, n, opt["nan_every"]):
            x[r, rng.integers(d)] = np.nan
    if const:
        x[:, 1] = 7.25
    conf = rng.uniform(0, 1, (n, k))
    bounds = np.linspace(0, n, opt["parts"] + 1).astype(int)
    parts = []
    for p in range(opt["parts"]):
        a, b = bounds[p], bounds[p + 1]
        cols = [("frame", "i64", np.arange(b - a)),
                ("time", "f64", np.arange(b - a) / 30.0),
                ("id", "i32", np.full(b - a, p % 2))]
        for j in range(k):
            cols += [("bp%d.x" % j, "f64", x[a:b, 2 * j]),
                     ("bp%d.y" % j, "f64", x[a:b, 2 * j + 1]),
                     ("bp%d.p" % j, "f64", conf[a:b, j])]
        parts.append((cols, {"sequence": "seq%d" % p, "fps": 30}))
    write_stream(path, parts)


# ------------------------------------------------------------- checking
def load_model(d):
    m = json.load(open(os.path.join(d, "model.json")))
    nc = len(m["columns"])
    comp = np.fromfile(os.path.join(d, "components.f64"), "<f8")
    mean = np.fromfile(os.path.join(d, "mean.f64"), "<f8")
    return m, comp.reshape(nc, nc), mean


def rows_of(files, names):
    blocks = []
    for f in files:
        for p in mzs.read(f):
            blocks.append(np.column_stack(
                [np.asarray(p.columns[c], dtype=float) for c in names]))
    return np.vstack(blocks)


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def fit(args):
    conf = None
    if "--conf" in args:
        i = args.index("--conf")
        conf = float(args[i + 1])
        del args[i:i + 2]
    m, comp, mean = load_model(args[0])
    files = args[1:]
    x = rows_of(files, m["columns"])
    ok = np.isfinite(x).all(axis=1)
    if conf is not None:
        c = rows_of(files, m["confidence_columns"])
        ok &= (c > conf).all(axis=1)
    x = x[ok]
    n, d = x.shape
    check("n_frames %d, want %d" % (m["n_frames"], n), m["n_frames"] == n)
    want_mean = x.mean(axis=0)
    scale = np.abs(x).max(axis=0) + 1
    check("mean", (np.abs(mean - want_mean) <= 1e-12 * scale).all())
    check("mean in model.json", m["mean"] == list(mean))
    w, v = np.linalg.eigh(np.cov(x, rowvar=False))
    w, v = w[::-1], v[:, ::-1]
    eig = np.array(m["eigenvalues"])
    ratio = np.array(m["explained_variance_ratio"])
    # Relative accuracy for eigenvalues above 1e-6 of the largest; the
    # others (rank deficiency, constant columns) are near 0, absolutely.
    big = w > 1e-6 * w[0]
    check("eigenvalues vs eigh %s / %s" % (eig, w),
          all(rel(a, b) <= 1e-9 for a, b in zip(eig[big], w[big])))
    check("small eigenvalues", (np.abs(eig[~big] - w[~big]) <=
                                1e-12 * d * w[0]).all())
    check("ratios vs eigh", all(rel(a, b) <= 1e-9 for a, b in
                                zip(ratio[big], (w / w.sum())[big])))
    check("cumulative", np.allclose(np.cumsum(ratio), m["cumulative"],
                                    rtol=1e-12, atol=0))
    check("explained_variance", m["explained_variance"] == m["eigenvalues"])
    # Components: up to sign, where the eigenvalue is well separated.
    gap = np.ones(d, bool)
    for k in range(d):
        for j in range(d):
            if j != k and abs(w[k] - w[j]) < 1e-6 * w[0]:
                gap[k] = False
    for k in range(d):
        if gap[k] and big[k]:
            e = min(np.abs(comp[k] - v[:, k]).max(),
                    np.abs(comp[k] + v[:, k]).max())
            check("component %d differs from eigh's by %g" % (k, e),
                  e <= 1e-7)
        top = np.argmax(np.abs(comp[k]))
        check("component %d: largest loading positive" % k, comp[k][top] > 0)
    check("components orthonormal",
          np.abs(comp @ comp.T - np.eye(d)).max() <= 1e-12)
    try:
        from sklearn.decomposition import PCA
    except ImportError:
        PCA = None
    if PCA is not None:
        p = PCA(svd_solver="full").fit(x)
        kk = min(n, d)
        sk = p.explained_variance_ratio_
        check("ratios vs scikit-learn", all(
            rel(a, b) <= 1e-9 for a, b in zip(ratio[:kk][big[:kk]],
                                              sk[big[:kk]])))
        check("eigenvalues vs scikit-learn", all(
            rel(a, b) <= 1e-9 for a, b in zip(eig[:kk][big[:kk]],
                                              p.explained_variance_[
                                                  big[:kk]])))
        for k in range(kk):
            if gap[k] and big[k]:
                e = min(np.abs(comp[k] - p.components_[k]).max(),
                        np.abs(comp[k] + p.components_[k]).max())
                check("component %d vs scikit-learn: %g" % (k, e), e <= 1e-7)


def apply(args):
    whiten = "--whiten" in args
    args = [a for a in args if a != "--whiten"]
    m, comp, mean = load_model(args[0])
    k = int(args[3])
    ins, outs = list(mzs.read(args[1])), list(mzs.read(args[2]))
    check("part count", len(ins) == len(outs))
    for p, q in zip(ins, outs):
        x = np.column_stack([np.asarray(p.columns[c], float)
                             for c in m["columns"]])
        s = (x - mean) @ comp[:k].T
        if whiten:
            s = s / np.sqrt(np.array(m["eigenvalues"][:k]))
        bad = ~np.isfinite(x).all(axis=1)
        names = [c["name"] for c in q.schema]
        pcs = ["pc%d" % i for i in range(k)]
        check("columns %s" % names, names[-k:] == pcs)
        got = np.column_stack([q.columns[c] for c in pcs])
        check("NaN rows", (np.isnan(got).all(axis=1) == bad).all() and
              not np.isnan(got[~bad]).any())
        err = np.abs(got[~bad] - s[~bad]) / (1 + np.abs(s[~bad]))
        check("scores (max error %g)" % err.max(), err.max() <= 1e-9)
        for c in ("frame", "time", "id"):
            if c in p.columns:
                check(c, np.array_equal(p.columns[c], q.columns[c]))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"gen": gen, "fit": fit, "apply": apply}[cmd](args)
    if cmd != "gen":
        for f in failures:
            print("FAIL", f)
        print("ok" if not failures else "not ok")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
