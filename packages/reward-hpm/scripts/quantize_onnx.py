"""Dynamic int8 quantisation of exported ONNX graphs (onnx + numpy only; no onnxruntime Python tooling).

Writes, next to each onnx/<name>.onnx of a model folder, onnx/<name>_quantized.onnx: the layout transformers.js
loads for `dtype: 'q8'` (suffix '_quantized'), which our ImageReward sessions honour too.

What is quantised: every MatMul whose second input is a float32 initializer (HF/torch exports of nn.Linear on 3-D
activations), and every Gemm with a float32 initializer B (2-D projections). Default (`--activations per-sample`):

    s_b   = max|x_b| / 127 per sample b (Reshape, Abs, ReduceMax, Div)     activation scale, computed per call
    x_q   = QuantizeLinear(x, s, 128, axis=0)                              uint8, symmetric around 128
    y     = MatMulIntegerToFloat(x_q, W_q, 1, W_scale, 128, 0) · s_b        com.microsoft; W_q int8 [K, N], W_scale [N]
    (+ bias via Add, + Gemm's C)

so a sample's result does not depend on the rest of its batch (the reward contract requires it). `--standard-ops`
writes MatMulInteger → Cast → Mul → Mul instead of the com.microsoft op (same numbers, unfused, slower).
`--activations per-tensor` writes what onnxruntime's quantize_dynamic writes:

    x_q, x_scale, x_zp = DynamicQuantizeLinear(x)            uint8, one asymmetric scale for the whole batch
    y = Cast(MatMulInteger(x_q, W_q, x_zp, 0), float) · (x_scale · W_scale)

which onnxruntime fuses into DynamicQuantizeMatMul (one more bit of activation resolution, standard ops, but a score
then moves with its batch mates). Both run u8·s8 GEMMs (AVX-512 VNNI / AVX-VNNI when the CPU has them, vpmaddubsw on
plain AVX2). Attention's activation × activation MatMuls, the patch Conv, Gather embeddings, LayerNorm and softmax
stay float32. (onnxruntime's MatMulIntegerToFloat fusion assumes a scalar activation scale: fed a per-sample one it
gives wrong numbers, which is why the per-sample graph calls the fused op itself.)

Weights are symmetric (zero point 0). `--weight-bits 7` (default) keeps |W_q| <= 63: on AVX2 CPUs without VNNI the
u8s8 kernel adds pairs of u8·s8 products in int16 (vpmaddubsw), which saturates for 8-bit weights
(2·255·127 > 32767); with 7-bit weights it cannot (2·255·63 < 32767). On VNNI machines `--weight-bits 8` halves the
weight rounding error. `--per-tensor` uses one scale per matrix instead of one per output column.

Usage: /usr/bin/python3 quantize_onnx.py MODEL_DIR [--weight-bits 7|8] [--per-tensor] [--activations per-sample|per-tensor]
       [--standard-ops] [--suffix _quantized] [--only text_model vision_model]
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
    def __init__(self, model, bits, per_channel, activations, contrib):
        self.model = model
        self.graph = model.graph
        self.bits = bits
        self.per_channel = per_channel
        self.activations = activations
        self.contrib = contrib
        self.opset = next((i.version for i in model.opset_import if i.domain in ("", "ai.onnx")), 14)
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

    def const(self, base, array):
        name = self.fresh(base)
        self.new_inits.append(numpy_helper.from_array(array, name))
        return name

    def dynamic_quantize(self, x, out):
        """(x_q, x_scale, x_zp, output scale shape) for activation x, one quantisation per activation."""
        if x in self.quantized_inputs:
            return self.quantized_inputs[x]
        base = self.fresh(f"dq{len(self.quantized_inputs)}")
        if self.activations == "per-tensor":
            q, s, z = self.fresh(f"{base}_q"), self.fresh(f"{base}_scale"), self.fresh(f"{base}_zp")
            out.append(helper.make_node("DynamicQuantizeLinear", [x], [q, s, z], name=base))
            self.quantized_inputs[x] = (q, s, z, s)
            return self.quantized_inputs[x]
        # Per sample (axis 0): symmetric uint8 around 128, scale_b = max|x_b| / 127. A sample's result then does not
        # depend on the other samples of its batch (per-tensor scales would make scores batch-dependent).
        flat, absx, amax, scale, zp_f, zp, q, scale_b = (self.fresh(f"{base}_{k}") for k in ("flat", "abs", "amax", "scale", "zp_f", "zp", "q", "scale_b"))
        out.append(helper.make_node("Reshape", [x, self.const(f"{base}_flat_shape", np.array([0, -1], np.int64))], [flat]))
        out.append(helper.make_node("Abs", [flat], [absx]))
        if self.opset >= 18:
            out.append(helper.make_node("ReduceMax", [absx, self.const(f"{base}_axes", np.array([1], np.int64))], [amax], keepdims=0))
        else:
            out.append(helper.make_node("ReduceMax", [absx], [amax], axes=[1], keepdims=0))
        clamped = self.fresh(f"{base}_amax_clamped")
        out.append(helper.make_node("Max", [amax, self.const(f"{base}_eps", np.array(1e-8, np.float32))], [clamped]))
        out.append(helper.make_node("Div", [clamped, self.const(f"{base}_127", np.array(127.0, np.float32))], [scale]))
        # QuantizeLinear per axis wants a zero point per sample: 128 broadcast to the batch size.
        out.append(helper.make_node("Mul", [scale, self.const(f"{base}_zero", np.array(0.0, np.float32))], [zp_f + "_0"]))
        out.append(helper.make_node("Add", [zp_f + "_0", self.const(f"{base}_128f", np.array(128.0, np.float32))], [zp_f]))
        out.append(helper.make_node("Cast", [zp_f], [zp], to=TensorProto.UINT8))
        out.append(helper.make_node("QuantizeLinear", [x, scale, zp], [q], axis=0, name=base))
        # scale [B] -> [B, 1, ..., 1] of x's rank (known only at run time): shape = [-1] + ones(rank - 1).
        shape, ones, ones1, tail, target = (self.fresh(f"{base}_{k}") for k in ("shape", "ones0", "ones", "tail", "target"))
        out.append(helper.make_node("Shape", [x], [shape]))
        out.append(helper.make_node("Mul", [shape, self.const(f"{base}_i0", np.array(0, np.int64))], [ones]))
        out.append(helper.make_node("Add", [ones, self.const(f"{base}_i1", np.array(1, np.int64))], [ones1]))
        out.append(helper.make_node("Slice", [ones1, self.const(f"{base}_start", np.array([1], np.int64)), self.const(f"{base}_end", np.array([2 ** 62], np.int64))], [tail]))
        out.append(helper.make_node("Concat", [self.const(f"{base}_minus1", np.array([-1], np.int64)), tail], [target], axis=0))
        out.append(helper.make_node("Reshape", [scale, target], [scale_b]))
        self.names.add(zp_f + "_0")
        self.quantized_inputs[x] = (q, scale, self.const(f"{base}_zp128", np.array(128, np.uint8)), scale_b)
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
        xq, xs_tensor, xz, xs = self.dynamic_quantize(x, out)
        acc, acc_f, sc = self.fresh(f"{prefix}_int32"), self.fresh(f"{prefix}_int32_float"), self.fresh(f"{prefix}_scale")
        if xs == xs_tensor:  # per-tensor activations: y = acc · (x_scale · W_scale), which onnxruntime fuses whole
            out.append(helper.make_node("MatMulInteger", [xq, wq_name, xz, wz_name], [acc], name=self.fresh(f"{prefix}_MatMulInteger")))
            out.append(helper.make_node("Cast", [acc], [acc_f], to=TensorProto.FLOAT, name=self.fresh(f"{prefix}_Cast")))
            out.append(helper.make_node("Mul", [xs, ws_name], [sc], name=self.fresh(f"{prefix}_scale_Mul")))
            out.append(helper.make_node("Mul", [acc_f, sc], [y], name=self.fresh(f"{prefix}_output_Mul")))
        elif self.contrib:
            # Per sample, fused: com.microsoft MatMulIntegerToFloat with a_scale 1 and per-column W_scale (one u8·s8
            # GEMM with a float epilogue), then the per-sample factor. (Its a_scale must be scalar or per column: a
            # [B, 1, 1] a_scale gives wrong numbers, which is why onnxruntime's own fusion must not see one.)
            unscaled = self.fresh(f"{prefix}_unscaled")
            out.append(helper.make_node("MatMulIntegerToFloat", [xq, wq_name, self.const(f"{prefix}_one", np.array(1.0, np.float32)), ws_name, xz, wz_name],
                                        [unscaled], domain="com.microsoft", name=self.fresh(f"{prefix}_MatMulIntegerToFloat")))
            out.append(helper.make_node("Mul", [unscaled, xs], [y], name=self.fresh(f"{prefix}_sample_scale_Mul")))
        else:
            # Per sample, standard ops only: y = (Cast(acc) · W_scale) · x_scale[B, 1, ..] (not fused by onnxruntime).
            unscaled = self.fresh(f"{prefix}_unscaled")
            out.append(helper.make_node("MatMulInteger", [xq, wq_name, xz, wz_name], [acc], name=self.fresh(f"{prefix}_MatMulInteger")))
            out.append(helper.make_node("Cast", [acc], [acc_f], to=TensorProto.FLOAT, name=self.fresh(f"{prefix}_Cast")))
            out.append(helper.make_node("Mul", [acc_f, ws_name], [unscaled], name=self.fresh(f"{prefix}_output_Mul")))
            out.append(helper.make_node("Mul", [unscaled, xs], [y], name=self.fresh(f"{prefix}_sample_scale_Mul")))
        self.count += 1

    def run(self):
        out = []
        for node in self.graph.node:
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            prefix = f"q{self.count}"  # short names keep small models small (node names repeat in every tensor name)
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
        # MatMulInteger / DynamicQuantizeLinear need opset >= 11, per-axis QuantizeLinear >= 13.
        for imp in self.model.opset_import:
            if imp.domain in ("", "ai.onnx") and imp.version < 13:
                imp.version = 13
        if any(n.domain == "com.microsoft" for n in out) and not any(i.domain == "com.microsoft" for i in self.model.opset_import):
            self.model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
        return self.model


def quantize_file(src, dst, bits, per_channel, activations, contrib):
    model = onnx.load(src)
    rewriter = Rewriter(model, bits, per_channel, activations, contrib)
    model = rewriter.run()
    model.producer_name = "t2i-reward quantize_onnx.py"
    # Over protobuf's 2 GB (a ViT-H tower, say) the weights go to <file>_data, as the fp32 exports do.
    large = sum(len(t.raw_data) for t in model.graph.initializer) > 1_800_000_000
    if large:
        onnx.save(model, dst, save_as_external_data=True, all_tensors_to_one_file=True, location=os.path.basename(dst) + "_data")
        onnx.checker.check_model(dst)
    else:
        onnx.checker.check_model(model)
        onnx.save(model, dst)
    return {"file": os.path.basename(dst), "quantized": rewriter.count, "skipped": rewriter.skipped,
            "bytes_in": os.path.getsize(src), "bytes_out": os.path.getsize(dst)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--weight-bits", type=int, choices=(7, 8), default=7)
    ap.add_argument("--per-tensor", action="store_true", help="one weight scale per matrix instead of per output column")
    ap.add_argument("--activations", choices=("per-sample", "per-tensor"), default="per-sample")
    ap.add_argument("--standard-ops", action="store_true", help="per-sample without the com.microsoft MatMulIntegerToFloat op (slower on onnxruntime)")
    ap.add_argument("--suffix", default="_quantized", help="output file suffix (default: transformers.js' q8 name)")
    ap.add_argument("--only", nargs="*", help="session names (text_model, vision_model, model); default all fp32 files")
    args = ap.parse_args()
    onnx_dir = os.path.join(args.model_dir, "onnx")
    names = sorted(f[:-5] for f in os.listdir(onnx_dir) if f.endswith(".onnx") and not f[:-5].endswith(SUFFIXES + (args.suffix,)) and "_quantized" not in f)
    if args.only:
        names = [n for n in names if n in args.only]
    if not names:
        sys.exit(f"no fp32 onnx/*.onnx in {args.model_dir}")
    for name in names:
        info = quantize_file(os.path.join(onnx_dir, name + ".onnx"), os.path.join(onnx_dir, name + args.suffix + ".onnx"),
                             args.weight_bits, not args.per_tensor, args.activations, not args.standard_ops)
        print(json.dumps(info))


if __name__ == "__main__":
    main()
