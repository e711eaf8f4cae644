#!/usr/bin/python3
"""Builds the frontend test fixtures with the real ONNX tooling.

Valid models are made with onnx.helper, checked with onnx.checker, and
written exactly as google.protobuf.json_format.MessageToJson prints them, so
the tests read the true JSON mapping (and, for .onnx files, the true wire
format). Error fixtures are copies of a valid model with one thing broken,
made here so every edit is visible and reproducible.

Run with Debian's python3 (onnx 1.12, numpy): /usr/bin/python3 make_fixtures.py
"""
import base64
import copy
import json
import os
import re

import numpy as np
import onnx
from google.protobuf import json_format
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, text):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)


def model(nodes, inputs, outputs, inits, name="g", opset=13, value_info=()):
    g = helper.make_graph(nodes, name, inputs, outputs, inits, value_info=list(value_info))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="make_fixtures")
    return m


def save(name, m, check=True, binary=False):
    if check:
        onnx.checker.check_model(m, full_check=True)
    write(name + ".json", json_format.MessageToJson(m))
    if binary:
        with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())
    return json.loads(json_format.MessageToJson(m))


def dump(name, d):
    write(name + ".json", json.dumps(d, indent=2))


def vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


# conv_relu: Conv (3x3, pads 1, weights as rawData, bias as floatData) -> Relu.
# Weights are w[o][i][kh][kw] = o + 0.5*i - 0.25*kh + 0.125*kw, exact in binary.
W = np.fromfunction(lambda o, i, kh, kw: o + 0.5 * i - 0.25 * kh + 0.125 * kw,
                    (3, 2, 3, 3)).astype(np.float32)
def conv_relu():
    conv = helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv1",
                            kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    relu = helper.make_node("Relu", ["c"], ["y"], name="relu1")
    b = helper.make_tensor("b", TensorProto.FLOAT, [3], [0.5, -1.0, 2.0])
    return model([conv, relu], [vi("x", [1, 2, 4, 4])], [vi("y", [1, 3, 4, 4])],
                 [numpy_helper.from_array(W, "w"), b], name="conv_relu")


# attrs: every attribute type nnpipe keeps, and Constant nodes in all forms.
def attrs():
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv_same", auto_pad="SAME_UPPER",
                         strides=[1, 1], group=1),
        helper.make_node("LeakyRelu", ["c"], ["l"], name="leaky", alpha=0.25),
        helper.make_node("Constant", [], ["k_floats"], name="k1", value_floats=[1.5, -2.0, 0.25]),
        helper.make_node("Constant", [], ["k_tensor"], name="k2",
                         value=helper.make_tensor("kt", TensorProto.FLOAT, [1, 3, 1, 1],
                                                  [2.0, 3.0, 4.0])),
        helper.make_node("Constant", [], ["k_shape"], name="k3", value_ints=[1, -1]),
        helper.make_node("Constant", [], ["k_scalar"], name="k4", value_float=0.5),
        helper.make_node("Mul", ["l", "k_tensor"], ["m"], name="mul"),
        helper.make_node("Add", ["m", "k_scalar"], ["a"], name="add_scalar"),
        helper.make_node("Reshape", ["a", "k_shape"], ["r"], name="reshape"),
        helper.make_node("Softmax", ["r"], ["y"], name="softmax", axis=-1),
    ]
    w = numpy_helper.from_array(np.ones((3, 2, 1, 1), np.float32), "w")
    return model(nodes, [vi("x", [1, 2, 2, 2])], [vi("y", [1, 12])], [w], name="attrs")


# specials: float values written as "NaN"/"Infinity"/"-Infinity", int64 data
# as int64Data, an initializer also listed as a graph input (old exporters).
def specials():
    c = helper.make_tensor("c", TensorProto.FLOAT, [4],
                           [1.0, float("nan"), float("inf"), float("-inf")])
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [2, 2])
    nodes = [helper.make_node("Add", ["x", "c"], ["s"], name="add"),
             helper.make_node("Reshape", ["s", "shape"], ["y"], name="reshape")]
    m = model(nodes, [vi("x", [4]), vi("c", [4])], [vi("y", [2, 2])], [c, shape],
              name="specials")
    return m


# mlp_opsetN: the same small network at opsets 11, 12 and 13, with weights as
# float_data (packed), a bias as raw_data and a Reshape shape as int64_data.
def mlp(opset):
    wt = helper.make_tensor("w", TensorProto.FLOAT, [4, 3],
                            [0.5 * i - 1.0 for i in range(12)])
    bias = numpy_helper.from_array(np.array([0.25, -0.5, 1.0], np.float32), "bias")
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [1, 4])
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["flat"], name="reshape"),
             helper.make_node("Gemm", ["flat", "w", "bias"], ["g"], name="gemm", alpha=0.5),
             helper.make_node("Relu", ["g"], ["r"], name="relu"),
             helper.make_node("Softmax", ["r"], ["y"], name="softmax", axis=1)]
    return model(nodes, [vi("x", [1, 2, 2])], [vi("y", [1, 3])], [wt, bias, shape],
                 name="mlp_opset%d" % opset, opset=opset)


