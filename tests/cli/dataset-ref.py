#!/usr/bin/env python3
"""dataset-ref.py - an independent reference for mz-dataset's tests, written
from ref/mosaic.md (not from mz's C code): a dataset laid out as mosaic
writes it (yaml.safe_dump manifest, pandas to_csv indexes), mosaic's
safe names and entry keys (urllib.parse.quote), and mosaic's path edits
(rewrite_index_paths, make_portable) done with pandas on text columns,
extended, as mz-dataset extends them, from abs_path to every path column.

    dataset-ref.py mosaic DIR          write a mosaic-made dataset in DIR
    dataset-ref.py safe NAME...        to_safe_name of each, one a line
    dataset-ref.py key GROUP SEQ       make_entry_key
    dataset-ref.py remap OUTDIR FILE... -- SRC=DST...
                                       abs_path of each FILE remapped, written
                                       to OUTDIR/FILE with '/' as '_'
    dataset-ref.py portable OUTDIR ROOT FILE...
                                       abs_path of each FILE made relative
    dataset-ref.py rows FILE...        the row counts pandas reads
    dataset-ref.py yaml FILE           the manifest as JSON (PyYAML)
    dataset-ref.py same-yaml A B       "same" if mosaic reads A and B alike

Several commands may be given at once, separated by ";" arguments (pandas
is slow to import).
"""
import json
import os
import sys
import urllib.parse
from pathlib import Path, PurePosixPath


def pandas():
    """pandas, imported only by the commands that need it (slow)."""
    import pandas as pd
    return pd

TRACKS_RAW = ["group", "sequence", "abs_path", "src_format", "size_bytes",
              "mtime_iso", "md5"]
TRACKS = ["group", "sequence", "group_safe", "sequence_safe", "collection",
          "collection_safe", "abs_path", "std_format", "source_abs_path",
          "source_md5", "n_rows"]
MEDIA = ["name", "group", "sequence", "group_safe", "sequence_safe",
         "abs_path", "size_bytes", "mtime_iso", "width", "height", "fps",
         "codec", "media_type", "video_order"]
LABELS = ["kind", "label_format", "group", "sequence", "group_safe",
          "sequence_safe", "abs_path", "source_abs_path", "source_md5",
          "n_frames", "label_ids", "label_names"]
FRAMES = ["abs_path", "run_id", "started_at", "finished_at", "method",
          "group", "sequence", "video_abs_path", "params_hash",
          "n_frames_extracted", "n_frames_requested"]


# The path columns mz-dataset rewrites (mosaic itself does abs_path only).
PATH_COLS = ["abs_path", "source_abs_path", "video_abs_path"]


def safe(s):
    return urllib.parse.quote(s.strip(), safe="")


def key(g, s):
    return safe(g) + "__" + safe(s) if g else safe(s)


def md5(p):
    import hashlib
    return hashlib.md5(Path(p).read_bytes()).hexdigest()


def outname(outdir, f):
    return os.path.join(outdir, f.replace("/", "_"))


