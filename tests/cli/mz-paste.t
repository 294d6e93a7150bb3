#!/bin/sh
# tests: mz-paste
# requires: mzgen, script (pty tests; skipped without it), python3 (the
# tests that write inputs with gaps and read values back; skipped without it)
. "$(dirname "$0")/lib.sh"

# --------------------------------------------------------------- helpers

# mzs_t.py: a small mzs(5) writer and reader (raw codec only) in plain
# Python, written from the page, so that these tests need no other mz tool.
#   write FILE < JSON     a list of parts {meta, columns, blocks: [rows...]}
#   eval FILE EXPR        print repr(EXPR), with P (per part: name -> list of
#                         values), H (per part: the header) and helpers
cat > mzs_t.py <<'EOF'
import json, math, struct, sys

M = (1 << 64) - 1
P1, P2, P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
P4, P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
FMT = dict(i8='b', u8='B', i16='h', u16='H', i32='i', u32='I', i64='q',
           u64='Q', f32='f', f64='d')

def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M

def rnd(a, v):
    return rotl((a + v * P2) & M, 31) * P1 & M

def xxh64(b):
    n, i = len(b), 0
    u64 = lambda i: int.from_bytes(b[i:i + 8], 'little')
    if n >= 32:
        v = [(P1 + P2) & M, P2, 0, -P1 & M]
        while i + 32 <= n:
            v = [rnd(v[k], u64(i + 8 * k)) for k in range(4)]
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) +
             rotl(v[3], 18)) & M
        for x in v:
            h = ((h ^ rnd(0, x)) * P1 + P4) & M
    else:
        h = P5
    h = (h + n) & M
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, u64(i)), 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (int.from_bytes(b[i:i + 4], 'little') * P1 & M), 23)
             * P2 + P3) & M
        i += 4
    for c in b[i:]:
        h = rotl(h ^ (c * P5 & M), 11) * P1 & M
    h ^= h >> 33
    h = h * P2 & M
    h ^= h >> 29
    h = h * P3 & M
    return h ^ (h >> 32)

assert xxh64(b'') == 0xEF46DB3751D8E999
assert xxh64(bytes(8)) == 0x34C96ACDCADB1BBB

def chunk(tag, p):
    return (tag + struct.pack('<IQQ', 0, len(p), xxh64(p)) + p +
            bytes(-len(p) % 8))

def block(cols, rows):
    off = 16 + 24 * len(cols)
    desc, data = b'', b''
    for j, c in enumerate(cols):
        raw = struct.pack('<%d%s' % (len(rows), FMT[c['type']]),
                          *[r[j] for r in rows])
        data += bytes(-(off + len(data)) % 8)
        desc += struct.pack('<B7xQQ', 0, off + len(data), len(raw))
        data += raw
    return struct.pack('<QII', len(rows), len(cols), 0) + desc + data

def write(path, parts):
    out = [b'\x89MZS\r\n\x1a\n' + struct.pack('<HHI', 1, 0, 0)]
    for p in parts:
        cs = [chunk(b'HEAD', json.dumps({'columns': p['columns'],
              'meta': p.get('meta', {})}).encode())]
        cs += [chunk(b'BLCK', block(p['columns'], rows))
               for rows in p.get('blocks', [])]
        sums = b''.join(c[16:24] for c in cs)
        nrows = sum(len(rows) for rows in p.get('blocks', []))
        cs.append(chunk(b'TAIL', struct.pack('<QQQ', nrows, len(cs) - 1,
                        xxh64(sums))))
        out += cs
    out.append(chunk(b'ENDS', struct.pack('<Q', len(parts))))
    open(path, 'wb').write(b''.join(out))

def read(path):
    b = open(path, 'rb').read()
    i, P, H = 16, [], []
    while i < len(b):
        tag, n = b[i:i + 4], struct.unpack_from('<Q', b, i + 8)[0]
        p = b[i + 24:i + 24 + n]
        i += 24 + n + (-n % 8)
        if tag == b'HEAD':
            H.append(json.loads(p))
            P.append({c['name']: [] for c in H[-1]['columns']})
        elif tag == b'BLCK':
            nr = struct.unpack_from('<Q', p)[0]
            for j, c in enumerate(H[-1]['columns']):
                codec, off, sz = struct.unpack_from('<B7xQQ', p, 16 + 24 * j)
                assert codec == 0, 'only the raw codec is read here'
                P[-1][c['name']] += struct.unpack_from(
                    '<%d%s' % (nr, FMT[c['type']]), p, off)
        elif tag == b'ENDS' and i < len(b):
            i += 16
    return P, H

