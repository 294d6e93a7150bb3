"""features-ref.py - inputs with known answers and numpy reference
computations for tests/cli/mz-features.t.

  features-ref.py circle OUT [--rows N --radius R --omega W --fps F]
      one animal (bodyparts nose, neck, tail, side) moving on a circle of
      radius R at angular speed W rad/s, its body along the tangent, so that
      the speed is R W, the heading turns at W and the joint angles are
      constant.
  features-ref.py circle-check IN OUT [--radius R --omega W --fps F]
      the closed forms against mz-features' output OUT.
  features-ref.py line OUT [--rows N --speed V --gap D]
      two animals on the x axis, both heading +x: a walks towards b at V
      px/s, b stands still D px ahead of a's start.
  features-ref.py line-check IN OUT [--speed V --gap D]
  features-ref.py gen OUT [--rows N --parts P --seed S --nan-every E]
      random-walk tracks (sequence seq0, P individuals), NaN at every E-th
      point of each bodypart, for the numpy comparison.
  features-ref.py np-check IN OUT [--freqs lo:hi:n --ant A --post P]
      every column of OUT (mz-features -a A -p P, A and P single
      bodyparts, default nose and tail) against numpy: numpy.gradient and
      the other formulas to
      1e-12 relative (values under 1e-3 of a column's largest, where a
      rotation cancels, to 1e-15 of that largest), the Morlet amplitudes
      (np.convolve with the sampled kernel) to 1e-9 of the largest
      amplitude, NaN positions exactly.
  features-ref.py split IN OUT --at R1,R2,...
      each individual's rows cut at the given rows into segments of one
      sequence with consecutive frames, segment-major.
  features-ref.py same SPLIT WHOLE [--differ]
      the rows of the features of the split stream, joined per
      individual, are bitwise those of the unsplit one (with --differ:
      that some differ, for the run without --overlap).

  features-ref.py nan-rows OUT COLUMN
      the first 6 rows where COLUMN of the first part is NaN.
  features-ref.py rows FULL PART A B
      rows A:B of each part of FULL equal the rows of PART.
  features-ref.py batch FILE
      the commands of FILE, one a line; one output line each.

Each check prints "ok" or the failures, one a line, and exits 1 on failure.
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


def finish():
    if failures:
        for f in failures[:20]:
            print(f)
        sys.exit(1)
    print("ok")


def opts(args, spec):
    o = dict(spec)
    rest = []
    i = 0
    while i < len(args):
        if args[i].startswith("--"):
            k = args[i][2:].replace("-", "_")
            if isinstance(o.get(k), bool):
                o[k] = True
                i += 1
                continue
            o[k] = type(spec[k])(args[i + 1]) if spec.get(k) is not None \
                else args[i + 1]
            i += 2
        else:
            rest.append(args[i])
            i += 1
    return o, rest


def _xxh():
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


_xxh()
NPT = {"f64": "<f8", "i64": "<i8", "i32": "<i4"}


def chunk(tag, payload):
    pad = (8 - len(payload) % 8) % 8
    h = mzs.xxh64(payload)
    return tag + struct.pack("<IQQ", 0, len(payload), h) + payload + \
        b"\0" * pad, h


def write_stream(path, parts, rows_per_block=700):
    """parts: list of (columns [(name, type, array)], meta); raw codec."""
    out = [b"\x89MZS\r\n\x1a\n" + struct.pack("<HHI", 1, 0, 0)]
    for cols, meta in parts:
        head = json.dumps({"columns": [{"name": n, "type": t}
                                       for n, t, _ in cols],
                           "meta": meta}, separators=(",", ":")).encode()
        c, h = chunk(b"HEAD", head)
        out.append(c)
        sums = [h]
        n = len(cols[0][2])
        nb = 0
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
            c, h = chunk(b"BLCK", payload[:off - pad])
            out.append(c)
            sums.append(h)
            nb += 1
        tail = struct.pack("<QQQ", n, nb, mzs.xxh64(
            b"".join(struct.pack("<Q", s) for s in sums)))
        out.append(chunk(b"TAIL", tail)[0])
    out.append(chunk(b"ENDS", struct.pack("<Q", len(parts)))[0])
    with open(path, "wb") as f:
        f.write(b"".join(out))


def part_cols(frames, fps, pid, names, X, Y):
    cols = [("frame", "i64", frames), ("time", "f64", frames / fps),
            ("id", "i32", np.full(len(frames), pid))]
    for k, n in enumerate(names):
        cols += [(n + ".x", "f64", X[:, k]), (n + ".y", "f64", Y[:, k]),
                 (n + ".p", "f64", np.where(np.isnan(X[:, k]), 0.0, 0.9))]
    return cols


def meta(names, indiv, fps, seq="seq0"):
    m = {"group": "g", "sequence": seq, "individual": indiv,
         "bodyparts": names, "units": "px"}
    if fps is not None:
        m["fps"] = fps
    return m


BODY = {"nose": (30.0, 0.0), "neck": (15.0, 4.0), "tail": (-25.0, 0.0),
        "side": (0.0, 10.0)}


def body_points(cx, cy, th, names):
    X = np.stack([cx + np.cos(th) * BODY[n][0] - np.sin(th) * BODY[n][1]
                  for n in names], 1)
    Y = np.stack([cy + np.sin(th) * BODY[n][0] + np.cos(th) * BODY[n][1]
                  for n in names], 1)
    return X, Y


# -------------------------------------------------------------- circle
def circle(args):
    o, rest = opts(args, dict(rows=400, radius=100.0, omega=2.0, fps=30.0,
                              nofps=False))
    t = np.arange(o["rows"]) / o["fps"]
    ph = o["omega"] * t
    cx, cy = 300 + o["radius"] * np.cos(ph), 200 + o["radius"] * np.sin(ph)
    names = ["nose", "neck", "tail", "side"]
    # The body along the tangent.  The test's centroid (-b nose,tail) is
    # (30 - 25)/2 = 2.5 px ahead of (cx, cy), a rigid offset, so its path
    # is a circle too.
    X, Y = body_points(cx, cy, ph + np.pi / 2, names)
    write_stream(rest[0], [(part_cols(np.arange(o["rows"]), o["fps"], 0,
                                      names, X, Y),
                            meta(names, "m0", None if o["nofps"]
                                 else o["fps"]))])


def col(part, name):
    return np.asarray(part.columns[name], dtype=float)


def close(a, b, rel, absfloor=0.0):
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return False
    na, nb = np.isnan(a), np.isnan(b)
    if not np.array_equal(na, nb):
        return False
    d = np.abs(a[~na] - b[~nb])
    s = np.maximum(np.maximum(np.abs(a[~na]), np.abs(b[~nb])), absfloor)
    return bool(np.all(d <= rel * s + 1e-300))


def circle_check(args):
    o, rest = opts(args, dict(radius=100.0, omega=2.0, fps=30.0))
    out = list(mzs.read(rest[1]))[0]
    R, W, F = o["radius"], o["omega"], o["fps"]
    # The centroid of nose and tail: 2.5 px ahead of the circle point,
    # along the tangent: radius sqrt(R^2 + 2.5^2), the same angular speed.
    r = np.hypot(R, 2.5)
    s = col(out, "speed.centroid")
    n = len(s)
    # Discrete closed forms of numpy.gradient on a circle: central
    # differences give r sin(W/F) F, one-sided ones 2 r sin(W/2F) F.
    want = np.full(n, r * np.sin(abs(W) / F) * F)
    want[[0, -1]] = 2 * r * np.sin(abs(W) / (2 * F)) * F
    check("speed: discrete closed form to 1e-12", close(s, want, 1e-12))
    check("speed: r omega to 1e-3 (the central difference's error)",
          close(s[1:-1], np.full(n - 2, r * abs(W)), 1e-3))
    check("angvel = omega to 1e-12", close(col(out, "angvel"),
                                           np.full(n, W), 1e-12))
    for a in ("angle.nose.neck.tail", "angle.neck.tail.side",
              "angle.side.nose.neck"):
        v = col(out, a)
        check("%s constant to 1e-12" % a, np.ptp(v) <= 1e-12 * v.max())
        check("%s in [0, pi]" % a, np.all((v >= 0) & (v <= np.pi)))
    p = {k: np.array(v) for k, v in BODY.items()}
    u, w = p["nose"] - p["neck"], p["tail"] - p["neck"]
    ang = np.arctan2(abs(u[0] * w[1] - u[1] * w[0]), u @ w)
    check("angle.nose.neck.tail = the body's", abs(col(
        out, "angle.nose.neck.tail")[0] - ang) <= 1e-12)
    check("bodylength = 55 to 1e-12", close(col(out, "bodylength"),
                                            np.full(n, 55.0), 1e-12))
    check("dist.nose.tail = 55", close(col(out, "dist.nose.tail"),
                                       np.full(n, 55.0), 1e-12))
    ax, ay = col(out, "centroid.ax"), col(out, "centroid.ay")
    acc = np.hypot(ax, ay)[2:-2]
    check("|accel| = r omega^2 to 1e-2", close(acc, np.full(
        len(acc), r * W * W), 1e-2))
    check("speed, angvel: nothing NaN", not np.isnan(s).any() and
          not np.isnan(col(out, "angvel")).any())
    finish()


# ---------------------------------------------------------------- line
def line(args):
    o, rest = opts(args, dict(rows=200, speed=20.0, gap=500.0, fps=25.0))
    T, F = o["rows"], o["fps"]
    t = np.arange(T) / F
    names = ["nose", "neck", "tail", "side"]
    parts = []
    for pid, (x0, v) in enumerate([(0.0, o["speed"]), (o["gap"], 0.0)]):
        X, Y = body_points(x0 + v * t, np.full(T, 100.0), np.zeros(T),
                           names)
        parts.append((part_cols(np.arange(T), F, pid, names, X, Y),
                      meta(names, "ab"[pid], F)))
    write_stream(rest[0], parts)


def line_check(args):
    o, rest = opts(args, dict(speed=20.0, gap=500.0, fps=25.0))
    out = list(mzs.read(rest[1]))
    V, D = o["speed"], o["gap"]
    for p, other in ((out[0], "b"), (out[1], "a")):
        t = col(p, "time")
        n = len(t)
        d = D - V * t
        me = p.meta["individual"]
        check("%s: idist = D - V t" % me, close(col(p, "idist." + other), d,
                                               1e-12))
        check("%s: approach = -V" % me, close(col(p, "approach." + other),
                                             np.full(n, -V), 1e-9))
        check("%s: relori = 0" % me, np.all(np.abs(col(p, "relori." + other))
                                            <= 1e-12))
        face = 0.0 if me == "a" else np.pi
        check("%s: facing = %g" % (me, face), np.all(np.abs(
            col(p, "facing." + other) - face) <= 1e-12))
        check("%s: nn.id" % me, np.all(col(p, "nn.id") == (1 if me == "a"
                                                          else 0)))
        check("%s: nn.dist = idist" % me, close(col(p, "nn.dist"), d, 1e-12))
        check("%s: nn.dx = +-idist (ahead, behind)" % me,
              close(col(p, "nn.dx"), d if me == "a" else -d, 1e-12))
        check("%s: nn.dy = 0" % me, np.all(np.abs(col(p, "nn.dy")) <= 1e-9))
    finish()


# ----------------------------------------------------------------- gen
def gen(args):
    o, rest = opts(args, dict(rows=900, parts=2, seed=1, nan_every=0,
                              fps=30.0))
    rng = np.random.default_rng(o["seed"])
    T = o["rows"]
    names = ["nose", "neck", "tail", "side"]
    parts = []
    for pid in range(o["parts"]):
        cx = 200 + 50 * pid + np.cumsum(rng.normal(0, 2, T))
        cy = 150 + np.cumsum(rng.normal(0, 2, T))
        th = np.cumsum(rng.normal(0, 0.3, T))    # wraps many times
        X, Y = body_points(cx, cy, th, names)
        X = X + rng.normal(0, 0.5, X.shape)
        Y = Y + rng.normal(0, 0.5, Y.shape)
        if o["nan_every"]:
            for k in range(len(names)):
                m = (np.arange(T) + 7 * k + pid) % o["nan_every"] == 0
                X[m, k] = Y[m, k] = np.nan
        parts.append((part_cols(np.arange(T), o["fps"], pid, names, X, Y),
                      meta(names, "m%d" % pid, o["fps"])))
    write_stream(rest[0], parts)


def grad(f, fps):
    return np.gradient(f) * fps if len(f) > 1 else np.full(len(f), np.nan)


def wrap(x):
    return x - 2 * np.pi * np.ceil((x - np.pi) / (2 * np.pi))


def wgrad(h, fps):
    d = wrap(np.diff(h))
    g = np.empty(len(h))
    g[0], g[-1] = d[0], d[-1]
    g[1:-1] = (d[1:] + d[:-1]) / 2
    return g * fps


def nanmean_pts(P):
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(P[..., 0]) & np.isfinite(P[..., 1])
        n = ok.sum(1)
        s = np.where(ok[..., None], P, 0).sum(1)
        m = s / n[:, None]
    m[n == 0] = np.nan
    return m


def morlet_amp(x, f, fps):
    s = fps / f
    L = int(np.floor(8 * s))
    t = np.arange(-L, L + 1) / s
    k = (np.pi * 1.5) ** -0.5 * np.exp(-t * t / 1.5) * \
        np.exp(2j * np.pi * t) / np.sqrt(s)
    return np.abs(np.convolve(x, k, mode="full")[L:L + len(x)])


def n2(x, y):
    """|(x, y)| as mz-features(1) states it: sqrt(x^2 + y^2)."""
    return np.sqrt(x * x + y * y)


def np_check(args):
    o, rest = opts(args, dict(freqs="0.2:5:25", ant="nose", post="tail"))
    inp = list(mzs.read(rest[0]))
    out = list(mzs.read(rest[1]))
    lo, hi, nf = o["freqs"].split(":")
    freqs = np.geomspace(float(lo), float(hi), int(nf))
    names = inp[0].meta["bodyparts"]
    ctr, hd, ids = [], [], []
    for p in inp:
        P = np.stack([np.stack([col(p, n + ".x"), col(p, n + ".y")], -1)
                      for n in names], 1)
        c = nanmean_pts(P)
        a, b = P[:, names.index(o["ant"])], P[:, names.index(o["post"])]
        ctr.append((P, c, a, b))
        hd.append(np.arctan2(a[:, 1] - b[:, 1], a[:, 0] - b[:, 0]))
        ids.append(col(p, "id")[0])
    for i, q in enumerate(out):
        fps = q.meta["features"]["fps"]
        check("fps in the metadata", q.meta["fps"] == fps)
        P, c, a, b = ctr[i]
        h = hd[i]
        want = {}
        for k, n in enumerate(names + ["centroid"]):
            xy = c if n == "centroid" else P[:, k]
            vx, vy = grad(xy[:, 0], fps), grad(xy[:, 1], fps)
            want[n + ".vx"], want[n + ".vy"] = vx, vy
            want["speed." + n] = n2(vx, vy)
            want[n + ".x"], want[n + ".y"] = xy[:, 0], xy[:, 1]
            want[n + ".ax"], want[n + ".ay"] = grad(vx, fps), grad(vy, fps)
        want["heading"] = h
        want["angvel"] = wgrad(h, fps)
        want["bodylength"] = n2(*(a - b).T)
        for name in q.columns:
            w = name.split(".")
            if w[0] == "angle" and len(w) == 4:
                A, B_, C = (P[:, names.index(x)] for x in w[1:])
                u, v = A - B_, C - B_
                with np.errstate(invalid="ignore"):
                    ang = np.arctan2(np.abs(u[:, 0] * v[:, 1] -
                                            u[:, 1] * v[:, 0]),
                                     (u * v).sum(1))
                ang[((u[:, 0] == 0) & (u[:, 1] == 0)) |
                    ((v[:, 0] == 0) & (v[:, 1] == 0))] = np.nan
                want[name] = ang
        for x in range(len(names)):
            for y in range(x + 1, len(names)):
                want["dist.%s.%s" % (names[x], names[y])] = n2(
                    *(P[:, x] - P[:, y]).T)
        best = np.full(len(h), np.inf)
        nn = np.full((len(h), 3), np.nan)
        for j, p in enumerate(inp):
            if j == i:
                continue
            on = p.meta["individual"]
            d = ctr[j][1] - c
            r = n2(*d.T)
            want["idist." + on] = r
            want["approach." + on] = grad(r, fps)
            want["relori." + on] = wrap(hd[j] - h)
            want["facing." + on] = np.abs(wrap(np.arctan2(d[:, 1], d[:, 0])
                                               - h))
            with np.errstate(invalid="ignore"):
                m = r < best
            best[m] = r[m]
            nn[m] = np.stack([np.full(len(h), ids[j]), d[:, 0], d[:, 1]],
                             1)[m]
        want["nn.id"] = nn[:, 0]
        want["nn.dist"] = np.where(np.isfinite(best), best, np.nan)
        want["nn.dx"] = np.cos(h) * nn[:, 1] + np.sin(h) * nn[:, 2]
        want["nn.dy"] = -np.sin(h) * nn[:, 1] + np.cos(h) * nn[:, 2]
        seen = 0
        for name in q.columns:
            got = col(q, name)
            if name in ("frame", "time", "id"):
                check("%s: %s passes through" % (q.meta["individual"], name),
                      np.array_equal(got, col(inp[i], name), equal_nan=True))
                continue
            base, _, w = name.rpartition(".w")
            if base and w.isdigit():
                x = want[base]
                ref = morlet_amp(x, freqs[int(w)], fps)
                nanpos = np.isnan(ref)
                scale = np.nanmax(np.abs(ref)) if (~nanpos).any() else 1
                ok = np.array_equal(nanpos, np.isnan(got)) and bool(
                    np.all(np.abs(got - ref)[~nanpos] <= 1e-9 * scale))
                check("%s: %s = numpy Morlet (1e-9 of max)" %
                      (q.meta["individual"], name), ok)
                seen += 1
                continue
            if name not in want:
                check("%s: no reference for %s" % (q.meta["individual"],
                                                    name), False)
                continue
            # 1e-12 relative; values under 1e-3 of the column's largest
            # (cancellation in rotations) to 1e-15 of that largest.
            big = np.nanmax(np.abs(want[name])) if np.isfinite(
                want[name]).any() else 0.0
            check("%s: %s = numpy to 1e-12 relative (NaN positions exact)" %
                  (q.meta["individual"], name),
                  close(got, want[name], 1e-12, 1e-3 * big))
            seen += 1
        check("compared some columns", seen > 5)
    finish()


# --------------------------------------------------------------- split
def split(args):
    o, rest = opts(args, dict(at=""))
    inp = list(mzs.read(rest[0]))
    cuts = [int(x) for x in o["at"].split(",")]
    parts = []
    bounds = list(zip([0] + cuts, cuts + [None]))
    for a, b in bounds:
        for p in inp:
            cols = [(c["name"], c["type"], np.asarray(p.columns[c["name"]])
                     [a:b]) for c in p.schema]
            parts.append((cols, p.meta))
    write_stream(rest[1], parts)


def same(args):
    o, rest = opts(args, dict(differ=False))
    sp = list(mzs.read(rest[0]))
    wh = list(mzs.read(rest[1]))
    differ = False
    for w in wh:
        mine = [p for p in sp if p.meta["individual"] == w.meta["individual"]]
        for name in w.columns:
            a = np.concatenate([np.asarray(p.columns[name]) for p in mine])
            b = np.asarray(w.columns[name])
            eq = a.shape == b.shape and np.array_equal(
                a.view(np.uint8), b.view(np.uint8))
            if not o["differ"]:
                check("%s %s: split = whole, bitwise" %
                      (w.meta["individual"], name), eq)
            differ |= not eq
    if o["differ"]:
        check("some column differs without --overlap", differ)
    finish()


def nan_rows(args):
    p = next(iter(mzs.read(args[0])))
    print(*np.flatnonzero(np.isnan(np.asarray(p.columns[args[1]])))[:6])


def rows(args):
    full, part = list(mzs.read(args[0])), list(mzs.read(args[1]))
    a, b = int(args[2]), int(args[3])
    for f, p in zip(full, part):
        for c in f.columns:
            check("%s: rows %d:%d of the full run" % (c, a, b),
                  np.array_equal(np.asarray(f.columns[c])[a:b],
                                 np.asarray(p.columns[c]), equal_nan=True))
    check("as many parts", len(full) == len(part))
    finish()


CMDS = {"nan-rows": nan_rows, "rows": rows, "circle": circle, "circle-check": circle_check, "line": line,
        "line-check": line_check, "gen": gen, "np-check": np_check,
        "split": split, "same": same}


def batch(path):
    """Run the commands of path, one a line, printing for each one line:
    "ok", the failures joined by "; ", or "error: ..." (one python start
    instead of many keeps the test file fast)."""
    import io
    import shlex
    out = sys.stdout
    for line in open(path):
        words = shlex.split(line)
        if not words:
            continue
        failures.clear()
        sys.stdout = io.StringIO()
        try:
            CMDS[words[0]](words[1:])
            msg = sys.stdout.getvalue().strip()
        except SystemExit:
            msg = "; ".join(failures[:3])
        except Exception as e:  # noqa: BLE001 - reported as a failure
            msg = "error: %r" % e
        sys.stdout = out
        print(msg.replace("\n", " ") if msg else "ok")


def main():
    if sys.argv[1] == "batch":
        batch(sys.argv[2])
        return
    CMDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