def mosaic(d):
    """A dataset as mosaic writes one: absolute roots for media_raw,
    relative for the rest, index.csv files by pandas with NaN cells, a
    quoted comma, a quote, a newline and non-ASCII text, an extra column in
    the labels index, a frames run with run_info.json."""
    pd = pandas()
    d = Path(d).resolve()
    roots = {"media_raw": str(d / "media_raw"), "tracks_raw": "tracks_raw",
             "labels": "labels", "media": "media", "tracks": "tracks",
             "features": "features", "models": "models",
             "frames": "media/frames"}
    for v in roots.values():
        (d / v).mkdir(parents=True, exist_ok=True)
    manifest = {"name": "mosaic-made", "version": "0.1.0",
                "uuid": "0b7c9a8e-2f1d-4c3b-9a6e-5d4c3b2a1f0e",
                "created_at": "2026-06-03T10:00:00.123456+00:00",
                "index_format": "group/sequence", "roots": roots,
                "dataset_type": "discrete"}
    head = "# ==========\n# DATASET MANIFEST (extensible YAML)\n# ==========\n"
    try:
        import yaml
        text = head + yaml.safe_dump(manifest, sort_keys=False,
                                     default_flow_style=False)
    except ImportError:
        text = head + "".join(
            f"{k}: {v}\n" if not isinstance(v, dict) else
            f"{k}:\n" + "".join(f"  {a}: {b}\n" for a, b in v.items())
            for k, v in manifest.items()).replace(
                "created_at: 2026", "created_at: '2026").replace(
                "+00:00\n", "+00:00'\n", 1)
    (d / "dataset.yaml").write_text(text)

    raw = []
    for g, s, body in [("cohort A", "m1, day 1", b"one"),
                       ("cohort A", "m2 \"b\"", b"second file"),
                       ("cohort/B", "é-3", b"third\n")]:
        p = d / "tracks_raw" / (key(g, s) + ".csv")
        p.write_bytes(body)
        raw.append({"group": g, "sequence": s, "abs_path": str(p),
                    "src_format": "deeplabcut", "size_bytes": len(body),
                    "mtime_iso": "2026-06-03T10:00:00",
                    "md5": md5(p) if s != "é-3" else float("nan")})
    pd.DataFrame(raw, columns=TRACKS_RAW).to_csv(
        d / "tracks_raw" / "index.csv", index=False)

    tr = []
    for r in raw:
        k = key(r["group"], r["sequence"])
        p = d / "tracks" / (k + ".mzs")
        p.write_bytes(b"mzs " + k.encode())
        tr.append({"group": r["group"], "sequence": r["sequence"],
                   "group_safe": safe(r["group"]),
                   "sequence_safe": safe(r["sequence"]),
                   "collection": r["group"],
                   "collection_safe": safe(r["group"]),
                   "abs_path": str(p), "std_format": "mzs",
                   "source_abs_path": r["abs_path"],
                   "source_md5": r["md5"],
                   "n_rows": 300 if r["sequence"] != "é-3" else float("nan")})
    pd.DataFrame(tr, columns=TRACKS).to_csv(d / "tracks" / "index.csv",
                                            index=False)

    v = d / "media_raw" / "cohort A__m1.mp4"
    v.write_bytes(b"\0\0\0 ftypisom" + b"x" * 100)
    pd.DataFrame([{"name": v.name, "group": "cohort A",
                   "sequence": "m1, day 1", "group_safe": safe("cohort A"),
                   "sequence_safe": safe("m1, day 1"), "abs_path": str(v),
                   "size_bytes": v.stat().st_size,
                   "mtime_iso": "2026-06-03T10:00:00", "width": 640,
                   "height": 480, "fps": 30.0, "codec": "h264",
                   "media_type": "video", "video_order": 0}],
                 columns=MEDIA).to_csv(d / "media_raw" / "index.csv",
                                       index=False)

    (d / "labels" / "behavior").mkdir(parents=True, exist_ok=True)
    lp = d / "labels" / "behavior" / (key("cohort A", "m1, day 1") + ".npz")
    lp.write_bytes(b"PK\x03\x04 not really")
    pd.DataFrame([{"kind": "behavior", "label_format": "individual_pair_v1",
                   "group": "cohort A", "sequence": "m1, day 1",
                   "group_safe": safe("cohort A"),
                   "sequence_safe": safe("m1, day 1"), "abs_path": str(lp),
                   "source_abs_path": "/elsewhere/boris.tsv",
                   "source_md5": float("nan"), "n_frames": 300,
                   "label_ids": "[0, 1]", "label_names": "['none', 'attack']",
                   "source_observation": "obs 1\nline two"}],
                 columns=LABELS + ["source_observation"]).to_csv(
        d / "labels" / "behavior" / "index.csv", index=False)

    run = d / "media" / "frames" / "uniform" / "uniform-eea049edfd"
    ent = run / key("cohort A", "m1, day 1")
    ent.mkdir(parents=True, exist_ok=True)
    (ent / "frame_000000.png").write_bytes(b"\x89PNG")
    info = {"run_id": "uniform-eea049edfd", "method": "uniform",
            "video_path": str(v), "output_dir": str(ent),
            "manifest_path": str(run / "run_params.json"),
            "n_requested": 1, "n_extracted": 1, "fps": 30.0,
            "files": [{"frame_index": 0, "path": str(ent / "frame_000000.png"),
                       "width": 640, "height": 480}]}
    (ent / "run_info.json").write_text(json.dumps(info, indent=2))
    pd.DataFrame([{"abs_path": str(ent), "run_id": "uniform-eea049edfd",
                   "started_at": "2026-06-03T10:00:00",
                   "finished_at": "2026-06-03T10:00:01", "method": "uniform",
                   "group": "cohort A", "sequence": "m1, day 1",
                   "video_abs_path": str(v), "params_hash": "eea049edfd",
                   "n_frames_extracted": 1, "n_frames_requested": 1}],
                 columns=FRAMES).to_csv(
        d / "media" / "frames" / "uniform" / "index.csv", index=False)