def gen(f, k, ind):
    """mzgen's bodypart k of individual ind at frame f: (x, y, p)."""
    return (100 + 50 * math.sin(0.01 * f + k) + 10 * ind,
            80 + 40 * math.cos(0.013 * f + 2 * k) - 5 * ind,
            ((f * 7 + k * 13 + ind) % 100) / 100.0)

def hist_ok(h):
    """The last history entry's processing hash follows mzs(5)."""
    e = dict(h['history'][-1])
    got = e.pop('processing')
    parent = h['history'][-2]['processing'] if len(h['history']) > 1 \
        else '0000000000000000'
    canon = json.dumps(e, separators=(',', ':'))
    return got == h['processing'] == \
        '%016x' % xxh64((parent + '\n' + canon).encode())

def nan(x):
    return x != x

if sys.argv[1] == 'write':
    write(sys.argv[2], json.load(sys.stdin))
else:
    P, H = read(sys.argv[2])
    print(repr(eval(sys.argv[3])))
EOF

# py FILE EXPR: evaluate EXPR over the parts of FILE (see above).
py() {
	"$PY" mzs_t.py eval "$@" 2>&1
}

# mk FILE JSON: write a stream described by JSON (see above).
mk() {
	printf '%s\n' "$2" | "$PY" mzs_t.py write "$1"
}

# skip DESC REASON: a skipped test.
skip() {
	_result 0 "$1 # SKIP $2"
}

# ----------------------------------------------------- streams from mzgen

mzgen -s 2 -i 2 -n 300 -c none -o tracks.mzs
mzgen -s 2 -i 2 -n 300 -k 2 -c zstd -o features.mzs
mzgen -s 2 -i 2 -n 200 -k 1 -o short.mzs
mzgen -s 2 -i 2 -n 0 -o zero.mzs
mzgen -s 4 -i 1 -n 300 -o s4.mzs
mzgen -s 1 -i 2 -n 300 -o two.mzs

t_ok "tracks and features, prefixed" \
    mz-paste --prefix f. -c none tracks.mzs features.mzs -o both.mzs
t_ok "the same again" \
    mz-paste --prefix f. -c none tracks.mzs features.mzs -o again.mzs
t_ok "the output is the same bytes on every run" cmp both.mzs again.mzs
t_ok "left join, later input from a pipe" sh -c \
    'mz-paste --left --prefix s. -c none tracks.mzs - < short.mzs > left.mzs'
t_ok "inner join with a shorter input" \
    mz-paste --prefix s. -c none tracks.mzs short.mzs -o inner.mzs
t_ok "three inputs" mz-paste --prefix f.,s. -c none tracks.mzs features.mzs \
    short.mzs -o three.mzs
t_ok "zero-row parts, inner" \
    mz-paste --prefix z. -c none tracks.mzs zero.mzs -o z1.mzs
t_ok "zero-row parts, left" \
    mz-paste --left --prefix z. -c none tracks.mzs zero.mzs -o z2.mzs
t_ok "zero-row first input, left" \
    mz-paste --left --prefix t. -c none zero.mzs tracks.mzs -o z3.mzs
t_ok "a compressed output reads back (through mz-paste)" sh -c \
    'mz-paste --prefix f. -c zstd tracks.mzs features.mzs |
     mz-paste -k "" --prefix s. -c none - short.mzs -o back.mzs'

