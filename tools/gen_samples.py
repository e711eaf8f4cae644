#!/usr/bin/python3
"""Builds nnpipe's bundled sample models and their reference outputs.

Each sample is a small ONNX model built with onnx.helper from seeded numpy
weights, so every byte under samples/ is reproducible from this file.  For a
sample NAME it writes

  NAME.json        json_format.MessageToJson(model), the mapping nnpipe reads
  NAME.onnx        the same model as protobuf
  NAME.in<i>.bin   a seeded value for graph input i (raw little-endian float32)
  NAME.out<i>.bin  graph output i as computed by onnxruntime-node on the CPU

The outputs come from a real runtime (tools/ort_run.js), never from this
script, so they are an independent reference for nnpipe's interpreter and
emitted code.  This script also carries its own float64 numpy reference for
the handful of ops the samples use -- a second, independent opinion -- and
refuses to write anything when the two disagree.  The numpy reference is a
sanity check only; nnpipe's tests compare against the .out files.

Weights are He-scaled (std sqrt(2/fan_in)) so activations keep a unit-ish
scale through the depth of each model; the script prints per-tensor stats so
a reader can see they neither vanish nor explode.

Usage: gen_samples.py --ort-dir DIR [--out samples] [NAME...]
(DIR holds node_modules/onnxruntime-node; tools/gen_samples.sh makes one.)
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from google.protobuf import json_format
from onnx import TensorProto, checker, helper, numpy_helper, shape_inference

OPSET = 13
IR_VERSION = 7  # the IR that shipped with opset 13; every runtime since reads it

# --------------------------------------------------------------------------
# Building graphs


class Net:
    """Accumulates nodes and initializers; each op method returns the name of
    the tensor it produced.  Node names are op-kind + counter ("conv3") and
    tensors are named after their producer, so messages are easy to follow.
    Attributes are written exactly as passed: defaults are left out on
    purpose in places, so readers must know ONNX's defaults."""

    def __init__(self, seed, raw=True):
        self.rng = np.random.default_rng(seed)
        self.raw = raw
        self.nodes, self.inits = [], []
        self.count = collections.Counter()

    def const(self, name, arr):
        arr = np.asarray(arr)
        if self.raw or arr.dtype != np.float32:
            t = numpy_helper.from_array(arr, name)
        else:
            t = helper.make_tensor(name, TensorProto.FLOAT, arr.shape, arr.ravel().tolist())
        self.inits.append(t)
        return name

    def he(self, shape, fan_in, gain=1.0):
        std = gain * np.sqrt(2.0 / fan_in)
        return (self.rng.standard_normal(shape) * std).astype(np.float32)

    def small(self, shape, std=0.1):
        return (self.rng.standard_normal(shape) * std).astype(np.float32)

    def op(self, op_type, inputs, out=None, **attrs):
        self.count[op_type] += 1
        name = "%s%d" % (op_type.lower(), self.count[op_type])
        out = out or name + "_out"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=name, **attrs))
        return out

    def conv(self, x, cin, cout, k, bias=True, bias_mean=0.0, gain=1.0, out=None, **attrs):
        group = attrs.get("group", 1)
        fan_in = cin // group * k * k
        base = "conv%d" % (self.count["Conv"] + 1)
        ins = [x, self.const(base + "_w", self.he((cout, cin // group, k, k), fan_in, gain))]
        if bias:
            ins.append(self.const(base + "_b", self.small((cout,)) + np.float32(bias_mean)))
        attrs.setdefault("kernel_shape", [k, k])
        if attrs["kernel_shape"] is None:
            del attrs["kernel_shape"]  # optional in ONNX: taken from the weight
        return self.op("Conv", ins, out, **attrs)

    def bn(self, x, c, scale=(0.5, 1.5), shift=0.2, **attrs):
        """Inference BatchNormalization with deliberately non-trivial stats:
        a frontend or interpreter that ignores any of the four shows."""
        base = "bn%d" % (self.count["BatchNormalization"] + 1)
        r = self.rng
        ins = [x,
               self.const(base + "_scale", r.uniform(*scale, c).astype(np.float32)),
               self.const(base + "_bias", (r.standard_normal(c) * shift).astype(np.float32)),
               self.const(base + "_mean", (r.standard_normal(c) * 0.3).astype(np.float32)),
               self.const(base + "_var", r.uniform(0.5, 2.0, c).astype(np.float32))]
        return self.op("BatchNormalization", ins, **attrs)

    def gemm(self, x, k, n, bias_shape=None, gain=1.0, out=None, **attrs):
        alpha = attrs.get("alpha", 1.0)
        base = "gemm%d" % (self.count["Gemm"] + 1)
        shape = (n, k) if attrs.get("transB", 0) else (k, n)
        ins = [x, self.const(base + "_b", self.he(shape, k, gain / alpha))]
        if bias_shape is not None:
            ins.append(self.const(base + "_c", self.small(bias_shape)))
        return self.op("Gemm", ins, out, **attrs)

    def model(self, name, inputs, outputs, doc):
        g = helper.make_graph(self.nodes, name, [vi(*i) for i in inputs],
                              [vi(*o) for o in outputs], self.inits)
        m = helper.make_model(g, producer_name="nnpipe-gen_samples", producer_version="1",
                              opset_imports=[helper.make_opsetid("", OPSET)], doc_string=doc)
        m.ir_version = IR_VERSION
        return m


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


# --------------------------------------------------------------------------
# The samples


def lenet5():
    """LeNet-5 for 28x28 digits; initializers as floatData, not rawData."""
    n = Net(seed=101, raw=False)
    x = n.conv("input", 1, 6, 5, pads=[2, 2, 2, 2])
    x = n.op("Relu", [x])
    x = n.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = n.conv(x, 6, 16, 5, gain=0.7)
    x = n.op("Relu", [x])
    x = n.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = n.op("Flatten", [x])
    x = n.op("Relu", [n.gemm(x, 400, 120, (120,), gain=0.7, transB=1)])
    x = n.op("Relu", [n.gemm(x, 120, 84, (84,), gain=0.7, transB=1)])
    x = n.gemm(x, 84, 10, (10,), gain=0.3, transB=1)  # logits small enough not to saturate
    n.op("Softmax", [x], out="probs")
    return n.model("lenet5", [("input", [1, 1, 28, 28])], [("probs", [1, 10])],
                   "LeNet-5: two conv/pool stages and three fully connected layers.")


def resblock():
    """A ResNet basic block: bias-free convs each followed by BN, identity skip."""
    n = Net(seed=202)
    y = n.conv("x", 16, 16, 3, bias=False, pads=[1, 1, 1, 1])
    y = n.op("Relu", [n.bn(y, 16)])
    y = n.conv(y, 16, 16, 3, bias=False, pads=[1, 1, 1, 1], strides=[1, 1])
    y = n.bn(y, 16, epsilon=1e-3)
    n.op("Relu", [n.op("Add", [y, "x"])], out="y")
    return n.model("resblock", [("x", [1, 16, 32, 32])], [("y", [1, 16, 32, 32])],
                   "ResNet basic block, 16 channels at 32x32.")


def mobilenet_tiny():
    """MobileNet-v1 style: stem, two depthwise-separable pairs, ReLU6 as Clip
    with constant min/max inputs (opset 13), shared by every Clip node."""
    n = Net(seed=303)
    lo, hi = n.const("clip_min", np.float32(0)), n.const("clip_max", np.float32(6))
    # BN on the Clip layers shifts/scales activations so both bounds bite.
    relu6 = dict(scale=(1.0, 2.5), shift=1.5)
    x = n.conv("image", 3, 8, 3, bias=False, strides=[2, 2], pads=[1, 1, 1, 1])
    x = n.op("Clip", [n.bn(x, 8, **relu6), lo, hi])
    x = n.conv(x, 8, 8, 3, bias=False, pads=[1, 1, 1, 1], group=8)
    x = n.op("Clip", [n.bn(x, 8, **relu6), lo, hi])
    x = n.op("Relu", [n.bn(n.conv(x, 8, 16, 1, bias=False), 16)])
    x = n.conv(x, 16, 16, 3, bias=False, strides=[2, 2], pads=[1, 1, 1, 1], group=16)
    x = n.op("Clip", [n.bn(x, 16, **relu6), lo, hi])
    x = n.op("Relu", [n.bn(n.conv(x, 16, 32, 1, bias=False, kernel_shape=None), 32)])
    x = n.op("Flatten", [n.op("GlobalAveragePool", [x])], axis=1)
    n.gemm(x, 32, 10, (10,), out="logits", transB=1)
    return n.model("mobilenet_tiny", [("image", [1, 3, 64, 64])], [("logits", [1, 10])],
                   "MobileNet-v1 style depthwise-separable convolutions with ReLU6.")


def big128():
    """A deeper net at 128x128 whose activations (1 MiB at the first layer)
    do not fit a small on-chip buffer, with every window corner case: an
    overlapping padded MaxPool after LeakyRelu (so -inf padding matters),
    asymmetric Conv pads with stride 2, dilation 2, a grouped conv, a
    two-branch Concat, AveragePools with ceil_mode in both count_include_pad
    flavours, and a squeeze-excite style Sigmoid gate."""
    n = Net(seed=404)
    # A negative bias makes most of conv1's outputs negative, so many border
    # windows of the MaxPool hold only negatives: padding with 0 instead of
    # -inf would visibly change the result.
    x = n.conv("image", 3, 16, 3, bias_mean=-1.5, pads=[1, 1, 1, 1])       # 16x128x128
    x = n.op("LeakyRelu", [x], alpha=0.2)
    x = n.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])  # 64x64
    x = n.conv(x, 16, 32, 3, strides=[2, 2], pads=[0, 0, 1, 1])            # 32x32x32
    x = n.op("Relu", [x])
    a = n.op("Relu", [n.conv(x, 32, 32, 1)])
    b = n.conv(x, 32, 16, 3, pads=[2, 2, 2, 2], dilations=[2, 2])
    b = n.op("LeakyRelu", [b])                                               # default alpha
    x = n.op("Concat", [a, b], axis=1)                                       # 48x32x32
    # ceil: (32+2-3)/2 = 15.5 -> 17 outputs; the last window is input col 31 + 2 pad/overhang.
    x = n.op("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
             ceil_mode=1, count_include_pad=0)                               # 48x17x17
    x = n.op("Relu", [n.conv(x, 48, 64, 3, pads=[1, 1, 1, 1])])              # 64x17x17
    gate = n.op("GlobalMaxPool", [x])
    gate = n.op("Sigmoid", [n.conv(gate, 64, 64, 1, gain=0.5)])
    x = n.op("Mul", [x, gate])
    # ceil: (17+1-3)/2 = 7.5 -> 9 outputs; the last window overhangs past the
    # (zero) end pad, and count_include_pad counts only the real pads.
    x = n.op("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 0, 0],
             ceil_mode=1, count_include_pad=1)                               # 64x9x9
    x = n.op("Relu", [n.conv(x, 64, 64, 3, pads=[1, 1, 1, 1], group=4)])    # 64x9x9
    x = n.op("GlobalAveragePool", [x])
    x = n.op("Reshape", [x, n.const("flat_shape", np.array([0, -1], dtype=np.int64))])
    x = n.op("MatMul", [x, n.const("fc_w", n.he((64, 10), 64, 2.0))])
    x = n.op("Add", [x, n.const("fc_b", n.small((10,)))])
    n.op("Softmax", [x], out="probs", axis=-1)
    m = n.model("big128", [("image", [1, 3, 128, 128])], [("probs", [1, 10])],
                "Deeper 128x128 net exercising every window and layout corner case.")
    # Exported models usually carry valueInfo for intermediate tensors; this
    # one does too, so frontends meet (and may cross-check) it.
    return shape_inference.infer_shapes(m, check_type=True, strict_mode=True)


def tinymlp():
    """Two Gemms with non-unit alpha/beta and two graph inputs, the second
    broadcast-added (rank 1 onto rank 2)."""
    n = Net(seed=505)
    h = n.gemm("x", 64, 32, (32,), alpha=0.5, beta=2.0, transA=0, transB=0)
    h = n.op("Add", [n.op("Sigmoid", [h]), "bias_in"])
    h = n.gemm(h, 32, 16, (1, 16), alpha=1.5, beta=0.75, transB=1)
    h = n.op("Identity", [h])
    n.op("Dropout", [h, n.const("drop_ratio", np.float32(0.25))], out="out")
    return n.model("tinymlp", [("x", [1, 64]), ("bias_in", [32])], [("out", [1, 16])],
                   "Two-layer perceptron with a second, broadcast graph input.")


SAMPLES = {f.__name__: f for f in (lenet5, resblock, mobilenet_tiny, big128, tinymlp)}

# --------------------------------------------------------------------------
# The numpy reference: float64, one small function per op.


def windows(x, kernel, strides, pads, dil, ceil, fill):
    """Yields (offset, view) per kernel position: view[..., o, p] is the input
    element read by output (o, p) at that kernel offset, `fill` where the
    window lies in padding or beyond it (ceil_mode overhang)."""
    h, w = x.shape[2:]
    out = []
    for i, size in enumerate((h, w)):
        span = (kernel[i] - 1) * dil[i] + 1
        num = size + pads[i] + pads[i + 2] - span
        o = (-(-num // strides[i]) if ceil else num // strides[i]) + 1
        if ceil and (o - 1) * strides[i] >= size + pads[i]:
            o -= 1  # a window may not start in the end padding
        out.append(o)
    need = [(out[i] - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 for i in range(2)]
    xp = np.full(x.shape[:2] + (need[0], need[1]), fill, dtype=np.float64)
    hi = [min(pads[i] + (h, w)[i], need[i]) for i in range(2)]
    xp[:, :, pads[0]:hi[0], pads[1]:hi[1]] = x[:, :, :hi[0] - pads[0], :hi[1] - pads[1]]
    for kh in range(kernel[0]):
        for kw in range(kernel[1]):
            r0, c0 = kh * dil[0], kw * dil[1]
            yield (kh, kw), xp[:, :, r0:r0 + (out[0] - 1) * strides[0] + 1:strides[0],
                                c0:c0 + (out[1] - 1) * strides[1] + 1:strides[1]]


def win_attrs(a, kernel):
    return (kernel, a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]),
            a.get("dilations", [1, 1]), a.get("ceil_mode", 0))


def conv(a, x, w, b=None):
    g = a.get("group", 1)
    m, cg = w.shape[:2]
    acc = 0
    for (kh, kw), v in windows(x, *win_attrs(a, w.shape[2:]), 0.0):
        v = v.reshape(v.shape[0], g, cg, *v.shape[2:])
        acc = acc + np.einsum("ngchw,gmc->ngmhw", v, w[:, :, kh, kw].reshape(g, m // g, cg))
    acc = acc.reshape(acc.shape[0], m, *acc.shape[3:])
    return acc if b is None else acc + b.reshape(1, -1, 1, 1)


def maxpool(a, x):
    views = [v for _, v in windows(x, *win_attrs(a, a["kernel_shape"]), -np.inf)]
    return np.max(views, axis=0)


def avgpool(a, x):
    """Sum of the window over the count of what it covers: real input only
    (count_include_pad=0) or input plus explicit pads, never the ceil_mode
    overhang past the end pad (onnxruntime's and PyTorch's convention)."""
    wa = win_attrs(a, a["kernel_shape"])
    pads = wa[2]
    total = sum(v for _, v in windows(x, *wa, 0.0))
    if a.get("count_include_pad", 0):
        h, w = x.shape[2:]
        ones = np.ones((1, 1, h + pads[0] + pads[2], w + pads[1] + pads[3]))
        wa = (wa[0], wa[1], [0, 0, 0, 0], wa[3], wa[4])
        # The padded area as a real input: windows shift by the begin pads.
        count = sum(v for _, v in windows(ones, *wa, 0.0))
        return total / count[:, :, :total.shape[2], :total.shape[3]]
    count = sum(v for _, v in windows(np.ones((1, 1) + x.shape[2:]), *wa, 0.0))
    return total / count


def batchnorm(a, x, scale, bias, mean, var):
    c = lambda t: t.reshape(1, -1, 1, 1)
    return (x - c(mean)) / np.sqrt(c(var) + a.get("epsilon", 1e-5)) * c(scale) + c(bias)


def reshape(a, x, shape):
    shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape.astype(int))]
    return x.reshape(shape)


def gemm(a, x, b, c=0.0):
    x = x.T if a.get("transA", 0) else x
    b = b.T if a.get("transB", 0) else b
    return a.get("alpha", 1.0) * (x @ b) + a.get("beta", 1.0) * c


def softmax(a, x):
    e = np.exp(x - x.max(axis=a.get("axis", -1), keepdims=True))
    return e / e.sum(axis=a.get("axis", -1), keepdims=True)


REF_OPS = {
    "Conv": conv,
    "MaxPool": maxpool,
    "AveragePool": avgpool,
    "GlobalAveragePool": lambda a, x: x.mean(axis=(2, 3), keepdims=True),
    "GlobalMaxPool": lambda a, x: x.max(axis=(2, 3), keepdims=True),
    "Relu": lambda a, x: np.maximum(x, 0),
    "LeakyRelu": lambda a, x: np.where(x < 0, a.get("alpha", 0.01) * x, x),
    "Clip": lambda a, x, lo, hi: np.minimum(np.maximum(x, lo), hi),
    "Sigmoid": lambda a, x: 1 / (1 + np.exp(-x)),
    "Add": lambda a, x, y: x + y,
    "Mul": lambda a, x, y: x * y,
    "BatchNormalization": batchnorm,
    "Concat": lambda a, *xs: np.concatenate(xs, axis=a["axis"]),
    "Flatten": lambda a, x: x.reshape(int(np.prod(x.shape[:a.get("axis", 1)])), -1),
    "Reshape": reshape,
    "Gemm": gemm,
    "MatMul": lambda a, x, y: x @ y,
    "Softmax": softmax,
    "Identity": lambda a, x: x,
    "Dropout": lambda a, x, *rest: x,  # inference: ratio is ignored
}


def reference(model, feeds):
    """Runs the graph node by node in float64; returns (outputs, stats,
    macs), stats giving (mean, std, min, max) of every node output."""
    vals = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    vals.update({k: v.astype(np.float64) for k, v in feeds.items()})
    stats, macs = {}, 0
    for nd in model.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in nd.attribute}
        ins = [vals[i] for i in nd.input]
        y = REF_OPS[nd.op_type](a, *ins)
        macs += count_macs(nd.op_type, a, ins, y)
        vals[nd.output[0]] = y
        stats[nd.output[0]] = (y.mean(), y.std(), y.min(), y.max())
    return [vals[o.name] for o in model.graph.output], stats, macs


def count_macs(op, a, ins, y):
    """Multiply-accumulates: per output element, one per weight it reads."""
    if op == "Conv":
        return y.size * int(np.prod(ins[1].shape[1:]))
    if op == "Gemm":
        return y.size * ins[0].shape[0 if a.get("transA", 0) else 1]
    if op == "MatMul":
        return y.size * ins[0].shape[-1]
    return 0


# --------------------------------------------------------------------------
# Checking, running onnxruntime-node, writing


def check(model):
    """The model must pass the full checker and strict shape inference, and
    inference must agree with the declared output shapes."""
    checker.check_model(model, full_check=True)
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    for o in inferred.graph.output:
        dims = [d.dim_value for d in o.type.tensor_type.shape.dim]
        assert all(dims), "%s: output %s has unknown dims" % (model.graph.name, o.name)


def make_inputs(model, seed):
    rng = np.random.default_rng(seed)
    feeds = {}
    for i in model.graph.input:
        shape = [d.dim_value for d in i.type.tensor_type.shape.dim]
        feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def run_ort(ort_dir, onnx_path, prefix, in_paths, feeds):
    """Runs tools/ort_run.js; returns (ort version, outputs as float32)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort_run.js")
    args = ["%s:%s" % (p, "x".join(map(str, v.shape))) for p, v in zip(in_paths, feeds.values())]
    env = dict(os.environ, NODE_PATH=os.path.join(os.path.abspath(ort_dir), "node_modules"))
    res = subprocess.run(["node", script, onnx_path, prefix] + args, env=env,
                         capture_output=True, text=True, check=True)
    meta = json.loads(res.stdout)
    outs = [np.fromfile(o["path"], dtype="<f4").reshape(o["dims"]) for o in meta["outputs"]]
    return meta["version"], outs


def write_bin(path, arr):
    with open(path, "wb") as f:
        f.write(np.ascontiguousarray(arr, dtype="<f4").tobytes())


def write_sample(name, model, feeds, outs, outdir):
    base = os.path.join(outdir, name)
    with open(base + ".json", "w") as f:
        f.write(json_format.MessageToJson(model))
    onnx.save(model, base + ".onnx")
    for i, v in enumerate(feeds.values()):
        write_bin("%s.in%d.bin" % (base, i), v)
    for i, v in enumerate(outs):
        write_bin("%s.out%d.bin" % (base, i), v)


def generate(name, index, args, tmp):
    model = SAMPLES[name]()
    check(model)
    feeds = make_inputs(model, seed=1000 + index)
    onnx_path = os.path.join(tmp, name + ".onnx")
    onnx.save(model, onnx_path)
    in_paths = [os.path.join(tmp, "%s.in%d.bin" % (name, i)) for i in range(len(feeds))]
    for p, v in zip(in_paths, feeds.values()):
        write_bin(p, v)
    version, outs = run_ort(args.ort_dir, onnx_path, os.path.join(tmp, name), in_paths, feeds)
    refs, stats, macs = reference(model, feeds)
    diff = max(float(np.max(np.abs(r - o))) for r, o in zip(refs, outs))
    scale = max(float(np.max(np.abs(r))) for r in refs)
    if args.verbose:
        for t, (mean, std, lo, hi) in stats.items():
            print("    %-24s mean %8.4f std %8.4f min %9.4f max %9.4f" % (t, mean, std, lo, hi))
    print("%-15s MACs %10d  max|numpy-ort| %.3g  (max|out| %.3g)" % (name, macs, diff, scale))
    if not diff <= args.tol * max(1.0, scale):
        sys.exit("%s: onnxruntime and the numpy reference disagree by %g" % (name, diff))
    write_sample(name, model, feeds, outs, args.out)
    return version


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ort-dir", required=True, help="folder holding node_modules/onnxruntime-node")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "samples"))
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("-v", "--verbose", action="store_true", help="print activation stats")
    p.add_argument("names", nargs="*", help="samples to build (default: all)")
    args = p.parse_args()
    names = args.names or list(SAMPLES)
    for n in names:
        if n not in SAMPLES:
            sys.exit("unknown sample %s (have %s)" % (n, ", ".join(SAMPLES)))
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        versions = {generate(n, list(SAMPLES).index(n), args, tmp) for n in names}
    print("onnxruntime-node %s, onnx %s, numpy %s" % (", ".join(sorted(versions)),
                                                       onnx.__version__, np.__version__))


if __name__ == "__main__":
    main()
