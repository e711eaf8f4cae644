#!/usr/bin/python3
"""Builds the visualiser test fixtures with the real ONNX tooling.

convpool.json: one small Conv (2 -> 4 channels, 3x3, pad 1) with a bias, a
Relu and a 2x2 MaxPool on a 1x2x6x6 input: on the target in
viz_target.json it lowers to six tiles of load, compute, pool and store ops
whose costs are small enough to check by hand (test_viz_golden.c).
escape.json: the Conv with node and tensor names full of characters that
XML, DOT and JSON must escape.
alias.json: a lone Identity, which lowers to no op at all: an empty plan.

Run with Debian's python3 (onnx 1.12, numpy): /usr/bin/python3 make_fixtures.py
"""
import os

import numpy as np
import onnx
from google.protobuf import json_format
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def conv_nodes(name="conv", out="c"):
    rng = np.random.default_rng(5)
    w = numpy_helper.from_array(rng.standard_normal((4, 2, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "b")
    conv = helper.make_node("Conv", ["x", "w", "b"], [out], name=name,
                            kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    relu = helper.make_node("Relu", [out], ["r"], name="relu")
    return [conv, relu], [w, b]


def save(name, nodes, inits, out, out_shape):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6, 6])
    y = helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)
    g = helper.make_graph(nodes, name, [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="make_fixtures")
    onnx.checker.check_model(m, full_check=True)
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        f.write(json_format.MessageToJson(m))
        f.write("\n")


def main():
    nodes, inits = conv_nodes()
    nodes.append(helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2],
                                  strides=[2, 2]))
    save("convpool", nodes, inits, "p", [1, 4, 3, 3])
    nodes, inits = conv_nodes(name='c<1> & "x"', out="t<'&'>")
    save("escape", nodes, inits, "r", [1, 4, 6, 6])
    save("alias", [helper.make_node("Identity", ["x"], ["y"], name="id")], [], "y",
         [1, 2, 6, 6])


if __name__ == "__main__":
    main()
