#!/usr/bin/python3
"""Turns ONNX's own backend conformance cases (shipped in the `onnx` Python
package, expected outputs computed by ONNX's reference implementations) into
small text fixtures that tests/test_ops_onnx.c reads without any ONNX
frontend.

tests/test_conformance.c already runs every case of Debian's
libonnx-testdata end to end, so only the cases it has to skip are written
here: those whose shape arrives as a run-time int64 graph input (fed here
as a constant, the way an exporter folds it), and those nnpipe must refuse
as unsupported at the node (training mode, Indices and mask outputs),
which test_conformance skips earlier for their BOOL/INT64 tensors.
Fixture format:

    # source: onnx <version> backend test <name>
    opset 13
    op Conv
    attr strides ints 2 2          (also: int, float, string, floats)
    in x float 4 1 1 7 5           (name type rank dims...; next line: values)
    in shape int64 1 2             (int64 inputs become constants)
    in - none                      (absent optional input)
    out y float 4 1 1 4 2          (next line: expected values)
    expect unsupported             (instead of outputs: nnpipe must refuse)

Run with Debian's python (onnx 1.12):  /usr/bin/python3 gen_onnx_cases.py
It rewrites tests/data/ops/onnx/*.txt."""
import glob
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")
OUT = os.path.join(HERE, "onnx")
MAX_ELEMS = 2000  # keep fixtures small: the 32x32 random pool cases repeat
# what the small precomputed ones check, except SAME_LOWER, kept anyway.
KEEP_BIG = {"test_averagepool_2d_same_lower", "test_maxpool_2d_same_lower"}

OPS = {"Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Relu",
       "LeakyRelu", "Clip", "Sigmoid", "Add", "Mul", "BatchNormalization", "Concat", "Flatten",
       "Reshape", "Gemm", "MatMul", "Softmax", "Identity", "Dropout"}
# Cases nnpipe deliberately refuses (training, Indices output, allowzero with 0).
UNSUPPORTED = {"test_maxpool_with_argmax_2d_precomputed_pads",
               "test_maxpool_with_argmax_2d_precomputed_strides",
               "test_batchnorm_epsilon_training_mode", "test_batchnorm_example_training_mode",
               "test_dropout_default_mask", "test_dropout_default_mask_ratio",
               "test_reshape_allowzero_reordered", "test_training_dropout",
               "test_training_dropout_default", "test_training_dropout_mask",
               "test_training_dropout_default_mask", "test_training_dropout_zero_ratio",
               "test_training_dropout_zero_ratio_mask"}


def fmt_vals(a):
    if a.dtype == np.int64:
        return " ".join(str(int(v)) for v in a.flatten())
    return " ".join("%.9g" % float(v) for v in a.astype(np.float32).flatten())


def attr_line(a):
    h = onnx.helper.get_attribute_value(a)
    if a.type == onnx.AttributeProto.INT:
        return "attr %s int %d" % (a.name, h)
    if a.type == onnx.AttributeProto.FLOAT:
        return "attr %s float %.9g" % (a.name, h)
    if a.type == onnx.AttributeProto.STRING:
        return "attr %s string %s" % (a.name, h.decode())
    if a.type == onnx.AttributeProto.INTS:
        return "attr %s ints %s" % (a.name, " ".join(str(v) for v in h))
    if a.type == onnx.AttributeProto.FLOATS:
        return "attr %s floats %s" % (a.name, " ".join("%.9g" % v for v in h))
    return None


def tensor_line(kind, name, a):
    t = "int64" if a.dtype == np.int64 else "float"
    return "%s %s %s %d %s" % (kind, name, t, a.ndim, " ".join(str(d) for d in a.shape))


def convert(case):
    model = onnx.load(os.path.join(DATA, case, "model.onnx"))
    if len(model.graph.node) != 1:
        return None
    node = model.graph.node[0]
    if node.op_type not in OPS:
        return None
    ds = sorted(glob.glob(os.path.join(DATA, case, "test_data_set_0", "*.pb")))
    vals = {}
    ins = [p for p in ds if os.path.basename(p).startswith("input_")]
    outs = [p for p in ds if os.path.basename(p).startswith("output_")]
    # Only plain tensors (cases with sequences or optionals are skipped).
    if any(not v.type.HasField("tensor_type")
           for v in list(model.graph.input) + list(model.graph.output)):
        return None
    for gi, p in zip(model.graph.input, ins):
        vals[gi.name] = numpy_helper.to_array(onnx.load_tensor(p))
    expect = [numpy_helper.to_array(onnx.load_tensor(p)) for p in outs]
    arrays = list(vals.values()) + expect
    if any(a.dtype not in (np.float32, np.int64, np.bool_) for a in arrays):
        return None
    if sum(a.size for a in arrays) > MAX_ELEMS and case not in KEEP_BIG:
        return None
    if case not in UNSUPPORTED and not any(a.dtype == np.int64 for a in vals.values()):
        return None  # test_conformance runs it
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    lines = ["# source: onnx %s backend test %s" % (onnx.__version__, case),
             "opset %d" % opset, "op %s" % node.op_type]
    for a in node.attribute:
        line = attr_line(a)
        if line is None:
            return None
        lines.append(line)
    for name in node.input:
        if not name:
            lines.append("in - none")
            continue
        a = vals[name]
        if a.dtype == np.bool_:
            a = a.astype(np.int64)
        lines.append(tensor_line("in", name, a))
        lines.append(fmt_vals(a))
    if case in UNSUPPORTED:
        for name in node.output:
            lines.append("outname %s" % (name or "-"))
        lines.append("expect unsupported")
    else:
        if len(expect) != len([o for o in node.output if o]):
            return None
        for name, a in zip([o for o in node.output if o], expect):
            lines.append(tensor_line("out", name, a))
            lines.append(fmt_vals(a))
    return "\n".join(lines) + "\n"


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*.txt")):
        os.remove(old)
    count = 0
    for case in sorted(os.listdir(DATA)):
        if case.endswith("_expanded") or not case.startswith("test_"):
            continue
        text = convert(case)
        if text:
            with open(os.path.join(OUT, case[5:] + ".txt"), "w") as f:
                f.write(text)
            count += 1
    print("wrote %d cases to %s" % (count, OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