def remap_one(p, pairs):
    """mosaic's _remap_single_path on pure paths."""
    for src, dst in pairs:
        try:
            rel = PurePosixPath(p).relative_to(src)
        except ValueError:
            continue
        return str(PurePosixPath(dst) / rel)
    return None


def main():
    argv = sys.argv[1:]
    while argv:
        n = argv.index(";") if ";" in argv else len(argv)
        run(argv[0], argv[1:n])
        argv = argv[n + 1:]


def run(cmd, args):
    if cmd == "mosaic":
        mosaic(args[0])
    elif cmd == "safe":
        for a in args:
            print(safe(a))
    elif cmd == "key":
        print(key(args[0], args[1]))
    elif cmd == "remap":
        pd = pandas()
        cut = args.index("--")
        files, pairs = args[1:cut], args[cut + 1:]
        pairs = [tuple(a.split("=", 1)) for a in pairs]
        pairs = [(PurePosixPath(s), PurePosixPath(d)) for s, d in pairs]
        pairs.sort(key=lambda q: len(q[0].as_posix()), reverse=True)
        for f in files:
            df = pd.read_csv(f, dtype=str)
            for col in PATH_COLS:
                if col not in df.columns:
                    continue
                new = []
                for p in df[col]:
                    r = None if pd.isna(p) else remap_one(p, pairs)
                    new.append(p if r is None else r)
                df[col] = new
            df.to_csv(outname(args[0], f), index=False)
    elif cmd == "portable":
        pd = pandas()
        root = Path(args[1])
        for f in args[2:]:
            df = pd.read_csv(f, dtype=str)
            for col in PATH_COLS:
                if col not in df.columns:
                    continue
                new = []
                for p in df[col]:
                    if pd.isna(p) or not Path(p).is_absolute():
                        new.append(p)
                        continue
                    try:
                        new.append(str(Path(p).resolve().relative_to(root)))
                    except ValueError:
                        new.append(p)
                df[col] = new
            df.to_csv(outname(args[0], f), index=False)
    elif cmd == "rows":
        pd = pandas()
        for f in args:
            print(len(pd.read_csv(f, dtype=str)))
    elif cmd == "same-yaml":
        # Equal as mosaic sees them: version through str(), numbers by
        # value (30 == 30.0), dates as their text.
        import yaml

        def norm(f):
            d = yaml.safe_load(open(f))
            d["version"] = str(d.get("version"))
            return json.loads(json.dumps(d, default=str))
        a, b = norm(args[0]), norm(args[1])
        print("same" if a == b else "differ:\n%s\n%s" % (a, b))
    elif cmd == "yaml":
        import yaml
        print(json.dumps(yaml.safe_load(open(args[0])), sort_keys=True,
                         default=str))
    else:
        sys.exit("dataset-ref.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