def external():
    """conv_relu with its weights in a file beside the model."""
    d = os.path.join(HERE, "external")
    os.makedirs(d, exist_ok=True)
    m = conv_relu()
    onnx.save_model(m, os.path.join(d, "conv_relu_ext.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.data", size_threshold=0)
    onnx.checker.check_model(os.path.join(d, "conv_relu_ext.onnx"))


def snake(name):
    return re.sub(r"([A-Z])", lambda mo: "_" + mo.group(1).lower(), name)


def to_snake(d):
    """The same message with original proto field names (op_type...)."""
    if isinstance(d, dict):
        return {snake(k): to_snake(v) for k, v in d.items()}
    if isinstance(d, list):
        return [to_snake(v) for v in d]
    return d


ATTR_NUM = {"FLOAT": 1, "INT": 2, "STRING": 3, "TENSOR": 4, "GRAPH": 5, "FLOATS": 6, "INTS": 7}


def numeric_variant(d):
    """int64s as JSON numbers and enums by number: what protobuf's JSON
    parser also accepts."""
    d = copy.deepcopy(d)
    def walk(x, key=None):
        if isinstance(x, dict):
            for k, v in list(x.items()):
                if k in ("dims", "ints", "int64Data", "int64_data") and isinstance(v, list):
                    x[k] = [int(s) for s in v]
                elif k in ("i", "dimValue", "dim_value", "version", "irVersion", "ir_version"):
                    x[k] = int(v)
                elif k == "type" and isinstance(v, str):
                    x[k] = ATTR_NUM[v]
                else:
                    walk(v, k)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(d)
    return d


def main():
    base = save("conv_relu", conv_relu(), binary=True)
    for opset in (11, 12, 13):
        save("mlp_opset%d" % opset, mlp(opset), binary=True)
    external()
    blob = conv_relu().SerializeToString()
    with open(os.path.join(HERE, "err_truncated.onnx"), "wb") as f:
        f.write(blob[:200])
    save("attrs", attrs())
    save("specials", specials())
    dump("conv_relu_snake", numeric_variant(to_snake(base)))

    # Syntax: a missing comma on a known line, a truncated file, empty files.
    text = json_format.MessageToJson(conv_relu())
    lines = text.split("\n")
    k = next(i for i, l in enumerate(lines) if l.strip() == '"opType": "Conv",')
    lines[k] = lines[k].rstrip(",")            # the error is the next line's '"'
    write("err_missing_comma.json", "\n".join(lines))
    write("err_truncated.json", text[: len(text) // 2])
    write("err_empty.json", "")
    write("err_blank.json", "  \n\t\n")

    def variant(name, edit):
        d = copy.deepcopy(base)
        edit(d)
        dump(name, d)

    g = lambda d: d["graph"]
    node = lambda d, i: d["graph"]["node"][i]
    init = lambda d, nm: next(t for t in d["graph"]["initializer"] if t["name"] == nm)

    variant("err_unknown_op", lambda d: node(d, 1).update(opType="Frobnicate"))
    variant("err_domain", lambda d: node(d, 1).update(domain="com.example"))
    variant("err_dangling", lambda d: node(d, 1).update(input=["c_typo"]))
    variant("err_missing_init", lambda d: g(d).update(
        initializer=[t for t in g(d)["initializer"] if t["name"] != "b"]))
    variant("err_raw_length", lambda d: init(d, "w").update(
        rawData=base64.b64encode(W.tobytes()[:-4]).decode()))
    variant("err_float_count", lambda d: init(d, "b").update(floatData=[0.5, -1.0]))
    variant("err_base64", lambda d: init(d, "w").update(
        rawData=init(d, "w")["rawData"][:10] + "!" + init(d, "w")["rawData"][11:]))
    variant("err_dup_init", lambda d: g(d)["initializer"].append(copy.deepcopy(init(d, "b"))))
    variant("err_double", lambda d: init(d, "b").update(
        dataType=11, doubleData=[0.5, -1.0, 2.0], floatData=[]))
    variant("err_neg_dim", lambda d: init(d, "b").update(dims=["-3"]))
    variant("err_huge_dim", lambda d: g(d)["input"][0]["type"]["tensorType"]["shape"]["dim"][0]
            .update(dimValue=str(1 << 40)))
    variant("err_overflow_dims", lambda d: init(d, "b").update(
        dims=[str(1 << 30)] * 3))
    variant("err_symbolic", lambda d: g(d)["input"][0]["type"]["tensorType"]["shape"]["dim"][0]
            .clear() or g(d)["input"][0]["type"]["tensorType"]["shape"]["dim"][0]
            .update(dimParam="batch"))
    variant("err_no_graph", lambda d: d.pop("graph"))
    variant("err_cycle", lambda d: node(d, 0).update(input=["y", "w", "b"]))
    variant("err_graph_attr", lambda d: node(d, 1).setdefault("attribute", []).append(
        {"name": "body", "type": "GRAPH", "g": {"name": "sub"}}))
    variant("err_dup_attr", lambda d: node(d, 0)["attribute"].append(
        copy.deepcopy(node(d, 0)["attribute"][0])))
    variant("err_bad_int", lambda d: node(d, 0)["attribute"][0].update(ints=["3", "3x"]))
    variant("err_declared_shape", lambda d: g(d)["output"][0]["type"]["tensorType"]["shape"]
            ["dim"][1].update(dimValue="5"))
    variant("err_shape_mismatch", lambda d: init(d, "w").update(
        dims=["3", "3", "3", "3"],
        rawData=base64.b64encode(np.zeros((3, 3, 3, 3), np.float32).tobytes()).decode()))
    variant("err_int_input", lambda d: g(d)["input"][0]["type"]["tensorType"].update(elemType=7))


if __name__ == "__main__":
    main()
