#!/usr/bin/env python3
"""eval-ref.py - fixtures and scikit-learn reference values for mz-eval.t.

  eval-ref.py gen DIR SEED        write DIR/one.mzs (truth, prediction,
                                  syllable and probability columns, with
                                  levels), DIR/truth.mzs and DIR/pred.mzs
                                  (the same split in two streams), and
                                  DIR/data.npz (the arrays, per part)
  eval-ref.py check DIR CASES     CASES holds pairs of lines: mz-eval's
                                  options (one line) and the file of its
                                  --json output; compares each with
                                  scikit-learn's values, printing "case I:
                                  ok N" (N values compared) or "case I:"
                                  and the differences
  eval-ref.py write OUT SPEC      write a stream from a JSON spec: a list
                                  of parts {meta, columns: [{name, type,
                                  levels?, values}]} (for bad-input cases)

Streams are written by a small writer of mzs(5) (raw codec, one block per
part) with its own XXH64, so no mz tool is involved in making them.
Tolerance: 1e-12 absolute on every value.
"""
import json
import shlex
import struct
import sys

import numpy as np

M = (1 << 64) - 1
P1, P2, P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
P4, P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def xround(acc, lane):
    return rotl((acc + lane * P2) & M, 31) * P1 & M


def xxh64(b):
    n, i, h = len(b), 0, 0
    if n >= 32:
        v = [(P1 + P2) & M, P2, 0, (-P1) & M]
        lanes = struct.unpack_from("<%dQ" % (n // 32 * 4), b)
        for k in range(0, len(lanes), 4):
            v = [xround(v[j], lanes[k + j]) for j in range(4)]
        i = n // 32 * 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for x in v:
            h = ((h ^ xround(0, x)) * P1 + P4) & M
    else:
        h = P5
    h = (h + n) & M
    while i + 8 <= n:
        h ^= xround(0, struct.unpack_from("<Q", b, i)[0])
        h = (rotl(h, 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        h ^= struct.unpack_from("<I", b, i)[0] * P1 & M
        h = (rotl(h, 23) * P2 + P3) & M
        i += 4
    while i < n:
        h ^= b[i] * P5 & M
        h = rotl(h, 11) * P1 & M
        i += 1
    h ^= h >> 33
    h = h * P2 & M
    h ^= h >> 29
    h = h * P3 & M
    h ^= h >> 32
    return h


assert xxh64(b"") == 0xEF46DB3751D8E999

DT = {"i8": "<i1", "u8": "<u1", "i16": "<i2", "u16": "<u2", "i32": "<i4",
      "u32": "<u4", "i64": "<i8", "u64": "<u8", "f32": "<f4", "f64": "<f8"}


def chunk(tag, payload):
    h = xxh64(payload)
    pad = b"\0" * ((8 - len(payload) % 8) % 8)
    return tag + struct.pack("<IQQ", 0, len(payload), h) + payload + pad, h


def write_stream(path, parts):
    """parts: [(meta, [(name, type, levels or None, array)])]"""
    out = [b"\x89MZS\r\n\x1a\n" + struct.pack("<HHI", 1, 0, 0)]
    for meta, cols in parts:
        head = {"columns": [], "meta": meta}
        for name, t, lv, _ in cols:
            c = {"name": name, "type": t}
            if lv is not None:
                c["levels"] = {str(k): v for k, v in lv.items()}
            head["columns"].append(c)
        hc, hh = chunk(b"HEAD", json.dumps(head).encode())
        out.append(hc)
        hashes = [hh]
        n = len(cols[0][3]) if cols else 0
        nblocks = 0
        if n > 0:
            c = len(cols)
            pos = 16 + 24 * c
            pos += (8 - pos % 8) % 8
            desc, regions = b"", []
            for name, t, lv, a in cols:
                raw = np.asarray(a, dtype=DT[t]).tobytes()
                desc += struct.pack("<B7xQQ", 0, pos, len(raw))
                regions.append((pos, raw))
                end = pos + len(raw)
                pos = end + (8 - end % 8) % 8
            payload = bytearray(end)
            payload[0:16 + 24 * c] = struct.pack("<QII", n, c, 0) + desc
            for o, raw in regions:
                payload[o:o + len(raw)] = raw
            payload = bytes(payload)
            bc, bh = chunk(b"BLCK", payload)
            out.append(bc)
            hashes.append(bh)
            nblocks = 1
        ph = xxh64(b"".join(struct.pack("<Q", x) for x in hashes))
        out.append(chunk(b"TAIL", struct.pack("<QQQ", n, nblocks, ph))[0])
    out.append(chunk(b"ENDS", struct.pack("<Q", len(parts)))[0])
    with open(path, "wb") as f:
        f.write(b"".join(out))


LEVELS = {0: "none", 1: "attack", 2: "investigation", 3: "mount"}


def runs(rng, n, k, mean):
    """n values in 0..k-1 as runs of geometric length."""
    v = np.empty(n, dtype=np.int64)
    i = 0
    while i < n:
        L = int(rng.geometric(1.0 / mean))
        v[i:i + L] = rng.integers(0, k)
        i += L
    return v


def gen(d, seed):
    rng = np.random.default_rng(int(seed))
    parts, arrays = [], {}
    specs = [("g1", "s1", 700), ("g1", "s2", 500), ("g2", "s3", 900)]
    for pi, (g, s, n) in enumerate(specs):
        y = runs(rng, n, 4, 12.0)
        # Predictions: mostly right, with noise; value 5 is unnamed.
        p = y.copy()
        flip = rng.random(n) < 0.3
        p[flip] = rng.choice([0, 1, 2, 3, 5], size=int(flip.sum()))
        if pi == 1:
            y[y == 3] = 2          # a class absent from one sequence
        syl = (y * 3 + rng.integers(0, 3, n)) % 7
        syl[rng.random(n) < 0.2] = rng.integers(0, 9)
        logit = rng.normal(size=(n, 4)) + 2.5 * np.eye(4)[y]
        pr = np.exp(logit) / np.exp(logit).sum(axis=1, keepdims=True)
        pr[:5, 0] = [0.0, 1.0, 0.5, 0.25, 0.75]   # exact edges
        frame = np.arange(n, dtype=np.int64)
        meta = {"group": g, "sequence": s, "fps": 30}
        cols = [("frame", "i64", None, frame),
                ("label", "i32", LEVELS, y),
                ("prediction", "i16", LEVELS, p),
                ("syllable", "u8", None, syl)]
        pcols = [("p_%s" % LEVELS[c], "f64" if c != 3 else "f32", None,
                  pr[:, c] if c != 3 else pr[:, c].astype(np.float32))
                 for c in range(4)]
        parts.append((meta, cols + pcols))
        arrays.update({"y%d" % pi: y, "p%d" % pi: p, "s%d" % pi: syl,
                       "pr%d" % pi: np.stack([c[3].astype(np.float64) for c in pcols], 1)})
    write_stream(d + "/one.mzs", parts)
    write_stream(d + "/truth.mzs", [(m, c[:2]) for m, c in parts])
    write_stream(d + "/pred.mzs", [(m, [c[0]] + c[2:]) for m, c in parts])
    np.savez(d + "/data.npz", groups=np.array([s[0] for s in specs]),
             seqs=np.array([s[1] for s in specs]), **arrays)


def events(v, ign):
    """(class, onset) of the maximal runs of v, without ignored classes."""
    out = []
    for i in range(len(v)):
        if (i == 0 or v[i] != v[i - 1]) and v[i] not in ign:
            out.append((int(v[i]), i))
    return out


def event_counts(y, p, tol, ign):
    """Brute force of mz-eval(1)'s matching rule, per class:
    [true, predicted, matched]."""
    te, pe = events(y, ign), events(p, ign)
    used = [False] * len(te)
    cnt = {}
    for c, o in te:
        cnt.setdefault(c, [0, 0, 0])[0] += 1
    for c, o in pe:
        cnt.setdefault(c, [0, 0, 0])[1] += 1
        best = None
        for i, (c2, o2) in enumerate(te):
            if c2 == c and not used[i] and abs(o2 - o) <= tol:
                if best is None or abs(o2 - o) < abs(te[best][1] - o):
                    best = i
        if best is not None:
            used[best] = True
            cnt[c][2] += 1
    return cnt


def name(v):
    return LEVELS.get(int(v), str(int(v)))


def check(d, optstr, outpath):
    from sklearn import metrics as M_
    from sklearn.calibration import calibration_curve
    from sklearn.metrics.cluster import contingency_matrix

    opts = shlex.split(optstr)
    z = np.load(d + "/data.npz")
    got = json.load(open(outpath))
    ign = set()
    by, pcol, tol, bins, steps = None, "prediction", None, None, 20
    for i, o in enumerate(opts):
        nxt = opts[i + 1] if i + 1 < len(opts) else None
        if o == "--ignore":
            inv = {v: k for k, v in LEVELS.items()}
            ign = {inv.get(x, None) if x in inv else int(x) for x in nxt.split(",")}
        elif o == "--by":
            by = nxt
        elif o == "-p":
            pcol = nxt
        elif o == "--tolerance":
            tol = int(float(nxt[:-1]) * 30 + 1e-9) if nxt.endswith("s") else int(nxt)
        elif o == "--calibration":
            bins = int(nxt)
        elif o == "--thresholds":
            steps = int(nxt)
    nparts = len(z["groups"])
    key = "s" if pcol == "syllable" else "p"
    scopes = [("all", None, None, list(range(nparts)))]
    if by == "group":
        for g in dict.fromkeys(z["groups"]):
            scopes.append(("group", g, None, [i for i in range(nparts) if z["groups"][i] == g]))
    elif by == "sequence":
        for i in range(nparts):
            scopes.append(("sequence", z["groups"][i], z["seqs"][i], [i]))
    bad, n = [], 0

    def cmp(what, want, have):
        nonlocal n
        n += 1
        if have is None or abs(float(want) - float(have)) > 1e-12:
            bad.append("%s: want %r, got %r" % (what, want, have))

    if len(got["scopes"]) != len(scopes):
        return ["scopes: want %d, got %d" % (len(scopes), len(got["scopes"]))], 1
    for (kind, g, s, idx), gs in zip(scopes, got["scopes"]):
        if (gs["scope"], gs["group"], gs["sequence"]) != (kind, g, s):
            bad.append("scope %r: got %r" % ((kind, g, s), (gs["scope"], gs["group"], gs["sequence"])))
            continue
        y = np.concatenate([z["y%d" % i] for i in idx])
        p = np.concatenate([z["%s%d" % (key, i)] for i in idx])
        pr = np.concatenate([z["pr%d" % i] for i in idx])
        tag = kind + ":" + str(s or g or "")
        fr = gs["frame"]
        labs = [v for v in np.unique(np.concatenate([y, p])) if v not in ign]
        P, R, F, S = M_.precision_recall_fscore_support(y, p, labels=labs, zero_division=0)
        for j, v in enumerate(labs):
            c = fr.get(name(v), {})
            for m, arr in (("precision", P), ("recall", R), ("f1", F), ("support", S)):
                cmp("%s frame %s %s" % (tag, name(v), m), arr[j], c.get(m))
        for avg in ("macro", "weighted"):
            a = M_.precision_recall_fscore_support(y, p, labels=labs, average=avg, zero_division=0)
            for m, val in zip(("precision", "recall", "f1"), a[:3]):
                cmp("%s %s avg %s" % (tag, avg, m), val, fr[avg + " avg"].get(m))
        cmp(tag + " accuracy", M_.accuracy_score(y, p), fr["all"]["accuracy"])
        cmp(tag + " frames", len(y), fr["all"]["frames"])
        if "confusion" in gs:
            allv = np.unique(np.concatenate([y, p]))
            cm = M_.confusion_matrix(y, p, labels=allv)
            for i, a in enumerate(allv):
                for j, b in enumerate(allv):
                    cmp("%s confusion %s %s" % (tag, name(a), name(b)), cm[i, j],
                        gs["confusion"][name(a)].get(name(b)))
        if "cluster" in gs:
            m = ~np.isin(y, list(ign))
            yc, pc = y[m], p[m]
            cl = gs["cluster"]["all"]
            cmp(tag + " nmi", M_.normalized_mutual_info_score(yc, pc), cl["nmi"])
            cmp(tag + " ari", M_.adjusted_rand_score(yc, pc), cl["ari"])
            h, c_, v = M_.homogeneity_completeness_v_measure(yc, pc)
            cmp(tag + " homogeneity", h, cl["homogeneity"])
            cmp(tag + " completeness", c_, cl["completeness"])
            cmp(tag + " v_measure", v, cl["v_measure"])
            ct = contingency_matrix(yc, pc)
            cmp(tag + " purity", ct.max(axis=0).sum() / len(yc), cl["purity"])
            cmp(tag + " mapping_accuracy", ct.max(axis=0).sum() / len(yc), cl["mapping_accuracy"])
            ul, uc = np.unique(yc), np.unique(pc)
            for j, sv in enumerate(uc):
                mp = gs["mapping"][str(int(sv))]
                want = name(ul[int(np.argmax(ct[:, j]))])
                n += 1
                if mp["label"] != want:
                    bad.append("%s mapping %d: want %s, got %s" % (tag, sv, want, mp["label"]))
                cmp("%s mapping %d frames" % (tag, sv), ct[:, j].sum(), mp["frames"])
        if "threshold" in gs:
            for c in range(4):
                yb, x = y == c, pr[:, c]
                th = gs["threshold"][name(c)]["thresholds"]
                if len(th) != steps + 1:
                    bad.append("%s thresholds of %s: %d" % (tag, name(c), len(th)))
                bestf, bestt = -1, None
                for i, row in enumerate(th):
                    t = i / steps
                    cmp("%s threshold value %d" % (tag, i), t, row["threshold"])
                    pb = x >= t
                    f = M_.f1_score(yb, pb, zero_division=0)
                    cmp("%s %s@%g precision" % (tag, name(c), t), M_.precision_score(yb, pb, zero_division=0), row["precision"])
                    cmp("%s %s@%g recall" % (tag, name(c), t), M_.recall_score(yb, pb, zero_division=0), row["recall"])
                    cmp("%s %s@%g f1" % (tag, name(c), t), f, row["f1"])
                    if f > bestf:
                        bestf, bestt = f, t
                bt = gs["best_threshold"][name(c)]
                cmp("%s best threshold %s" % (tag, name(c)), bestt, bt["threshold"])
                cmp("%s best f1 %s" % (tag, name(c)), bestf, bt["f1"])
        if "calibration" in gs and bins:
            for c in range(4):
                yb, x = y == c, pr[:, c]
                ptrue, ppred = calibration_curve(yb, x, n_bins=bins)
                edges = np.linspace(0.0, 1.0, bins + 1)
                ids = np.searchsorted(edges[1:-1], x)
                cnt = np.bincount(ids, minlength=bins)
                nz = np.nonzero(cnt)[0]
                have = gs["calibration"][name(c)]
                rows = have["bins"]
                if [r["bin"] for r in rows] != list(nz):
                    bad.append("%s calibration bins of %s: %r" % (tag, name(c), [r["bin"] for r in rows]))
                    continue
                for k, r in enumerate(rows):
                    cmp("%s cal %s %d pred" % (tag, name(c), k), ppred[k], r["mean_predicted"])
                    cmp("%s cal %s %d true" % (tag, name(c), k), ptrue[k], r["fraction_positive"])
                    cmp("%s cal %s %d count" % (tag, name(c), k), cnt[nz[k]], r["count"])
                ece = np.sum(cnt[nz] / len(x) * np.abs(ptrue - ppred))
                cmp("%s ece %s" % (tag, name(c)), ece, have["ece"])
        if tol is not None:
            tot = {}
            for i in idx:
                for c, v in event_counts(z["y%d" % i], z["%s%d" % (key, i)], tol, ign).items():
                    t = tot.setdefault(c, [0, 0, 0])
                    for k in range(3):
                        t[k] += v[k]
            ev = gs["event"]
            for c, v in tot.items():
                for k, m in enumerate(("true", "predicted", "matched")):
                    cmp("%s event %s %s" % (tag, name(c), m), v[k], ev[name(c)].get(m))
    return bad, n


def write(out, spec):
    parts = []
    for p in json.load(open(spec)):
        parts.append((p.get("meta", {}), [(c["name"], c["type"], c.get("levels"), c["values"]) for c in p["columns"]]))
    write_stream(out, parts)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "check":
        lines = open(sys.argv[3]).read().split("\n")
        for i in range(0, len(lines) - 1, 2):
            bad, n = check(sys.argv[2], lines[i], lines[i + 1])
            if bad:
                print("case %d: %d of %d values differ:" % (i // 2 + 1, len(bad), n))
                print("\n".join("  " + b for b in bad[:20]))
            else:
                print("case %d: ok %d" % (i // 2 + 1, n))
    elif sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