if [ -n "$PY" ]; then
	t_is "columns: the first input's, then the prefixed later ones" \
	    "['frame', 'time', 'id', 'bp0.x', 'bp0.y', 'bp0.p', 'bp1.x', 'bp1.y', 'bp1.p', 'bp2.x', 'bp2.y', 'bp2.p', 'f.bp0.x', 'f.bp0.y', 'f.bp0.p', 'f.bp1.x', 'f.bp1.y', 'f.bp1.p']" \
	    "$(py both.mzs '[c["name"] for c in H[0]["columns"]]')"
	t_is "all rows of all 4 parts joined" "[300, 300, 300, 300]" \
	    "$(py both.mzs '[len(p["frame"]) for p in P]')"
	t_is "frames 0..299 in order" "True" \
	    "$(py both.mzs 'all(p["frame"] == list(range(300)) for p in P)')"
	t_is "joined values are mzgen's for the same recording and frame" \
	    "True" "$(py both.mzs 'all(v == gen(f, k, i)[q]
	        for p, h in zip(P, H)
	        for i in [h["meta"]["individuals"].index(h["meta"]["individual"])]
	        for k in (0, 1) for q, n in enumerate(("x", "y", "p"))
	        for c in ("bp%d." % k, "f.bp%d." % k)
	        for f, v in zip(p["frame"], p[c + n]))')"
	t_is "parts keep the first input's order and metadata" \
	    "[('control', 'seq0', 'mouse0'), ('control', 'seq0', 'mouse1'), ('treated', 'seq1', 'mouse0'), ('treated', 'seq1', 'mouse1')]" \
	    "$(py both.mzs '[(h["meta"]["group"], h["meta"]["sequence"],
	        h["meta"]["individual"]) for h in H]')"
	t_is "units kept" "['s', 'px', None, 'px']" \
	    "$(py both.mzs '[{c["name"]: c.get("unit") for c in H[0]["columns"]}[n]
	        for n in ("time", "f.bp0.x", "f.bp0.p", "f.bp1.y")]')"
	# The same data uncompressed (mzs_t.py reads raw blocks only): the
	# codec does not enter the processing hash.
	mzgen -s 2 -i 2 -n 300 -k 2 -c none -o fraw.mzs
	fhash=$(py fraw.mzs 'H[0]["processing"]')
	t_is "history entry with options and parents (the second input's hash)" \
	    "{'tool': 'mz-paste', 'version': '0.1.0', 'options': {'keys': ['group', 'sequence', 'individual'], 'join': 'inner', 'prefixes': ['f.']}, 'parents': [$fhash]}" \
	    "$(py both.mzs '{k: v for k, v in H[0]["history"][-1].items()
	        if k != "processing"}')"
	t_is "processing hash derived as mzs(5) says" "True" \
	    "$(py both.mzs 'all(hist_ok(h) for h in H)')"
	t_is "left join: every row of the first input" "[300, 300, 300, 300]" \
	    "$(py left.mzs '[len(p["frame"]) for p in P]')"
	t_is "left join: NaN past the shorter input's end" "True" \
	    "$(py left.mzs 'all(all(map(nan, p["s.bp0.x"][200:])) and
	        p["s.bp0.x"][:200] == p["bp0.x"][:200] for p in P)')"
	t_is "left join options" "'left'" \
	    "$(py left.mzs 'H[0]["history"][-1]["options"]["join"]')"
	t_is "inner join: only the common frames" "True" \
	    "$(py inner.mzs 'all(p["frame"] == list(range(200)) and
	        p["s.bp0.y"] == p["bp0.y"][:200] for p in P)')"
	t_is "three inputs: columns" \
	    "['f.bp0.x', 'f.bp0.y', 'f.bp0.p', 'f.bp1.x', 'f.bp1.y', 'f.bp1.p', 's.bp0.x', 's.bp0.y', 's.bp0.p']" \
	    "$(py three.mzs '[c["name"] for c in H[0]["columns"]][12:]')"
	t_is "three inputs: values and two parents" "[(200, True, 2)]" \
	    "$(py three.mzs 'sorted(set((len(p["frame"]),
	        p["f.bp0.x"] == p["s.bp0.x"] == p["bp0.x"][:200] and
	        p["f.bp1.x"] == p["bp1.x"][:200],
	        len(h["history"][-1]["parents"])) for p, h in zip(P, H)))')"
	t_is "zero-row parts: inner join writes empty parts" \
	    "[(0, 21), (0, 21), (0, 21), (0, 21)]" \
	    "$(py z1.mzs '[(len(p["frame"]), len(p)) for p in P]')"
	t_is "zero-row parts: left join fills NaN" "True" \
	    "$(py z2.mzs 'all(len(p["frame"]) == 300 and
	        all(map(nan, p["z.bp2.p"])) for p in P)')"
	t_is "zero-row first input: nothing to keep" "[0, 0, 0, 0]" \
	    "$(py z3.mzs '[len(p["frame"]) for p in P]')"
	t_is "compressed output joined again" "True" \
	    "$(py back.mzs 'all(p["s.bp0.x"] == p["f.bp0.x"][:200] for p in P)')"
else
	skip "values of the joined streams" "no python3"
fi

# ------------------------------------------------- inputs with gaps (python)

