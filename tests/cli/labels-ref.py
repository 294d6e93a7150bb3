#!/usr/bin/env python3
"""labels-ref.py - an independent reading of BORIS files for mz-labels.t.

    labels-ref.py boris FILE FPS       events of a .boris project file
    labels-ref.py tabular FILE         events of a BORIS tabular export
    labels-ref.py frames EVENTS N      per-frame labels from an event table

The first two print the event table's first 12 columns
(group,sequence,individual,partner,target,behavior,label,type,start,stop,
start_frame,stop_frame), one line per event, sorted as text; label ids are
the behaviours sorted by name, from 1.  State events pair up per (subject,
behaviour, modifiers) in time order; frames are int(t * fps) as mosaic;
STARTs left open at the end of an observation are dropped.  "frames" reads
such a table (with header) and prints "sequence,individual,frame,label" for
frames 0..N-1 of each (sequence, individual) in it, painting events in
onset order (ties in table order) so that the later onset wins.
"""
import csv
import json
import sys


def num(v):
    """Python's shortest repr, without a trailing .0 (as mz_fmt_f64)."""
    r = repr(float(v))
    return r[:-2] if r.endswith(".0") else r


def row(seq, subj, beh, labels, kind, t0, t1, fps):
    f0 = int(t0 * fps)
    f1 = f0 if kind == "point" else int(t1 * fps)
    target = "individual" if subj else "scene"
    return ",".join([
        "", '"%s"' % seq if "," in seq else seq, subj, "", target, beh,
        str(labels.index(beh) + 1), kind, num(t0), num(t1), str(f0),
        str(f1)])


def pair(events, point, labels, seq, fps, out):
    """events: (time, subject, behaviour, modifiers) in file order."""
    open_ = {}
    for t, subj, beh, mods in events:
        if subj == "No focal subject":
            subj = ""
        if beh in point:
            out.append(row(seq, subj, beh, labels, "point", t, t, fps))
            continue
        key = (subj, beh, mods)
        if key in open_:
            out.append(row(seq, subj, beh, labels, "state",
                           open_.pop(key), t, fps))
        else:
            open_[key] = t


def boris(path, fps):
    d = json.load(open(path))
    eth = d["behaviors_conf"]
    labels = sorted(b["code"] for b in eth.values())
    point = {b["code"] for b in eth.values() if "Point" in b["type"]}
    out = []
    for name, obs in d["observations"].items():
        pair([(float(e[0]), e[1], e[2], e[3]) for e in obs["events"]],
             point, labels, name, fps, out)
    return out


def tabular(path):
    rows = list(csv.reader(open(path, newline=""),
                           delimiter="\t" if path.endswith(".tsv") else ","))
    obs = next(r[1] for r in rows if r and r[0] == "Observation id")
    h = next(i for i, r in enumerate(rows) if "Behavior" in r)
    cols = rows[h]
    recs = [dict(zip(cols, r)) for r in rows[h + 1:] if any(r)]
    labels = sorted({r["Behavior"] for r in recs})
    fps = float(recs[0]["FPS"])
    point = {r["Behavior"] for r in recs if r["Status"] == "POINT"}
    out = []
    pair([(float(r["Time"]), r["Subject"], r["Behavior"], "")
          for r in recs], point, labels, obs, fps, out)
    return out


def frames(path, n):
    recs = list(csv.DictReader(open(path, newline="")))
    parts = {}
    for r in recs:
        parts.setdefault((r["sequence"], r["individual"] or "scene"),
                         []).append(r)
    for (seq, ind), evs in parts.items():
        lab = [0] * n
        evs = sorted(enumerate(evs),
                     key=lambda x: (int(x[1]["start_frame"]), x[0]))
        for _, e in evs:
            for f in range(int(e["start_frame"]),
                           min(int(e["stop_frame"]) + 1, n)):
                lab[f] = int(e["label"])
        for f in range(n):
            print("%s,%s,%d,%d" % (seq, ind, f, lab[f]))


if __name__ == "__main__":
    if sys.argv[1] == "boris":
        print("\n".join(sorted(boris(sys.argv[2], float(sys.argv[3])))))
    elif sys.argv[1] == "tabular":
        print("\n".join(sorted(tabular(sys.argv[2]))))
    else:
        frames(sys.argv[2], int(sys.argv[3]))
