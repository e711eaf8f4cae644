#!/usr/bin/python3
"""Writes the modulo-scheduling benchmark corpus into bench/loops/.

Every loop is built from the dataflow of a real DSP or HLS kernel body -
FIR filters, IIR biquad cascades and other recurrences, radix-2 FFT
butterflies, register-blocked matrix multiply and stencil inner loops
(unrolled), AES- and SHA-256-style rounds, CRC, division-heavy kernels - on
a handful of machine models with limited functional units: ALUs, multipliers,
1-2 memory ports, a non-pipelined divider. Nothing is a random graph; the
parameters (taps, unroll factors, block sizes, rounds, machine) are swept.

Conventions of the loop JSON (see frontends/loop_json.h): an edge
a -> b with distance d means b of iteration i+d uses a's result of
iteration i. Values carried in registers across iterations (delay lines,
accumulators, hash state) are distance edges; every loop also has its
induction variable (i += 1, a distance-1 recurrence) feeding the address of
each memory access.

Run: /usr/bin/python3 bench/gen_loops.py   (deterministic; rewrites the
folder).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "loops")

# Machines: resources (name, instances, blocking) and how each operation
# kind maps to (resource, latency, occupancy or None for the blocking).
MACHINES = {
    # A small fixed-point DSP: one of everything, a 16-cycle divider.
    "dsp1": {
        "resources": [("alu", 1, 1), ("mul", 1, 1), ("mem", 1, 1), ("div", 1, 16)],
        "kinds": {"ld": ("mem", 2), "st": ("mem", 1), "alu": ("alu", 1), "mul": ("mul", 3),
                  "add": ("alu", 1), "div": ("div", 16)},
    },
    # A dual-issue DSP with two memory ports.
    "dsp2": {
        "resources": [("alu", 2, 1), ("mul", 1, 1), ("mem", 2, 1), ("div", 1, 12)],
        "kinds": {"ld": ("mem", 2), "st": ("mem", 1), "alu": ("alu", 1), "mul": ("mul", 3),
                  "add": ("alu", 1), "div": ("div", 12)},
    },
    # A 4-wide VLIW: more ALUs and multipliers, still two memory ports.
    "vliw4": {
        "resources": [("alu", 4, 1), ("mul", 2, 1), ("mem", 2, 1), ("div", 1, 20)],
        "kinds": {"ld": ("mem", 3), "st": ("mem", 1), "alu": ("alu", 1), "mul": ("mul", 4),
                  "add": ("alu", 1), "div": ("div", 20)},
    },
    # Floating point: pipelined adder (4) and multiplier (5), slow divider.
    "fp2": {
        "resources": [("alu", 2, 1), ("fadd", 1, 1), ("fmul", 1, 1), ("mem", 2, 1),
                      ("fdiv", 1, 14)],
        "kinds": {"ld": ("mem", 3), "st": ("mem", 1), "alu": ("alu", 1), "mul": ("fmul", 5),
                  "add": ("fadd", 4), "div": ("fdiv", 14)},
    },
    # HLS on an FPGA: single-port block RAM, two DSP slices, an 8-cycle
    # sequential divider.
    "hls": {
        "resources": [("alu", 2, 1), ("mul", 2, 1), ("bram", 1, 1), ("div", 1, 8)],
        "kinds": {"ld": ("bram", 1), "st": ("bram", 1), "alu": ("alu", 1), "mul": ("mul", 2),
                  "add": ("alu", 1), "div": ("div", 8)},
    },
}


class Loop:
    """A loop body under construction: ops by kind, edges by name."""

    def __init__(self, name, machine, comment):
        self.name, self.machine, self.comment = name, machine, comment
        self.m = MACHINES[machine]
        self.ops, self.edges, self.count = [], [], {}
        self.iv = self.op("alu", "i")  # the induction variable
        self.dep(self.iv, self.iv, distance=1)

    def op(self, kind, base=None, *deps):
        base = base or kind
        n = self.count.get(base, 0)
        self.count[base] = n + 1
        name = base if n == 0 and base == "i" else "%s%d" % (base, n)
        res, lat = self.m["kinds"][kind]
        self.ops.append({"name": name, "resource": res, "latency": lat})
        for d in deps:
            if isinstance(d, tuple):
                self.dep(d[0], name, distance=d[1])
            elif d is not None:
                self.dep(d, name)
        return name

    def dep(self, a, b, distance=0, delay=0):
        e = {"from": a, "to": b}
        if distance:
            e["distance"] = distance
        if delay:
            e["delay"] = delay
        self.edges.append(e)

    def load(self, base="ld", *deps):
        return self.op("ld", base, self.iv, *deps)

    def store(self, value, base="st"):
        return self.op("st", base, self.iv, value)

    def write(self):
        path = os.path.join(OUT, self.name + ".json")
        res = [{"name": r, "instances": k, "blocking": b} for r, k, b in self.m["resources"]]
        lines = ['{"name": %s,' % json.dumps(self.name),
                 ' "comment": %s,' % json.dumps("%s; machine %s" % (self.comment, self.machine)),
                 ' "resources": [']
        lines += ["  " + json.dumps(r, separators=(",", ":")) + ("," if i + 1 < len(res) else "")
                  for i, r in enumerate(res)]
        lines.append(' ], "ops": [')
        lines += ["  " + json.dumps(o, separators=(",", ":")) + ("," if i + 1 < len(self.ops) else "")
                  for i, o in enumerate(self.ops)]
        lines.append(' ], "edges": [')
        lines += ["  " + json.dumps(e, separators=(",", ":")) + ("," if i + 1 < len(self.edges) else "")
                  for i, e in enumerate(self.edges)]
        lines.append(" ]}")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return len(self.ops)


def reduce_sum(L, terms, shape, base="acc"):
    """Adds terms: a chain (one add after another) or a balanced tree."""
    if shape == "chain":
        s = terms[0]
        for t in terms[1:]:
            s = L.op("add", base, s, t)
        return s
    while len(terms) > 1:
        nxt = [L.op("add", base, terms[i], terms[i + 1]) for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            nxt.append(terms[-1])
        terms = nxt
    return terms[0]


# ---- kernels ----

def fir(machine, taps, unroll, rotating, shape):
    """y[n] = sum_k h[k] x[n-k], `unroll` outputs per iteration. Rotating:
    each x is loaded once and reused from registers by later outputs and
    iterations (distance edges); otherwise every product loads its x."""
    L = Loop("fir_t%d_u%d_%s_%s_%s" % (taps, unroll, "rot" if rotating else "ld", shape, machine),
             machine, "FIR, %d taps, %d outputs per iteration, %s, %s accumulation"
             % (taps, unroll, "delay line in registers" if rotating else "a load per tap", shape))
    loads = [L.load("x") for _ in range(unroll)] if rotating else None
    for u in range(unroll):
        prods = []
        for k in range(taps):
            x = back_ref(loads, u, k, unroll) if rotating else L.load("x")
            prods.append(L.op("mul", "p", x))
        L.store(reduce_sum(L, prods, shape), "y")
    return L


def back_ref(seq, lane, back, unroll):
    """seq[lane - back] across iterations: (name, distance) or name."""
    j, d = lane - back, 0
    while j < 0:
        j += unroll
        d += 1
    return (seq[j], d) if d else seq[j]


def wire(L, ref, consumer):
    """An edge from a back_ref result to consumer."""
    src, dist = ref if isinstance(ref, tuple) else (ref, 0)
    L.dep(src, consumer, distance=dist)


def iir(machine, sections, unroll, balanced):
    """A cascade of direct-form-I biquads, `unroll` samples per iteration:
    y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]. The
    feedback products use y of earlier lanes or earlier iterations (distance
    edges). Balanced: y = (ff - a2 y2) - a1 y1, so the tightest recurrence
    is one multiply and one add; chained: y = ((ff - a1 y1) - a2 y2)."""
    L = Loop("iir_s%d_u%d_%s_%s" % (sections, unroll, "bal" if balanced else "chain", machine),
             machine, "IIR biquad cascade, %d sections, %d samples per iteration, %s feedback"
             % (sections, unroll, "balanced" if balanced else "chained"))
    xs = [L.load("x") for _ in range(unroll)]
    for _ in range(sections):
        ys, feedback = [], []
        for u in range(unroll):
            ff = reduce_sum(L, [L.op("mul", "b", back_ref(xs, u, k, unroll)) for k in range(3)],
                            "tree" if balanced else "chain", "f")
            a1, a2 = L.op("mul", "a"), L.op("mul", "a")
            first, second = (a2, a1) if balanced else (a1, a2)
            ys.append(L.op("add", "y", L.op("add", "s", ff, first), second))
            feedback += [(a1, u, 1), (a2, u, 2)]
        for m, u, back in feedback:  # every y of the section exists now
            wire(L, back_ref(ys, u, back, unroll), m)
        xs = ys
    for y in xs:
        L.store(y, "out")
    return L


def recurrence(machine, kind, unroll):
    """Loop-carried recurrences, `unroll` elements per iteration, each
    element using the previous one's result y[n-1]:
    prefix   y = y[n-1] + x
    ema      y = y[n-1] + a*(x - y[n-1])     (exponential moving average)
    horner   y = y[n-1]*t + c                (polynomial evaluation)
    normsum  y = y[n-1] + x, out = x / y     (on the non-pipelined divider)"""
    L = Loop("rec_%s_u%d_%s" % (kind, unroll, machine), machine,
             "%s recurrence, %d elements per iteration" % (kind, unroll))
    ys, uses = [], []
    for u in range(unroll):
        x = L.load("c" if kind == "horner" else "x")
        if kind == "prefix" or kind == "normsum":
            y = L.op("add", "y", x)
            uses.append((u, y))
        elif kind == "ema":
            d = L.op("add", "d", x)
            y = L.op("add", "y", L.op("mul", "p", d))
            uses += [(u, d), (u, y)]
        else:
            p = L.op("mul", "p")
            y = L.op("add", "y", p, x)
            uses.append((u, p))
        ys.append(y)
        L.store(L.op("div", "q", x, y) if kind == "normsum" else y, "out")
    for u, consumer in uses:
        wire(L, back_ref(ys, u, 1, unroll), consumer)
    return L


def fft(machine, butterflies, fixed):
    """Radix-2 butterflies: t = w*b (complex), a' = a + t, b' = a - t;
    fixed point scales each output by a shift."""
    L = Loop("fft_b%d_%s_%s" % (butterflies, "fix" if fixed else "flt", machine), machine,
             "radix-2 FFT stage, %d butterflies per iteration, %s"
             % (butterflies, "fixed point with scaling" if fixed else "no scaling"))
    for _ in range(butterflies):
        ar, ai, br, bi = (L.load(n) for n in ("ar", "ai", "br", "bi"))
        wr, wi = L.load("wr"), L.load("wi")
        m1, m2 = L.op("mul", "m", br, wr), L.op("mul", "m", bi, wi)
        m3, m4 = L.op("mul", "m", br, wi), L.op("mul", "m", bi, wr)
        tr, ti = L.op("add", "t", m1, m2), L.op("add", "t", m3, m4)
        outs = [L.op("add", "o", ar, tr), L.op("add", "o", ai, ti),
                L.op("add", "o", ar, tr), L.op("add", "o", ai, ti)]
        for o in outs:
            L.store(L.op("alu", "sh", o) if fixed else o, "st")
    return L


def matmul(machine, rows, cols, kunroll):
    """C[r][c] += A[r][k] * B[k][c] for a rows x cols register block, the k
    loop unrolled: each accumulator is a distance-1 recurrence."""
    L = Loop("mm_r%d_c%d_k%d_%s" % (rows, cols, kunroll, machine), machine,
             "matrix multiply inner loop, %dx%d register block, k unrolled %d"
             % (rows, cols, kunroll))
    acc = {}
    first = {}
    for k in range(kunroll):
        a = [L.load("a") for _ in range(rows)]
        b = [L.load("b") for _ in range(cols)]
        for r in range(rows):
            for c in range(cols):
                p = L.op("mul", "p", a[r], b[c])
                s = L.op("add", "c", p, acc.get((r, c)))
                first.setdefault((r, c), s)
                acc[(r, c)] = s
    for key, s in acc.items():
        L.dep(s, first[key], distance=1)
    return L


def stencil(machine, points, unroll, two_d):
    """Jacobi stencils: 1-D 3- or 5-point, or 2-D 5-point over three rows,
    unrolled; each input is loaded once and reused across lanes/iterations."""
    L = Loop("sten_%s%d_u%d_%s" % ("2d" if two_d else "1d", points, unroll, machine), machine,
             "%s %d-point Jacobi stencil, %d outputs per iteration"
             % ("2-D" if two_d else "1-D", points, unroll))
    half = points // 2 if not two_d else 1
    centre = [L.load("c") for _ in range(unroll)]
    north = [L.load("n") for _ in range(unroll)] if two_d else None
    south = [L.load("s") for _ in range(unroll)] if two_d else None
    for u in range(unroll):
        terms = []
        for k in range(-half, half + 1):
            # lane j loads x[n_j + half], so x[n_u + k] is lane u - (half - k)
            # of this or an earlier iteration
            terms.append(L.op("mul", "w", back_ref(centre, u, half - k, unroll)))
        if two_d:
            terms += [L.op("mul", "w", north[u]), L.op("mul", "w", south[u])]
        L.store(reduce_sum(L, terms, "tree", "s"), "y")
    return L


def aes(machine, blocks, rounds, cbc):
    """AES-style rounds on 16-byte states: S-box lookups (table loads),
    MixColumns (xtime and xors on the ALU), AddRoundKey; CBC chains each
    block to the previous ciphertext (a distance-1 recurrence through all
    rounds)."""
    L = Loop("aes_b%d_r%d_%s_%s" % (blocks, rounds, "cbc" if cbc else "ecb", machine), machine,
             "AES-style encryption, %d blocks per iteration, %d rounds, %s"
             % (blocks, rounds, "CBC chaining" if cbc else "independent blocks"))
    prev = None
    for blk in range(blocks):
        st = [L.load("pt") for _ in range(16)]
        if cbc:
            chain = prev if prev else None
            st = [L.op("alu", "x", s) for s in st]
            if chain:
                for j in range(16):
                    L.dep(chain[j], st[j])
            else:
                first_xor = st
        for r in range(rounds):
            sb = [L.op("ld", "sbox", s) for s in st]
            sb = [sb[(j + 4 * (j % 4)) % 16] for j in range(16)]  # ShiftRows: renaming
            if r + 1 < rounds:
                mixed = []
                for c in range(4):
                    col = sb[4 * c:4 * c + 4]
                    xt = [L.op("alu", "xt", v) for v in col]
                    for j in range(4):
                        t = L.op("alu", "mx", xt[j], xt[(j + 1) % 4])
                        t = L.op("alu", "mx", t, col[(j + 1) % 4])
                        t = L.op("alu", "mx", t, col[(j + 2) % 4])
                        mixed.append(L.op("alu", "mx", t, col[(j + 3) % 4]))
                sb = mixed
            st = [L.op("alu", "ark", v) for v in sb]
        for v in st:
            L.store(v, "ct")
        prev = st
    if cbc:
        for j in range(16):
            L.dep(prev[j], first_xor[j], distance=1)
    return L


def sha256(machine, rounds):
    """SHA-256 compression, `rounds` rounds per iteration, with the message
    schedule W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] computed in
    the loop. The state a..h and the W window live in registers: a use of a
    value from an earlier iteration is a distance edge (renaming b = a,
    c = b, ... can make it a distance > 1)."""
    L = Loop("sha256_r%d_%s" % (rounds, machine), machine,
             "SHA-256 compression, %d rounds per iteration, message schedule in the loop" % rounds)
    later = []  # (value, consumer): wired when every value of the iteration exists

    def sigma():  # three rotations of one input, xored: returns (input ops, output)
        rots = [L.op("alu", "rot") for _ in range(3)]
        return rots, L.op("alu", "xor", L.op("alu", "xor", rots[0], rots[1]), rots[2])

    W = []
    for t in range(rounds):
        r1, s1 = sigma()
        r0, s0 = sigma()
        w1 = L.op("add", "w", s1, s0)
        w2 = L.op("add", "w", w1)
        W.append(L.op("add", "w", w2))
        later += [(("W", t - 2), r) for r in r1] + [(("W", t - 15), r) for r in r0]
        later += [(("W", t - 7), w2), (("W", t - 16), W[-1])]
    state = {k: ("S", k) for k in "abcdefgh"}  # ("S", k): k at the end of the last iteration
    for t in range(rounds):
        a, b, c, d, e, f, g, h = (state[k] for k in "abcdefgh")
        re_, S1 = sigma()
        ch0, ch1 = L.op("alu", "ch"), L.op("alu", "ch")
        ch = L.op("alu", "ch", ch0, ch1)
        t1 = L.op("add", "t1", S1, ch)
        t1 = L.op("add", "t1", t1, L.load("k"))
        t1 = L.op("add", "t1", t1, W[t])
        t1 = L.op("add", "t1")
        ra, S0 = sigma()
        mj0, mj1 = L.op("alu", "maj"), L.op("alu", "maj")
        mj = L.op("alu", "maj", mj0, mj1)
        t2 = L.op("add", "t2", S0, mj)
        ne, na = L.op("add", "e", t1), L.op("add", "a", t1, t2)
        later += [(e, r) for r in re_] + [(e, ch0), (f, ch0), (e, ch1), (g, ch1), (h, t1)]
        later += [(a, r) for r in ra] + [(a, mj0), (b, mj0), (c, mj1), (a, mj1), (d, ne)]
        state = {"a": na, "b": a, "c": b, "d": c, "e": ne, "f": e, "g": f, "h": g}

    def resolve(v, dist=0):
        if v[0] == "W":  # W[t] of this or an earlier iteration
            t = v[1]
            while t < 0:
                t += rounds
                dist += 1
            return W[t], dist
        if v[0] == "S":  # the state after the last round, one iteration back
            x = state[v[1]]
            return resolve(x, dist + 1) if isinstance(x, tuple) else (x, dist + 1)
        return v, dist

    for v, consumer in later:
        src, dist = resolve(v) if isinstance(v, tuple) else (v, 0)
        L.dep(src, consumer, distance=dist)
    return L


def crc(machine, unroll):
    """Table-driven CRC: crc = T[(crc ^ byte) & 0xff] ^ (crc >> 8), one
    byte after another: the recurrence runs through a table load."""
    L = Loop("crc_u%d_%s" % (unroll, machine), machine,
             "table-driven CRC-32, %d bytes per iteration" % unroll)
    carry, head = None, None
    for u in range(unroll):
        byte = L.load("byte")
        x = L.op("alu", "x", byte, carry)
        idx = L.op("alu", "and", x)
        t = L.op("ld", "tab", idx)
        sh = L.op("alu", "shr", carry)
        carry = L.op("alu", "crc", t, sh)
        head = head or (x, sh)
    L.dep(carry, head[0], distance=1)
    L.dep(carry, head[1], distance=1)
    L.store(carry, "out")
    return L


def divide(machine, kind, unroll):
    """Division-heavy kernels on the non-pipelined divider: vector
    normalisation (x / |v|) and complex division."""
    L = Loop("div_%s_u%d_%s" % (kind, unroll, machine), machine,
             "%s, %d elements per iteration" % (kind, unroll))
    for _ in range(unroll):
        if kind == "normalize":
            xs = [L.load("v") for _ in range(3)]
            sq = [L.op("mul", "sq", x, x) for x in xs]
            n = reduce_sum(L, sq, "tree", "n")
            r = L.op("div", "rs", n)  # reciprocal square root by the divider
            for x in xs:
                L.store(L.op("mul", "m", x, r), "o")
        else:  # complex division (a+bi)/(c+di)
            a, b, c, d = (L.load(n) for n in "abcd")
            den = L.op("add", "den", L.op("mul", "m", c, c), L.op("mul", "m", d, d))
            re = L.op("add", "re", L.op("mul", "m", a, c), L.op("mul", "m", b, d))
            im = L.op("add", "im", L.op("mul", "m", b, c), L.op("mul", "m", a, d))
            L.store(L.op("div", "q", re, den), "o")
            L.store(L.op("div", "q", im, den), "o")
    return L


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".json"):
            os.remove(os.path.join(OUT, f))
    loops = []
    ms = list(MACHINES)
    for i, (taps, unroll, rot, shape) in enumerate(
            (t, u, r, s) for t in (4, 8, 16, 32, 64) for u in (1, 2, 4) for r in (0, 1)
            for s in ("chain", "tree")):
        if taps * unroll > 128:
            continue
        loops.append(fir(ms[i % len(ms)], taps, unroll, rot, shape))
    for i, (s, u, bal) in enumerate((s, u, b) for s in (1, 2, 4) for u in (1, 2, 4) for b in (0, 1)):
        for m in (ms[i % len(ms)], ms[(i + 2) % len(ms)]):
            loops.append(iir(m, s, u, bal))
    for i, (k, u) in enumerate((k, u) for k in ("prefix", "ema", "horner", "normsum")
                               for u in (1, 2, 4, 8)):
        for m in (ms[i % len(ms)], ms[(i + 2) % len(ms)]):
            loops.append(recurrence(m, k, u))
    for i, (b, fx) in enumerate((b, f) for b in (1, 2, 4, 8, 16) for f in (0, 1)):
        for m in (ms[i % len(ms)], ms[(i + 3) % len(ms)]):
            loops.append(fft(m, b, fx))
    for i, (r, c, k) in enumerate((r, c, k) for r in (1, 2, 4, 8) for c in (1, 2, 4, 8)
                                  for k in (1, 2, 4)):
        if r * c * k > 128 or r > c:
            continue
        for m in (ms[i % len(ms)], ms[(i + 1) % len(ms)]):
            loops.append(matmul(m, r, c, k))
    for i, (p, u, d2) in enumerate((p, u, d) for p in (3, 5) for u in (1, 2, 4, 8) for d in (0, 1)):
        if d2 and p == 5:
            continue
        for m in (ms[i % len(ms)], ms[(i + 1) % len(ms)]):
            loops.append(stencil(m, p, u, d2))
    for i, (b, r, cbc) in enumerate((b, r, c) for b in (1, 2) for r in (1, 2, 4, 10) for c in (0, 1)):
        loops.append(aes(ms[i % len(ms)], b, r, cbc))
    loops.append(aes("vliw4", 4, 10, 0))  # about 4,300 ops
    loops.append(aes("dsp2", 4, 10, 1))
    for i, r in enumerate((1, 2, 4, 8, 16)):
        for m in (ms[i % len(ms)], ms[(i + 2) % len(ms)]):
            loops.append(sha256(m, r))
    for i, u in enumerate((1, 2, 4, 8)):
        for m in (ms[i % len(ms)], ms[(i + 1) % len(ms)]):
            loops.append(crc(m, u))
    for i, (k, u) in enumerate((k, u) for k in ("normalize", "cdiv") for u in (1, 2, 4)):
        for m in (ms[i % len(ms)], ms[(i + 4) % len(ms)]):
            loops.append(divide(m, k, u))
    total = 0
    for L in loops:
        total += L.write()
    print("wrote %d loops, %d ops, into %s" % (len(loops), total, OUT))


if __name__ == "__main__":
    sys.exit(main())
