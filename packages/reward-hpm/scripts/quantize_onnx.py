"""Dynamic int8 quantisation of exported ONNX graphs (onnx + numpy only; no onnxruntime Python tooling).

Writes, next to each onnx/<name>.onnx of a model folder, onnx/<name>_quantized.onnx: the layout transformers.js
loads for `dtype: 'q8'` (suffix '_quantized'), which our ImageReward sessions honour too.

What is quantised: every MatMul whose second input is a float32 initializer (HF/torch exports of nn.Linear on 3-D
activations), and every Gemm with a float32 initializer B (2-D projections), rewritten with standard ONNX ops:

    x_q, x_scale, x_zp = DynamicQuantizeLinear(x)            activations: uint8, per tensor, computed per call
    y_i32 = MatMulInteger(x_q, W_q, x_zp, W_zp)              W_q int8 [K, N], W_zp int8 zeros [N]
    y     = Cast(y_i32, float) * Mul(x_scale, W_scale)       W_scale float [N] (per output channel) or scalar
    (+ bias via Add, + Gemm's C)

onnxruntime fuses this chain into DynamicQuantizeMatMul (its MatMulIntegerToFloat / DynamicQuantizeMatMul fusions),
which runs u8·s8 GEMMs (AVX-512 VNNI / AVX-VNNI when the CPU has them, vpmaddubsw on plain AVX2). The same graph runs
on onnxruntime-web. Attention's activation × activation MatMuls, the patch Conv, Gather embeddings, LayerNorm and
softmax stay float32.

Weights are symmetric (zero point 0). `--weight-bits 7` (default) keeps |W_q| <= 63: on AVX2 CPUs without VNNI the
u8s8 kernel adds pairs of u8·s8 products in int16 (vpmaddubsw), which saturates for 8-bit weights
(2·255·127 > 32767); with 7-bit weights it cannot (2·255·63 < 32767). On VNNI machines `--weight-bits 8` halves the
weight rounding error. `--per-tensor` uses one scale per matrix instead of one per output column.

Usage: /usr/bin/python3 quantize_onnx.py MODEL_DIR [--weight-bits 7|8] [--per-tensor] [--only text_model vision_model]
Prints one JSON line per file: {file, quantized (count of MatMul/Gemm rewritten), skipped, bytes_in, bytes_out}.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SUFFIXES = ("_quantized", "_fp16", "_int8", "_uint8", "_q4", "_q4f16", "_bnb4")


def quantize_weight(w, bits, per_channel):
    """Symmetric int8 quantisation of W [K, N]: returns (W_q int8 [K, N], scale float32 [N] or [])."""
    qmax = float(2 ** (bits - 1) - 1)
    amax = np.abs(w).max(axis=0) if per_channel else np.array(np.abs(w).max())
    scale = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -qmax, qmax).astype(np.int8)
    return q, scale


class Rewriter:
    def __init__(self, model, bits, per_channel):
        self.model = model
        self.graph = model.graph
        self.bits = bits
        self.per_channel = per_channel
        self.inits = {t.name: t for t in self.graph.initializer}
        self.names = {n for node in self.graph.node for n in list(node.input) + list(node.output)} | set(self.inits)
        self.new_inits = []
        self.quantized_inputs = {}  # activation name -> (x_q, x_scale, x_zp), one DynamicQuantizeLinear per activation
        self.count = 0
        self.skipped = []

    def fresh(self, base):
        name, k = base, 0
        while name in self.names:
            k += 1
            name = f"{base}_{k}"
        self.names.add(name)
        return name

    def float_init(self, name):
        t = self.inits.get(name)
        if t is None or t.data_type != TensorProto.FLOAT:
            return None
        return numpy_helper.to_array(t)

    def dynamic_quantize(self, x, out):
        if x not in self.quantized_inputs:
            base = self.fresh(f"{x}_dq")
            q, s, z = self.fresh(f"{base}_q"), self.fresh(f"{base}_scale"), self.fresh(f"{base}_zp")
            out.append(helper.make_node("DynamicQuantizeLinear", [x], [q, s, z], name=base))
            self.quantized_inputs[x] = (q, s, z)
        return self.quantized_inputs[x]

    def integer_matmul(self, x, w, y, prefix, out):
        """Emit the quantised chain computing y = x @ w (w float32 [K, N])."""
        wq, scale = quantize_weight(w, self.bits, self.per_channel)
        wq_name, ws_name, wz_name = self.fresh(f"{prefix}_W_quantized"), self.fresh(f"{prefix}_W_scale"), self.fresh(f"{prefix}_W_zero_point")
        self.new_inits += [
            numpy_helper.from_array(wq, wq_name),
            numpy_helper.from_array(scale, ws_name),
            numpy_helper.from_array(np.zeros(scale.shape, np.int8), wz_name),
        ]
        xq, xs, xz = self.dynamic_quantize(x, out)
        acc, acc_f, sc = self.fresh(f"{prefix}_int32"), self.fresh(f"{prefix}_int32_float"), self.fresh(f"{prefix}_scale")
        out.append(helper.make_node("MatMulInteger", [xq, wq_name, xz, wz_name], [acc], name=self.fresh(f"{prefix}_MatMulInteger")))
        out.append(helper.make_node("Cast", [acc], [acc_f], to=TensorProto.FLOAT, name=self.fresh(f"{prefix}_Cast")))
        out.append(helper.make_node("Mul", [xs, ws_name], [sc], name=self.fresh(f"{prefix}_scale_Mul")))
        out.append(helper.make_node("Mul", [acc_f, sc], [y], name=self.fresh(f"{prefix}_output_Mul")))
        self.count += 1

    def run(self):
        out = []
        for node in self.graph.node:
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            prefix = node.name or node.output[0]
            if node.op_type == "MatMul" and node.domain in ("", "ai.onnx"):
                w = self.float_init(node.input[1])
                if w is not None and w.ndim == 2:
                    self.integer_matmul(node.input[0], w, node.output[0], prefix, out)
                    continue
                if w is not None:
                    self.skipped.append(f"{prefix}: weight rank {w.ndim}")
            elif node.op_type == "Gemm" and node.domain in ("", "ai.onnx"):
                b = self.float_init(node.input[1])
                ok = b is not None and not attrs.get("transA", 0) and attrs.get("alpha", 1.0) == 1.0 and attrs.get("beta", 1.0) == 1.0
                if ok:
                    w = b.T if attrs.get("transB", 0) else b
                    if len(node.input) > 2 and node.input[2]:
                        mid = self.fresh(f"{prefix}_no_bias")
                        self.integer_matmul(node.input[0], w, mid, prefix, out)
                        out.append(helper.make_node("Add", [mid, node.input[2]], [node.output[0]], name=self.fresh(f"{prefix}_bias_Add")))
                    else:
                        self.integer_matmul(node.input[0], w, node.output[0], prefix, out)
                    continue
                self.skipped.append(f"{prefix}: Gemm with transA/alpha/beta or non-constant B")
            out.append(node)
        used = {n for node in out for n in node.input}
        kept = [t for t in self.graph.initializer if t.name in used]
        del self.graph.node[:]
        self.graph.node.extend(out)
        del self.graph.initializer[:]
        self.graph.initializer.extend(kept + self.new_inits)
        # MatMulInteger and DynamicQuantizeLinear are opset 10/11 ops: make sure the default domain is >= 11.
        for imp in self.model.opset_import:
            if imp.domain in ("", "ai.onnx") and imp.version < 11:
                imp.version = 11
        return self.model


def quantize_file(src, dst, bits, per_channel):
    model = onnx.load(src)
    rewriter = Rewriter(model, bits, per_channel)
    model = rewriter.run()
    model.producer_name = "t2i-reward quantize_onnx.py"
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return {"file": os.path.basename(dst), "quantized": rewriter.count, "skipped": rewriter.skipped,
            "bytes_in": os.path.getsize(src), "bytes_out": os.path.getsize(dst)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--weight-bits", type=int, choices=(7, 8), default=7)
    ap.add_argument("--per-tensor", action="store_true")
    ap.add_argument("--only", nargs="*", help="session names (text_model, vision_model, model); default all fp32 files")
    args = ap.parse_args()
    onnx_dir = os.path.join(args.model_dir, "onnx")
    names = sorted(f[:-5] for f in os.listdir(onnx_dir) if f.endswith(".onnx") and not f[:-5].endswith(SUFFIXES))
    if args.only:
        names = [n for n in names if n in args.only]
    if not names:
        sys.exit(f"no fp32 onnx/*.onnx in {args.model_dir}")
    for name in names:
        info = quantize_file(os.path.join(onnx_dir, name + ".onnx"), os.path.join(onnx_dir, name + "_quantized.onnx"),
                             args.weight_bits, not args.per_tensor)
        print(json.dumps(info))


if __name__ == "__main__":
    main()
