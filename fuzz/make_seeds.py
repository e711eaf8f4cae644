#!/usr/bin/python3
"""Writes fuzz/seeds/model/: tiny ONNX models (both .onnx and the JSON
mapping) that between them use every op and attribute nnpipe reads, so the
model and pipeline fuzzers start from small inputs that reach every op,
rather than only from the large samples. Needs python3-onnx (Debian).

Run from anywhere: /usr/bin/python3 fuzz/make_seeds.py (Debian's python3)"""
import os

import numpy as np
from google.protobuf import json_format
from onnx import TensorProto, checker, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "model")
rng = np.random.default_rng(8)


def init(name, shape, dtype=np.float32, raw=True):
    a = rng.uniform(-1, 1, shape).astype(dtype)
    t = numpy_helper.from_array(a, name)
    if not raw:  # the typed-field form (float_data / int64_data)
        t = helper.make_tensor(name, t.data_type, shape, a.flatten().tolist())
    return t


def ishape(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def save(stem, nodes, inputs, outputs, inits, opset=13):
    g = helper.make_graph(nodes, stem, inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="nnpipe-fuzz-seeds")
    m.ir_version = 7
    checker.check_model(m, full_check=True)
    with open(os.path.join(OUT, stem + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())
    with open(os.path.join(OUT, stem + ".json"), "w") as f:
        f.write(json_format.MessageToJson(m))


def main():
    os.makedirs(OUT, exist_ok=True)
    N = helper.make_node
    save("conv_pool", [
        N("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 0, 1, 1], strides=[1, 2],
          dilations=[1, 1], group=1, kernel_shape=[3, 2]),
        N("Relu", ["c"], ["r"], name="relu"),
        N("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 1],
          ceil_mode=1, pads=[0, 1, 0, 0]),
        N("AveragePool", ["p"], ["y"], name="avg", kernel_shape=[2, 2], auto_pad="SAME_UPPER",
          count_include_pad=1),
    ], [vi("x", [1, 2, 6, 6])], [vi("y", [1, 4, 3, 3])],
        [init("w", [4, 2, 3, 2]), init("b", [4], raw=False)])
    save("depthwise_bn", [
        N("Conv", ["x", "w"], ["c"], name="dw", group=3, auto_pad="SAME_LOWER",
          kernel_shape=[3, 3]),
        N("BatchNormalization", ["c", "s", "bb", "m", "v"], ["n"], name="bn", epsilon=1e-3),
        N("Clip", ["n", "lo", "hi"], ["k"], name="clip"),
        N("GlobalAveragePool", ["k"], ["y"], name="gap"),
    ], [vi("x", [1, 3, 5, 5])], [vi("y", [1, 3, 1, 1])],
        [init("w", [3, 1, 3, 3]), init("s", [3]), init("bb", [3]), init("m", [3]),
         numpy_helper.from_array(np.array([0.5, 1.0, 2.0], np.float32), "v"),
         numpy_helper.from_array(np.array(-0.5, np.float32), "lo"),
         numpy_helper.from_array(np.array(0.5, np.float32), "hi")])
    save("gemm_softmax", [
        N("Flatten", ["x"], ["f"], name="flat", axis=1),
        N("Gemm", ["f", "w", "c"], ["g"], name="fc", alpha=0.5, beta=2.0, transB=1),
        N("LeakyRelu", ["g"], ["l"], name="lrelu", alpha=0.1),
        N("Softmax", ["l"], ["y"], name="sm", axis=-1),
    ], [vi("x", [2, 3, 2])], [vi("y", [2, 4])],
        [init("w", [4, 6]), init("c", [4])])
    save("concat_reshape", [
        N("Sigmoid", ["x"], ["s"], name="sig"),
        N("Concat", ["x", "s", "k"], ["c"], name="cat", axis=1),
        N("Reshape", ["c", "shape"], ["r"], name="reshape"),
        N("MatMul", ["r", "w"], ["m"], name="mm"),
        N("Add", ["m", "bias"], ["a"], name="add"),
        N("Mul", ["a", "x2"], ["y"], name="mul"),
    ], [vi("x", [1, 2, 4]), vi("x2", [3])], [vi("y", [1, 2, 3])],
        [init("k", [1, 1, 4]), ishape("shape", [0, -1, 10]), init("w", [10, 3]),
         init("bias", [1, 3])])
    save("legacy_opset11", [
        N("GlobalMaxPool", ["x"], ["g"], name="gmp"),
        N("Identity", ["g"], ["i"], name="id"),
        N("Dropout", ["i"], ["d"], name="drop"),
        N("Softmax", ["d"], ["y"], name="sm", axis=1),
    ], [vi("x", [1, 3, 4, 4])], [vi("y", [1, 3, 1, 1])], [], opset=11)
    save("conv1d_pool3d", [
        N("Conv", ["x", "w"], ["c"], name="conv1d", strides=[2], pads=[1, 1], dilations=[2]),
        N("Reshape", ["c", "shape"], ["r"], name="to3d"),
        N("MaxPool", ["r"], ["y"], name="pool3d", kernel_shape=[1, 2, 2], dilations=[1, 1, 2],
          storage_order=0),
    ], [vi("x", [1, 2, 9])], [vi("y", [1, 1, 2, 1, 2])],
        [init("w", [4, 2, 3]), ishape("shape", [1, 1, 2, 2, 4])])


if __name__ == "__main__":
    main()