if [ -n "$PY" ]; then
	M='"meta": {"sequence": "s0", "group": "g"}'
	# a: frames 0 1 3 | 4 7 (two blocks); time = frame / 2.
	mk a.mzs '[{'"$M"', "columns": [{"name": "frame", "type": "i64"},
	    {"name": "time", "type": "f64", "unit": "s"},
	    {"name": "a", "type": "f64", "unit": "cm"}],
	    "blocks": [[[0, 0, 10], [1, 0.5, 11], [3, 1.5, 13]],
	               [[4, 2, 14], [7, 3.5, 17]]]}]'
	# b: i32 frames 1 2 | 4 | 5 7 8; an f32 column and a labelled i32 one.
	mk b.mzs '[{"meta": {"sequence": "s0", "group": "g", "labeller": "ann"},
	    "columns": [{"name": "frame", "type": "i32"},
	    {"name": "time", "type": "f32"}, {"name": "b", "type": "f32"},
	    {"name": "lab", "type": "i32", "levels": {"1": "walk", "2": "rest"}}],
	    "blocks": [[[1, 0.5, 21, 1], [2, 1, 22, 2]], [[4, 2, 24, 1]],
	               [[5, 2.5, 25, 2], [7, 3.5, 27, 1], [8, 4, 28, 2]]]}]'
	# c: frames 0 1 4 7, no time column.
	mk c.mzs '[{'"$M"', "columns": [{"name": "frame", "type": "i64"},
	    {"name": "a", "type": "f64"}],
	    "blocks": [[[0, 30], [1, 31], [4, 34], [7, 37]]]}]'
	# late: frames 3 4, inside c's range.
	mk late.mzs '[{'"$M"', "columns": [{"name": "frame", "type": "i64"},
	    {"name": "l", "type": "f64"}], "blocks": [[[3, 43], [4, 44]]]}]'
	# Bad inputs: a frame repeated, going back over a block boundary, a
	# time that differs at frame 4, no frame column, a float frame, no
	# sequence key, an integer frame column of another type.
	mk dup.mzs '[{'"$M"', "columns": [{"name": "frame", "type": "i64"}],
	    "blocks": [[[0], [2], [2]]]}]'
	mk back.mzs '[{'"$M"', "columns": [{"name": "frame", "type": "i64"}],
	    "blocks": [[[0], [5]], [[3]]]}]'
	mk tbad.mzs '[{'"$M"', "columns": [{"name": "frame", "type": "i64"},
	    {"name": "time", "type": "f64"}],
	    "blocks": [[[1, 0.5], [4, 2.25]]]}]'
	mk noframe.mzs '[{'"$M"', "columns": [{"name": "t", "type": "i64"}],
	    "blocks": [[[0]]]}]'
	mk fframe.mzs '[{'"$M"', "columns": [{"name": "frame", "type": "f64"}],
	    "blocks": [[[0]]]}]'
	mk noseq.mzs '[{"meta": {"group": "g"},
	    "columns": [{"name": "frame", "type": "u16"}], "blocks": [[[1]]]}]'
	mk empty.mzs '[]'

	t_ok "inner join with gaps" mz-paste -c none a.mzs b.mzs -o ab.mzs
	t_is "inner: frames in both, values from both" \
	    "[(1, 0.5, 11.0, 21.0, 1), (4, 2.0, 14.0, 24.0, 1), (7, 3.5, 17.0, 27.0, 1)]" \
	    "$(py ab.mzs 'list(zip(*(P[0][n] for n in
	        ("frame", "time", "a", "b", "lab"))))')"
	t_is "inner: types, units and levels kept" \
	    "[('frame', 'i64', None), ('time', 'f64', 's'), ('a', 'f64', 'cm'), ('b', 'f32', None), ('lab', 'i32', {'1': 'walk', '2': 'rest'})]" \
	    "$(py ab.mzs '[(c["name"], c["type"], c.get("unit", c.get("levels")))
	        for c in H[0]["columns"]]')"
	t_is "metadata: the first input's plus keys it lacks" \
	    "{'sequence': 's0', 'group': 'g', 'labeller': 'ann'}" \
	    "$(py ab.mzs 'H[0]["meta"]')"
	t_ok "inner join of three, the third prefixed only" \
	    mz-paste -c none --prefix ,c. a.mzs b.mzs c.mzs -o abc.mzs
	t_is "three: columns and frames" \
	    "(['frame', 'time', 'a', 'b', 'lab', 'c.a'], [1, 4, 7], [31.0, 34.0, 37.0])" \
	    "$(py abc.mzs '([c["name"] for c in H[0]["columns"]],
	        P[0]["frame"], P[0]["c.a"])')"
	t_ok "inner join, the gappy input first" \
	    mz-paste -c none --prefix b.,c. b.mzs a.mzs c.mzs -o bac.mzs
	t_is "three, reordered: frames and values" \
	    "([1, 4, 7], [11.0, 14.0, 17.0], [31.0, 34.0, 37.0])" \
	    "$(py bac.mzs '(P[0]["frame"], P[0]["b.a"], P[0]["c.a"])')"
	t_ok "left join with gaps" \
	    mz-paste -c none --left --prefix c. a.mzs c.mzs -o ac.mzs
	t_is "left: every frame of the first, NaN where missing" \
	    "([0, 1, 3, 4, 7], [30.0, 31.0, 'nan', 34.0, 37.0])" \
	    "$(py ac.mzs '(P[0]["frame"], ["nan" if nan(v) else v
	        for v in P[0]["c.a"]])')"
	t_ok "left join with an input that starts late and ends early" \
	    mz-paste -c none --left c.mzs late.mzs -o cl.mzs
	t_is "left: NaN before, joined inside, NaN after" \
	    "([0, 1, 4, 7], ['nan', 'nan', 44.0, 'nan'])" \
	    "$(py cl.mzs '(P[0]["frame"], ["nan" if nan(v) else v
	        for v in P[0]["l"]])')"
	t_ok "left join, the later input from a pipe" sh -c \
	    'mz-paste -c none --left --prefix c. a.mzs - < c.mzs > ac2.mzs'
	t_ok "the pipe gives the same stream" cmp ac.mzs ac2.mzs
	t_ok "inner join with an empty stream gives an empty stream" \
	    mz-paste -c none empty.mzs empty.mzs -o ee.mzs
	t_is "no parts" "0" "$(py ee.mzs 'len(H)')"

	t_fails "left join cannot put NaN in an integer column" 1 \
	    "^mz-paste: b\.mzs: part 0: no frame 0 to join, and integer column 'lab' cannot be NaN" \
	    mz-paste --left a.mzs b.mzs
	t_fails "a repeated frame" 1 \
	    "^mz-paste: dup\.mzs: part 0: frame 2 follows frame 2 \(frames must increase strictly\)" \
	    mz-paste a.mzs dup.mzs
	t_fails "a frame going back across blocks, first input" 1 \
	    "^mz-paste: back\.mzs: part 0: frame 3 follows frame 5" \
	    mz-paste back.mzs a.mzs
	t_fails "frames checked past the end of the join too" 1 \
	    "^mz-paste: back\.mzs: part 0: frame 3 follows frame 5" \
	    mz-paste noseq.mzs back.mzs -k ''
	t_fails "time differs on a joined row" 1 \
	    "^mz-paste: tbad\.mzs: part 0: frame 4: time 2\.25 differs from 2 in a\.mzs$" \
	    mz-paste a.mzs tbad.mzs
	t_fails "no frame column" 1 \
	    "^mz-paste: noframe\.mzs: part 0: no column 'frame'$" \
	    mz-paste a.mzs noframe.mzs
	t_fails "a float frame column" 1 \
	    "^mz-paste: fframe\.mzs: part 0: column 'frame' is f64, not an integer type$" \
	    mz-paste a.mzs fframe.mzs
	t_fails "a key present in one part only" 1 \
	    "^mz-paste: noseq\.mzs: part 0: no sequence, but a\.mzs part 0 has 's0'$" \
	    mz-paste a.mzs noseq.mzs
	t_fails "a key present in the other part only" 1 \
	    "^mz-paste: a\.mzs: part 0: sequence 's0', but noseq\.mzs part 0 has none$" \
	    mz-paste noseq.mzs a.mzs
	t_ok "keys absent from both are ignored (-k group,dataset)" \
	    mz-paste -k group,dataset -c none noseq.mzs a.mzs -o na.mzs
	t_is "u16 frames join i64 frames" "([1], [11.0])" \
	    "$(py na.mzs '(P[0]["frame"], P[0]["a"])')"
