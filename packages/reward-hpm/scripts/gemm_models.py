"""Two one-node ONNX models for the int8 ceiling bench (bench_gemm_ceiling.ts): a [M, K] x [K, N] fp32 MatMul and
the same GEMM as our q8 files compute it (com.microsoft MatMulIntegerToFloat, uint8 activations around 128, 7-bit
int8 weights, per-column scales). M = 400 is a batch of 8 ViT-B/32 images (50 tokens each), K x N = 768 x 3072 its
MLP projection.

Usage: /usr/bin/python3 gemm_models.py OUT_DIR [M K N]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    m, k, n = (int(v) for v in sys.argv[2:5]) if len(sys.argv) >= 5 else (400, 768, 3072)
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((k, n)).astype(np.float32)
    fp32 = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"])], "fp32",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(w, "W")])
    onnx.save(helper.make_model(fp32, opset_imports=[helper.make_opsetid("", 17)]), os.path.join(out, "fp32.onnx"))
    q8 = helper.make_graph(
        [helper.make_node("MatMulIntegerToFloat", ["x", "Wq", "a_scale", "b_scale", "a_zero", "b_zero"], ["y"], domain="com.microsoft")], "q8",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(rng.integers(-63, 64, (k, n)).astype(np.int8), "Wq"),
         numpy_helper.from_array(np.array(0.01, np.float32), "a_scale"),
         numpy_helper.from_array(np.full((n,), 0.01, np.float32), "b_scale"),
         numpy_helper.from_array(np.array(128, np.uint8), "a_zero"),
         numpy_helper.from_array(np.zeros((n,), np.int8), "b_zero")])
    onnx.save(helper.make_model(q8, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]), os.path.join(out, "q8.onnx"))
    print(f"{m} {k} {n}")


if __name__ == "__main__":
    main()