else
	skip "joins of inputs with gaps" "no python3"
fi

# ------------------------------------------------------------ bad input

t_fails "column name clash without --prefix" 1 \
    "^mz-paste: features\.mzs: part 0: column 'bp0\.x' is also in tracks\.mzs \(use --prefix\)$" \
    mz-paste tracks.mzs features.mzs
t_fails "column name clash between later inputs" 1 \
    "^mz-paste: features\.mzs: part 0: column 'f\.bp0\.x' is also in features\.mzs" \
    mz-paste --prefix f.,f. tracks.mzs features.mzs features.mzs
t_fails "sequence differs (-k sequence)" 1 \
    "^mz-paste: s4\.mzs: part 1: sequence 'seq1' does not match 'seq0' of tracks\.mzs part 1$" \
    mz-paste -k sequence --prefix s. tracks.mzs s4.mzs
t_fails "group checked by default" 1 \
    "^mz-paste: s4\.mzs: part 1: group 'treated' does not match 'control' of tracks\.mzs part 1$" \
    mz-paste --prefix s. tracks.mzs s4.mzs
t_fails "without keys, id must still agree" 1 \
    "^mz-paste: s4\.mzs: part 1: frame 0: id 0 differs from 1 in tracks\.mzs$" \
    mz-paste -k '' --prefix s. tracks.mzs s4.mzs
t_fails "fewer parts in a later input" 1 \
    "^mz-paste: two\.mzs: has 2 parts, but tracks\.mzs has more$" \
    mz-paste --prefix s. tracks.mzs two.mzs
t_fails "more parts in a later input" 1 \
    "^mz-paste: tracks\.mzs: has more parts than two\.mzs \(2\)$" \
    mz-paste --prefix s. two.mzs tracks.mzs

head -c 20000 tracks.mzs > trunc.mzs
t_fails "truncated later input" 1 \
    "^mz-paste: trunc\.mzs: byte [0-9]+: .*truncated" \
    mz-paste --prefix t. tracks.mzs trunc.mzs -o out.mzs
t_is "no output file left behind" "" "$(ls -A | grep 'out\.mzs')"
t_fails "truncated first input" 1 \
    "^mz-paste: trunc\.mzs: byte [0-9]+: .*truncated" \
    mz-paste --prefix t. trunc.mzs tracks.mzs -o out.mzs
t_is "still no output file" "" "$(ls -A | grep 'out\.mzs')"
t_fails "truncated input from a pipe" 1 \
    "^mz-paste: <stdin>: byte [0-9]+: .*truncated" \
    sh -c 'mz-paste --prefix t. tracks.mzs - < trunc.mzs'
t_fails "nonexistent input" 1 "^mz-paste: nosuch\.mzs: No such file" \
    mz-paste tracks.mzs nosuch.mzs
t_fails "not a stream" 1 "^mz-paste: mzs_t\.py: " \
    mz-paste tracks.mzs mzs_t.py

# ------------------------------------------------------------ usage

t_fails "one input" 2 "two or more input files" mz-paste tracks.mzs
t_fails "standard input twice" 2 "standard input .* only one input" \
    mz-paste - -
t_fails "more prefixes than later inputs" 2 \
    "--prefix gives 2 prefixes for 1 later input" \
    mz-paste --prefix a.,b. tracks.mzs features.mzs
t_fails "an empty key" 2 "bad keys 'group,,sequence'" \
    mz-paste -k group,,sequence tracks.mzs features.mzs
t_fails "bad codec" 2 "bad compression 'lz4'" \
    mz-paste -c lz4 tracks.mzs features.mzs
t_fails "unknown option" 2 "usage: mz-paste" \
    mz-paste --right tracks.mzs features.mzs
t_ok "--help" mz-paste --help
t_like "--help prints the synopsis" "^usage: mz-paste \[-fq\]" \
    "$(mz-paste --help)"
t_is "--version" "mz-paste 0.1.0" "$(mz-paste --version)"

# ------------------------------------------------------------ output

t_fails "-o /dev/full" 1 "^mz-paste: /dev/full: No space left" \
    mz-paste --prefix f. tracks.mzs features.mzs -o /dev/full
t_fails "stdout to /dev/full" 1 "^mz-paste: <stdout>: No space left" \
    sh -c 'mz-paste --prefix f. tracks.mzs features.mzs > /dev/full'
if command -v script >/dev/null 2>&1; then
	out=$(script -qec "mz-paste --prefix f. tracks.mzs features.mzs" \
	    /dev/null 2>&1)
	t_like "refuses to write to a terminal" "refusing to write a binary" \
	    "$out"
	out=$(script -qec "mz-paste -f --prefix f. tracks.mzs features.mzs;
	    echo rc=\$?" /dev/null 2>&1 | tail -c 20)
	t_like "-f writes to a terminal anyway" "rc=0" "$out"
else
	skip "terminal refusal" "no script(1)"
fi
t_done
