#!/usr/bin/env python3
"""Corral's LoRA trainer: a child process of `corral serve` (src/finetune/trainer-process.ts).

    corral_trainer.py train CONFIG.json [--detached]
    corral_trainer.py greedy --model M.gguf --tokens 1,2,3 --count N [--adapter A.safetensors --alpha A]
    corral_trainer.py probe

It reads the base model from its GGUF file (GGUF v3, ggml/docs/gguf.md), dequantizes it to float32 and runs the
forward pass of llama.cpp's graph for that architecture (llama.cpp src/models/llama.cpp, qwen2.cpp, qwen3.cpp) in
PyTorch, with trainable LoRA matrices beside the frozen weights. The result is `adapter.safetensors` in GGUF
tensor naming and layout, which adapter-gguf.ts turns into a GGUF LoRA adapter for llama.cpp.

Protocol: stdout carries only JSON messages, one per line, flushed at once (trainer-protocol.ts has their schemas);
everything else goes to stderr. Supervision: EOF on stdin (the parent died or closed it) exits at once, a stdin line
{"type":"cancel"} or SIGTERM stops at the next micro-batch with {"type":"cancelled"}. Only the standard library,
numpy and torch are used.
"""

import argparse
import hashlib
import json
import math
import os
import signal
import struct
import sys
import threading
import time
import traceback

np = None  # numpy and torch are imported in main(), so their absence becomes an error message, not a traceback
torch = None
F = None

LORA_MODULES = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")
ARCHITECTURES = ("llama", "qwen2", "qwen3")
CHECKPOINTS_KEPT = 2


class TrainerError(Exception):
    """An expected failure (bad config, bad file, unsupported model): its message is the whole story."""


# ---------------------------------------------------------------------------------------------------------------
# Output and supervision

_STDOUT = sys.stdout
_EMIT_LOCK = threading.Lock()
_STATE = {"eof_exit_code": 3}
_CANCEL = threading.Event()


def emit(message):
    """Writes one protocol message on the real stdout and flushes it."""
    line = json.dumps(message, separators=(",", ":"), allow_nan=False)
    with _EMIT_LOCK:
        _STDOUT.write(line + "\n")
        _STDOUT.flush()


def warn(text):
    print(f"corral-trainer: warning: {text}", file=sys.stderr, flush=True)


def _watch_stdin():
    # The parent keeps our stdin open while it lives: EOF means it died or gave up on us, and an orphaned trainer
    # would hold CPU, GPU and memory forever, so leave without cleanup (os._exit skips atexit and other threads).
    try:
        for raw in sys.stdin.buffer:
            try:
                message = json.loads(raw)
            except ValueError:
                warn(f"ignored a stdin line that is not JSON: {raw[:200]!r}")
                continue
            if isinstance(message, dict) and message.get("type") == "cancel":
                _CANCEL.set()
            else:
                warn(f"ignored an unknown stdin message: {raw[:200]!r}")
    finally:
        os._exit(_STATE["eof_exit_code"])


def start_supervision(watch_stdin):
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: _CANCEL.set())
    if watch_stdin:
        threading.Thread(target=_watch_stdin, name="stdin-watch", daemon=True).start()


class Cancelled(Exception):
    pass


def check_cancel():
    if _CANCEL.is_set():
        raise Cancelled()


# ---------------------------------------------------------------------------------------------------------------
# GGUF reader (header, metadata of every value type, tensor infos) and ggml dequantization

_SCALAR_FORMATS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_ARRAY_DTYPES = {
    0: "<u1", 1: "<i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "<u1", 10: "<u8", 11: "<i8", 12: "<f8",
}
_STRING, _ARRAY = 8, 9

# ggml.h `enum ggml_type`: id → (name, elements per block, bytes per block); ids without a size are named only.
GGML_TYPES = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36), 10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98), 19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110), 22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
}
DEQUANTIZABLE = ("F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K")


def type_name(type_id):
    return GGML_TYPES[type_id][0] if type_id in GGML_TYPES else f"type {type_id}"


class GgufFile:
    """A GGUF v3 (or v2) file: `metadata`, `tensors` (name → (dims innermost first, type id, absolute offset))."""

    def __init__(self, path):
        self.path = path
        try:
            self._map = np.memmap(path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as err:
            raise TrainerError(f"cannot open the base model {path}: {err}") from err
        self._pos = 0
        self.metadata = {}
        self.tensors = {}
        self._parse()

    def _fail(self, why):
        return TrainerError(f"{self.path} is not a valid GGUF file: {why}")

    def _take(self, n, what):
        if n < 0 or self._pos + n > len(self._map):
            raise self._fail(f"truncated while reading {what}")
        start = self._pos
        self._pos += n
        return self._map[start : self._pos]

    def _unpack(self, fmt, what):
        return struct.unpack(fmt, self._take(struct.calcsize(fmt), what).tobytes())[0]

    def _string(self, what):
        n = self._unpack("<Q", what)
        return self._take(n, what).tobytes().decode("utf-8", errors="replace")

    def _value(self, vtype, key):
        if vtype in _SCALAR_FORMATS:
            return self._unpack(_SCALAR_FORMATS[vtype], key)
        if vtype == _STRING:
            return self._string(key)
        if vtype == _ARRAY:
            item = self._unpack("<I", key)
            count = self._unpack("<Q", key)
            if item in _ARRAY_DTYPES:
                dtype = np.dtype(_ARRAY_DTYPES[item])
                return np.frombuffer(self._take(count * dtype.itemsize, key), dtype=dtype).copy()
            if item == _STRING:
                if count > len(self._map) // 8:
                    raise self._fail(f"{key}: absurd array length {count}")
                return [self._string(key) for _ in range(count)]
            if item == _ARRAY:
                if count > len(self._map) // 12:
                    raise self._fail(f"{key}: absurd array length {count}")
                return [self._value(_ARRAY, key) for _ in range(count)]
            raise self._fail(f"{key}: unknown array item type {item}")
        raise self._fail(f"{key}: unknown value type {vtype}")

    def _parse(self):
        if len(self._map) < 24 or self._map[:4].tobytes() != b"GGUF":
            raise self._fail("wrong magic (expected the bytes 'GGUF')")
        self._pos = 4
        version = self._unpack("<I", "header")
        if version not in (2, 3):
            raise self._fail(f"unsupported GGUF version {version}")
        n_tensors = self._unpack("<Q", "header")
        n_kv = self._unpack("<Q", "header")
        if n_tensors > len(self._map) // 24 or n_kv > len(self._map) // 13:
            raise self._fail("absurd tensor or metadata count")
        for _ in range(n_kv):
            key = self._string("a metadata key")
            self.metadata[key] = self._value(self._unpack("<I", key), key)
        infos = []
        for _ in range(n_tensors):
            name = self._string("a tensor name")
            n_dims = self._unpack("<I", name)
            if n_dims > 4:
                raise self._fail(f"tensor {name} has {n_dims} dimensions")
            dims = [self._unpack("<Q", name) for _ in range(n_dims)]
            infos.append((name, dims, self._unpack("<I", name), self._unpack("<Q", name)))
        alignment = int(self.metadata.get("general.alignment", 32))
        if alignment <= 0 or alignment & (alignment - 1):
            raise self._fail(f"general.alignment {alignment} is not a power of two")
        data = self._pos + (-self._pos % alignment)
        for name, dims, type_id, offset in infos:
            self.tensors[name] = (dims, type_id, data + offset)

    def arch_value(self, arch, key, default=None, required=False):
        value = self.metadata.get(f"{arch}.{key}", default)
        if value is None and required:
            raise TrainerError(f"{self.path}: metadata {arch}.{key} is missing")
        return value

    def array(self, name):
        """The tensor as a float32 numpy array, outermost dimension first (GGUF ne=[in, out] → shape (out, in))."""
        if name not in self.tensors:
            raise TrainerError(f"{self.path}: tensor {name} is missing")
        dims, type_id, start = self.tensors[name]
        tname = type_name(type_id)
        if tname not in DEQUANTIZABLE:
            raise TrainerError(
                f"tensor {name} of {self.path} has type {tname}, which the trainer cannot read "
                f"(supported: {', '.join(DEQUANTIZABLE)}); use an F16, BF16, Q8_0, Q4_K or Q6_K base model"
            )
        _, block, block_bytes = GGML_TYPES[type_id]
        count = int(np.prod(dims)) if dims else 1
        if count % block:
            raise self._fail(f"tensor {name}: {count} elements do not fill {tname} blocks of {block}")
        size = count // block * block_bytes
        if start + size > len(self._map):
            raise self._fail(f"tensor {name} runs past the end of the file (truncated?)")
        flat = dequantize(tname, self._map[start : start + size], count)
        return flat.reshape(list(reversed(dims)) or [1])


def _f16(raw, offset):
    return raw[:, offset : offset + 2].copy().view("<f2").astype(np.float32)  # (blocks, 1)


def _nibbles(qs):
    # ggml: in each block, element j < 16 is the low nibble of byte j, element j + 16 its high nibble.
    return np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)


def _q5_high_bits(raw, offset):
    qh = raw[:, offset : offset + 4].copy().view("<u4")  # (blocks, 1)
    bits = (qh >> np.arange(32, dtype=np.uint32)) & 1  # bit j is the fifth bit of element j
    return (bits.astype(np.uint8) << 4).astype(np.float32)


def _k_scales(s):
    # ggml-quants.c get_scale_min_k4: 8 six-bit scales and 8 six-bit mins packed in 12 bytes.
    scales = np.empty((s.shape[0], 8), dtype=np.float32)
    mins = np.empty((s.shape[0], 8), dtype=np.float32)
    scales[:, :4] = s[:, 0:4] & 63
    mins[:, :4] = s[:, 4:8] & 63
    scales[:, 4:] = (s[:, 8:12] & 0x0F) | ((s[:, 0:4] >> 6) << 4)
    mins[:, 4:] = (s[:, 8:12] >> 4) | ((s[:, 4:8] >> 6) << 4)
    return scales, mins


def _dequantize_k(tname, blocks):
    """K-quants (super-blocks of 256): (blocks, 256) float32, as dequantize_row_q{4,5,6}_K compute them."""
    n = blocks.shape[0]
    if tname == "Q6_K":  # ql[128], qh[64], int8 scales[16] (one per 16 elements), f16 d
        ql, qh = blocks[:, :128], blocks[:, 128:192]
        scales = blocks[:, 192:208].copy().view(np.int8).astype(np.float32)
        halves = []
        for h in range(2):
            lo, hi, bits = ql[:, 64 * h : 64 * h + 32], ql[:, 64 * h + 32 : 64 * h + 64], qh[:, 32 * h : 32 * h + 32]
            halves += [
                (lo & 0x0F) | ((bits & 3) << 4),
                (hi & 0x0F) | (((bits >> 2) & 3) << 4),
                (lo >> 4) | (((bits >> 4) & 3) << 4),
                (hi >> 4) | (((bits >> 6) & 3) << 4),
            ]
        q = np.concatenate(halves, axis=1).astype(np.float32) - 32
        return (_f16(blocks, 208) * np.repeat(scales, 16, axis=1)) * q
    # Q4_K: f16 d, f16 dmin, scales[12], qs[128]; Q5_K adds qh[32] (bit k of byte l: 5th bit of sub-block k).
    d, dmin = _f16(blocks, 0), _f16(blocks, 2)
    scales, mins = _k_scales(blocks[:, 4:16])
    qs = blocks[:, -128:].reshape(n, 4, 1, 32)
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=2).reshape(n, 8, 32).astype(np.float32)
    if tname == "Q5_K":
        qh = blocks[:, 16:48]
        q += (((qh[:, None, :] >> np.arange(8, dtype=np.uint8)[None, :, None]) & 1) * 16).astype(np.float32)
    return ((d * scales)[:, :, None] * q - (dmin * mins)[:, :, None]).reshape(n, 256)


def dequantize(tname, raw, count):
    """ggml-quants.c `dequantize_row_*` in numpy: `raw` bytes of `count` elements of type `tname` → float32."""
    if tname == "F32":
        return np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if tname == "F16":
        return np.frombuffer(raw, dtype="<f2").astype(np.float32)
    if tname == "BF16":
        return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    if tname in ("Q4_K", "Q5_K", "Q6_K"):
        return _dequantize_k(tname, np.asarray(raw).reshape(count // 256, -1)).reshape(-1)
    blocks = np.asarray(raw).reshape(count // 32, -1)
    if tname == "Q8_0":  # f16 d, int8 qs[32]
        out = _f16(blocks, 0) * blocks[:, 2:].copy().view(np.int8).astype(np.float32)
    elif tname == "Q4_0":  # f16 d, qs[16]: (q - 8) * d
        out = _f16(blocks, 0) * (_nibbles(blocks[:, 2:]) - 8)
    elif tname == "Q4_1":  # f16 d, f16 m, qs[16]: q * d + m
        out = _f16(blocks, 0) * _nibbles(blocks[:, 4:]) + _f16(blocks, 2)
    elif tname == "Q5_0":  # f16 d, u32 qh, qs[16]: (q | high << 4) - 16, times d
        out = _f16(blocks, 0) * (_nibbles(blocks[:, 6:]) + _q5_high_bits(blocks, 2) - 16)
    elif tname == "Q5_1":  # f16 d, f16 m, u32 qh, qs[16]: (q | high << 4) * d + m
        out = _f16(blocks, 0) * (_nibbles(blocks[:, 8:]) + _q5_high_bits(blocks, 4)) + _f16(blocks, 2)
    else:
        raise TrainerError(f"cannot dequantize {tname}")
    return out.reshape(-1)


# ---------------------------------------------------------------------------------------------------------------
# The model: llama.cpp's graph for llama / qwen2 / qwen3 in PyTorch, frozen float32 weights, optional LoRA


class Hyper:
    """Hyper-parameters of a base model, read from its GGUF metadata as llama.cpp's llama-model.cpp reads them."""

    def __init__(self, gguf):
        arch = gguf.metadata.get("general.architecture")
        if arch not in ARCHITECTURES:
            raise TrainerError(
                f"{gguf.path}: architecture {arch!r} is not supported by the trainer "
                f"(supported: {', '.join(ARCHITECTURES)}; Mistral-style models use 'llama')"
            )
        if int(gguf.arch_value(arch, "expert_count", 0)) > 0:
            raise TrainerError(f"{gguf.path}: mixture-of-experts models are not supported by the trainer")
        self.arch = arch
        self.n_embd = int(gguf.arch_value(arch, "embedding_length", required=True))
        self.n_layer = int(gguf.arch_value(arch, "block_count", required=True))
        self.n_head = int(gguf.arch_value(arch, "attention.head_count", required=True))
        self.n_head_kv = int(gguf.arch_value(arch, "attention.head_count_kv", self.n_head))
        if self.n_head <= 0 or self.n_head_kv <= 0 or self.n_head % self.n_head_kv:
            raise TrainerError(f"{gguf.path}: {self.n_head} attention heads do not share {self.n_head_kv} KV heads")
        self.head_k = int(gguf.arch_value(arch, "attention.key_length", self.n_embd // self.n_head))
        self.head_v = int(gguf.arch_value(arch, "attention.value_length", self.head_k))
        self.eps = float(gguf.arch_value(arch, "attention.layer_norm_rms_epsilon", required=True))
        self.rope_base = float(gguf.arch_value(arch, "rope.freq_base", 10000.0))
        self.n_rot = int(gguf.arch_value(arch, "rope.dimension_count", self.head_k))
        if self.n_rot % 2 or self.n_rot > self.head_k:
            raise TrainerError(f"{gguf.path}: rope dimension {self.n_rot} does not fit heads of {self.head_k}")
        # llama-model.cpp: the frequency scale is 1/factor whatever the scaling type; YaRN and LongRoPE add more.
        scaling = gguf.arch_value(arch, "rope.scaling.type", "linear")
        if scaling not in ("none", "linear"):
            raise TrainerError(f"{gguf.path}: rope scaling {scaling!r} is not supported by the trainer (only linear)")
        factor = gguf.arch_value(arch, "rope.scaling.factor") or gguf.arch_value(arch, "rope.scale_linear") or 0.0
        self.rope_freq_scale = 1.0 / float(factor) if float(factor) > 0 else 1.0
        # llama.cpp: LLAMA_ROPE_TYPE_NORM for llama (rotates adjacent pairs; the converter permuted q/k rows for
        # it), NEOX for the Qwen family (rotates x[i] with x[i + n_rot/2]).
        self.rope_neox = arch != "llama"


def mkldnn_usable(device):
    # Debian's python3-torch calls the system libblas.so.3, by default the reference BLAS: a 512×1024×1024
    # product takes ~350 ms there against ~6 ms through oneDNN (built into torch). So on CPU the frozen weights are
    # multiplied through oneDNN, whatever BLAS is installed.
    return device.type == "cpu" and torch.backends.mkldnn.is_available()


def _make_onednn_linear():
    class OneDnnLinear(torch.autograd.Function):
        """y = x Wᵀ for a frozen W through oneDNN; the backward pass gives only the input's gradient."""

        @staticmethod
        def forward(ctx, x, frozen):
            ctx.frozen = frozen
            flat = x.reshape(-1, frozen.in_features).contiguous().to_mkldnn()
            y = torch._C._nn.mkldnn_linear(flat, frozen.forward_weight).to_dense()
            return y.reshape(*x.shape[:-1], frozen.out_features)

        @staticmethod
        def backward(ctx, grad):
            frozen = ctx.frozen
            flat = grad.reshape(-1, frozen.out_features).contiguous().to_mkldnn()
            gx = torch._C._nn.mkldnn_linear(flat, frozen.backward_weight).to_dense()
            return gx.reshape(*grad.shape[:-1], frozen.in_features), None

    return OneDnnLinear


class Frozen:
    """A frozen weight matrix (out, in) and the fastest exact float32 way to multiply by it on its device."""

    onednn = None

    def __init__(self, weight, device, use_onednn):
        self.out_features, self.in_features = weight.shape
        if use_onednn:
            dense = torch.from_numpy(weight)
            self.forward_weight = dense.to_mkldnn()
            self.backward_weight = dense.t().contiguous().to_mkldnn()
            self.dense = None
            if Frozen.onednn is None:
                Frozen.onednn = _make_onednn_linear()
        else:
            self.dense = torch.from_numpy(weight).to(device)

    def __call__(self, x):
        if self.dense is not None:
            return F.linear(x, self.dense)
        return Frozen.onednn.apply(x, self)


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def build_model_classes():
    """The torch.nn classes, defined once torch is imported."""
    nn = torch.nn

    class Linear(nn.Module):
        """y = x Wᵀ (+ b) + (alpha / rank) · dropout(x) Aᵀ Bᵀ; W, b frozen, A and B trained (B starts at 0)."""

        def __init__(self, frozen, bias, lora, device):
            super().__init__()
            self.frozen = frozen
            self.bias = bias
            self.lora_a = None
            self.lora_b = None
            if lora is not None:
                rank = lora["rank"]
                bound = 1.0 / math.sqrt(frozen.in_features)  # PEFT's kaiming_uniform_(a=√5) for A
                a = torch.empty(rank, frozen.in_features).uniform_(-bound, bound)
                self.lora_a = nn.Parameter(a.to(device))
                self.lora_b = nn.Parameter(torch.zeros(frozen.out_features, rank, device=device))
                self.scale = lora["alpha"] / rank
                self.dropout = nn.Dropout(lora["dropout"]) if lora["dropout"] > 0 else nn.Identity()

        def forward(self, x):
            y = self.frozen(x)
            if self.bias is not None:
                y = y + self.bias
            if self.lora_a is not None:
                y = y + F.linear(F.linear(self.dropout(x), self.lora_a), self.lora_b) * self.scale
            return y

    class Block(nn.Module):
        def __init__(self, hp, tensors, lora_targets):
            super().__init__()
            self.hp = hp
            self.norms = tensors["norms"]
            self.proj = nn.ModuleDict({m: tensors[m] for m in LORA_MODULES})

        def forward(self, x, rope):
            hp, B, T = self.hp, x.shape[0], x.shape[1]
            h = rms_norm(x, self.norms["attn_norm"], hp.eps)
            q = self.proj["attn_q"](h).view(B, T, hp.n_head, hp.head_k)
            k = self.proj["attn_k"](h).view(B, T, hp.n_head_kv, hp.head_k)
            v = self.proj["attn_v"](h).view(B, T, hp.n_head_kv, hp.head_v)
            if "attn_q_norm" in self.norms:  # qwen3: RMSNorm of each head before RoPE
                q = rms_norm(q, self.norms["attn_q_norm"], hp.eps)
                k = rms_norm(k, self.norms["attn_k_norm"], hp.eps)
            q, k = rope(q), rope(k)
            q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
            group = hp.n_head // hp.n_head_kv
            if group > 1:  # ggml broadcasts KV head j to query heads j·group … (j+1)·group − 1
                k = k.repeat_interleave(group, dim=1)
                v = v.repeat_interleave(group, dim=1)
            scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(hp.head_k))
            causal = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(causal, float("-inf"))
            att = torch.matmul(torch.softmax(scores, dim=-1), v)
            x = x + self.proj["attn_output"](att.transpose(1, 2).reshape(B, T, hp.n_head * hp.head_v))
            h = rms_norm(x, self.norms["ffn_norm"], hp.eps)
            return x + self.proj["ffn_down"](F.silu(self.proj["ffn_gate"](h)) * self.proj["ffn_up"](h))

    class Model(nn.Module):
        def __init__(self, hp, embed, blocks, output_norm, output, rope_factors, device):
            super().__init__()
            self.hp = hp
            self.embed = embed
            self.blocks = nn.ModuleList(blocks)
            self.output_norm = output_norm
            self.output = output
            self.device = device
            half = hp.n_rot // 2
            inv = hp.rope_base ** (-np.arange(half, dtype=np.float64) * 2.0 / hp.n_rot) * hp.rope_freq_scale
            if rope_factors is not None:  # llama 3 `rope_freqs.weight`: theta divided by the factor
                inv = inv / rope_factors.astype(np.float64)
            self.inv_freq = inv
            self._rope_cache = {}

        def rope_tables(self, T):
            if T not in self._rope_cache:
                angles = np.arange(T, dtype=np.float64)[:, None] * self.inv_freq[None, :]
                cos = torch.from_numpy(np.cos(angles).astype(np.float32)).to(self.device)[:, None, :]
                sin = torch.from_numpy(np.sin(angles).astype(np.float32)).to(self.device)[:, None, :]
                self._rope_cache = {T: (cos, sin)}
            return self._rope_cache[T]

        def hidden(self, tokens):
            """Final-norm hidden states (B, T, n_embd) of a batch of token ids (B, T)."""
            hp = self.hp
            cos, sin = self.rope_tables(tokens.shape[1])
            n_rot, half = hp.n_rot, hp.n_rot // 2

            def rope(x):  # x: (B, T, heads, head_dim)
                rot, rest = x[..., :n_rot], x[..., n_rot:]
                if hp.rope_neox:
                    x0, x1 = rot[..., :half], rot[..., half:]
                    out = torch.cat([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1)
                else:
                    x0, x1 = rot[..., 0::2], rot[..., 1::2]
                    out = torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1).flatten(-2)
                return out if rest.shape[-1] == 0 else torch.cat([out, rest], dim=-1)

            x = F.embedding(tokens, self.embed)
            for block in self.blocks:
                x = block(x, rope)
            return rms_norm(x, self.output_norm, hp.eps)

        def logits(self, tokens):
            return self.output(self.hidden(tokens))

    return Linear, Block, Model


def load_model(path, device, lora=None, merge=None):
    """The base model at `path` on `device`; `lora` ({rank, alpha, dropout, target_modules}) adds trainable
    adapters, `merge` ({tensor name: float32 delta}) adds fixed deltas to weights (greedy with an adapter)."""
    gguf = GgufFile(path)
    hp = Hyper(gguf)
    Linear, Block, Model = build_model_classes()
    use_onednn = mkldnn_usable(device)
    targets = set(lora["target_modules"]) if lora else set()

    def weight(name):
        w = gguf.array(name)
        if merge and name in merge:
            delta = merge.pop(name)
            if delta.shape != w.shape:
                raise TrainerError(
                    f"adapter tensor for {name} has shape {list(delta.shape)}, the model {list(w.shape)}"
                )
            w = w + delta
        return np.ascontiguousarray(w, dtype=np.float32)

    def vector(name, optional=False):
        if optional and name not in gguf.tensors:
            return None
        return torch.from_numpy(np.ascontiguousarray(gguf.array(name).reshape(-1))).to(device)

    def check(name, shape):
        if name not in gguf.tensors:
            raise TrainerError(f"{gguf.path}: tensor {name} is missing")
        w_shape = list(reversed(gguf.tensors[name][0])) if name in gguf.tensors else None
        if w_shape != list(shape):
            raise TrainerError(f"{gguf.path}: tensor {name} has shape {w_shape}, expected {list(shape)}")

    embed_np = weight("token_embd.weight")
    n_vocab = embed_np.shape[0]
    if embed_np.shape[1] != hp.n_embd:
        raise TrainerError(f"{gguf.path}: token_embd.weight has width {embed_np.shape[1]}, expected {hp.n_embd}")
    q_out, kv_k, kv_v = hp.n_head * hp.head_k, hp.n_head_kv * hp.head_k, hp.n_head_kv * hp.head_v
    blocks = []
    for i in range(hp.n_layer):
        p = f"blk.{i}"
        shapes = {
            "attn_q": (q_out, hp.n_embd), "attn_k": (kv_k, hp.n_embd), "attn_v": (kv_v, hp.n_embd),
            "attn_output": (hp.n_embd, hp.n_head * hp.head_v),
        }
        n_ff = gguf.tensors.get(f"{p}.ffn_up.weight", ([0, 0],))[0][-1]
        shapes.update({"ffn_gate": (n_ff, hp.n_embd), "ffn_up": (n_ff, hp.n_embd), "ffn_down": (hp.n_embd, n_ff)})
        if f"{p}.ffn_gate_inp.weight" in gguf.tensors:
            raise TrainerError(f"{gguf.path}: mixture-of-experts models are not supported by the trainer")
        tensors = {"norms": {"attn_norm": vector(f"{p}.attn_norm.weight"), "ffn_norm": vector(f"{p}.ffn_norm.weight")}}
        if hp.arch == "qwen3":
            tensors["norms"]["attn_q_norm"] = vector(f"{p}.attn_q_norm.weight")
            tensors["norms"]["attn_k_norm"] = vector(f"{p}.attn_k_norm.weight")
        for module in LORA_MODULES:
            name = f"{p}.{module}.weight"
            check(name, shapes[module])
            bias = vector(f"{p}.{module}.bias", optional=True) if module in ("attn_q", "attn_k", "attn_v") else None
            frozen = Frozen(weight(name), device, use_onednn)
            spec = lora if module in targets else None
            tensors[module] = Linear(frozen, bias, spec, device)
        blocks.append(Block(hp, tensors, targets))
    output_name = "output.weight" if "output.weight" in gguf.tensors else "token_embd.weight"
    output_np = weight(output_name) if output_name == "output.weight" else embed_np
    check(output_name, (n_vocab, hp.n_embd))
    # llama.cpp loads `rope_freqs.weight` (llama 3.1+ frequency factors) for the llama architecture only.
    has_factors = hp.arch == "llama" and "rope_freqs.weight" in gguf.tensors
    rope_factors = gguf.array("rope_freqs.weight").reshape(-1) if has_factors else None
    if rope_factors is not None and rope_factors.shape[0] != hp.n_rot // 2:
        raise TrainerError(
            f"{gguf.path}: rope_freqs.weight has {rope_factors.shape[0]} factors, expected {hp.n_rot // 2}"
        )
    if merge:
        raise TrainerError(f"the adapter adapts tensors the model does not have: {', '.join(sorted(merge))}")
    model = Model(
        hp,
        torch.from_numpy(embed_np).to(device),
        blocks,
        vector("output_norm.weight"),
        Frozen(output_np, device, use_onednn),
        rope_factors,
        device,
    )
    model.n_vocab = n_vocab
    model.total_parameters = sum(int(np.prod(d)) if d else 1 for d, _, _ in gguf.tensors.values())
    return model


def lora_tensors(model):
    """name → (lora_a Parameter, lora_b Parameter) in block and module order."""
    out = {}
    for i, block in enumerate(model.blocks):
        for module in LORA_MODULES:
            linear = block.proj[module]
            if linear.lora_a is not None:
                out[f"blk.{i}.{module}.weight"] = (linear.lora_a, linear.lora_b)
    return out


# ---------------------------------------------------------------------------------------------------------------
# safetensors (huggingface/safetensors: u64 LE header length, JSON header, data)


def atomic_write(path, write):
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)

    def write(f):
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)

    atomic_write(path, write)


def read_safetensors(path):
    """(name → float32 array, metadata) of an F32/F16 safetensors file."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as err:
        raise TrainerError(f"cannot read the adapter {path}: {err}") from err
    if len(raw) < 8:
        raise TrainerError(f"{path} is not a safetensors file")
    n = struct.unpack("<Q", raw[:8])[0]
    try:
        header = json.loads(raw[8 : 8 + n])
    except ValueError as err:
        raise TrainerError(f"{path} is not a safetensors file: {err}") from err
    metadata = header.pop("__metadata__", {}) or {}
    out = {}
    for name, entry in header.items():
        dtype = {"F32": "<f4", "F16": "<f2"}.get(entry.get("dtype"))
        if dtype is None:
            raise TrainerError(f"{path}: tensor {name} has dtype {entry.get('dtype')}, expected F32 or F16")
        begin, end = entry["data_offsets"]
        data = np.frombuffer(raw[8 + n + begin : 8 + n + end], dtype=dtype)
        out[name] = data.astype(np.float32).reshape(entry["shape"])
    return out, metadata


# ---------------------------------------------------------------------------------------------------------------
# Config and data

_CONFIG_KEYS = {
    "base_model": str, "train_data": str, "valid_data": (str, type(None)), "output_dir": str, "lora": dict,
    "learning_rate": (int, float), "lr_schedule": str, "warmup_steps": int, "weight_decay": (int, float),
    "epochs": int, "batch_size": int, "grad_accum": int, "max_seq_len": int, "seed": int,
    "checkpoint_every": int, "eval_every": int, "threads": int, "resume": bool, "device": str,
}
_OPTIONAL = {"valid_data": None, "lr_schedule": "constant", "warmup_steps": 0, "weight_decay": 0.0, "grad_accum": 1,
             "seed": 42, "checkpoint_every": 0, "eval_every": 0, "threads": 1, "resume": True, "device": "auto"}


def _is(value, types):
    # JSON true/false are Python bools, and bool is a subclass of int: refuse them where a number is expected.
    allowed = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in allowed:
        return False
    return isinstance(value, types)


def parse_config(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            raw = json.load(f)
    except OSError as err:
        raise TrainerError(f"cannot read the config {path}: {err}") from err
    except ValueError as err:
        raise TrainerError(f"the config {path} is not JSON: {err}") from err
    if not isinstance(raw, dict):
        raise TrainerError(f"the config {path} is not a JSON object")
    problems = []
    config = dict(_OPTIONAL)
    for key, value in raw.items():
        if key not in _CONFIG_KEYS:
            problems.append(f"unknown key {key!r}")
        elif not _is(value, _CONFIG_KEYS[key]):
            problems.append(f"{key} has the wrong type ({type(value).__name__})")
        else:
            config[key] = value
    for key in _CONFIG_KEYS:
        if key not in config and key not in raw:
            problems.append(f"{key} is missing")
    if problems:
        raise TrainerError("invalid trainer config: " + "; ".join(problems))

    def need(ok, message):
        if not ok:
            problems.append(message)

    for key in ("base_model", "train_data", "output_dir"):
        need(os.path.isabs(config[key]), f"{key} must be an absolute path")
    need(config["valid_data"] is None or os.path.isabs(config["valid_data"]), "valid_data must be an absolute path")
    need(math.isfinite(config["learning_rate"]) and config["learning_rate"] > 0, "learning_rate must be > 0")
    need(config["lr_schedule"] in ("constant", "linear", "cosine"), "lr_schedule must be constant, linear or cosine")
    need(config["weight_decay"] >= 0, "weight_decay must be >= 0")
    for key in ("epochs", "batch_size", "grad_accum", "max_seq_len", "threads"):
        need(config[key] >= 1, f"{key} must be >= 1")
    need(config["max_seq_len"] >= 2, "max_seq_len must be >= 2")
    for key in ("warmup_steps", "checkpoint_every", "eval_every", "seed"):
        need(config[key] >= 0, f"{key} must be >= 0")
    need(config["device"] in ("auto", "cpu", "cuda"), "device must be auto, cpu or cuda")
    lora = config["lora"]
    lora_keys = {"rank": int, "alpha": (int, float), "dropout": (int, float), "target_modules": list}
    for key, types in lora_keys.items():
        if key not in lora:
            problems.append(f"lora.{key} is missing")
        elif not _is(lora[key], types):
            problems.append(f"lora.{key} has the wrong type ({type(lora[key]).__name__})")
    for key in lora:
        need(key in lora_keys, f"unknown key lora.{key!r}")
    if problems:
        raise TrainerError("invalid trainer config: " + "; ".join(problems))
    need(lora["rank"] >= 1, "lora.rank must be >= 1")
    need(lora["alpha"] > 0, "lora.alpha must be > 0")
    need(0 <= lora["dropout"] < 1, "lora.dropout must be in [0, 1)")
    need(len(lora["target_modules"]) > 0, "lora.target_modules must not be empty")
    for m in lora["target_modules"]:
        need(m in LORA_MODULES, f"lora.target_modules: {m!r} is not one of {', '.join(LORA_MODULES)}")
    need(len(set(lora["target_modules"])) == len(lora["target_modules"]), "lora.target_modules has duplicates")
    if problems:
        raise TrainerError("invalid trainer config: " + "; ".join(problems))
    lora["alpha"] = float(lora["alpha"])
    lora["dropout"] = float(lora["dropout"])
    return config


def load_examples(path, max_seq_len, n_vocab, label):
    """[(tokens int64, mask float32)] of a JSONL file; examples without any target after truncation are skipped."""
    examples = []
    skipped = truncated = 0
    try:
        f = open(path, "r", encoding="utf-8")
    except OSError as err:
        raise TrainerError(f"cannot read the {label} {path}: {err}") from err
    with f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{label} {path} line {number}"
            try:
                record = json.loads(line)
            except ValueError as err:
                raise TrainerError(f"{where}: not JSON ({err})") from err
            tokens = record.get("tokens") if isinstance(record, dict) else None
            mask = record.get("mask") if isinstance(record, dict) else None
            if not isinstance(tokens, list) or not isinstance(mask, list):
                raise TrainerError(f"{where}: expected an object with 'tokens' and 'mask' lists")
            if len(tokens) != len(mask):
                raise TrainerError(f"{where}: {len(tokens)} tokens but {len(mask)} mask values")
            if not all(type(t) is int and 0 <= t < n_vocab for t in tokens):
                raise TrainerError(f"{where}: tokens must be integers in [0, {n_vocab}) (the model's vocabulary)")
            if not all(m in (0, 1) and type(m) is not float for m in mask):
                raise TrainerError(f"{where}: mask values must be 0 or 1")
            if len(tokens) > max_seq_len:
                truncated += 1
                tokens, mask = tokens[:max_seq_len], mask[:max_seq_len]
            # mask[0] cannot count: nothing precedes the first token to predict it from.
            if sum(mask[1:]) == 0:
                skipped += 1
                continue
            examples.append((np.array(tokens, dtype=np.int64), np.array(mask, dtype=np.float32)))
    if truncated:
        warn(f"{truncated} {label} examples were longer than max_seq_len {max_seq_len} and were truncated")
    if skipped:
        warn(f"{skipped} {label} examples have no target tokens (after truncation) and were skipped")
    if not examples:
        raise TrainerError(f"the {label} {path} has no examples with target tokens")
    return examples


def collate(examples, indices, device):
    """Right-padded (tokens, mask) tensors; padding has mask 0 (causal attention never lets a real token see it)."""
    width = max(len(examples[i][0]) for i in indices)
    tokens = np.zeros((len(indices), width), dtype=np.int64)
    mask = np.zeros((len(indices), width), dtype=np.float32)
    for row, i in enumerate(indices):
        t, m = examples[i]
        tokens[row, : len(t)] = t
        mask[row, : len(m)] = m
    return torch.from_numpy(tokens).to(device), torch.from_numpy(mask).to(device)


def loss_sum(model, tokens, mask):
    """Sum of cross-entropies over target positions: position i−1 predicts token i when mask[i] = 1. Only target
    positions go through the output matrix (the largest one of small models)."""
    hidden = model.hidden(tokens[:, :-1])
    select = mask[:, 1:] > 0
    logits = model.output(hidden[select])
    return F.cross_entropy(logits, tokens[:, 1:][select], reduction="sum")


# ---------------------------------------------------------------------------------------------------------------
# Training


def learning_rate(config, step, total):
    """Rate of optimizer step `step` (0-based): linear warmup to the peak, then constant, linear or cosine to 0."""
    peak, warmup = config["learning_rate"], config["warmup_steps"]
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    if config["lr_schedule"] == "linear":
        return peak * max(0.0, 1.0 - progress)
    if config["lr_schedule"] == "cosine":
        return peak * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return peak


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint(config):
    """What a checkpoint must agree on to continue the same schedule."""
    keys = ("base_model", "lora", "learning_rate", "lr_schedule", "warmup_steps", "weight_decay", "epochs",
            "batch_size", "grad_accum", "max_seq_len", "seed")
    out = {k: config[k] for k in keys}
    out["train_data_sha256"] = file_digest(config["train_data"])
    out["base_model_bytes"] = os.path.getsize(config["base_model"])
    return out


class Checkpoints:
    """`output_dir/checkpoints/step-NNNNNNNN.pt`, written atomically, newest two kept."""

    def __init__(self, output_dir):
        self.dir = os.path.join(output_dir, "checkpoints")
        os.makedirs(self.dir, exist_ok=True)
        for name in os.listdir(self.dir):
            if ".tmp-" in name:  # left by a killed trainer mid-write
                os.remove(os.path.join(self.dir, name))

    def _steps(self):
        steps = []
        for name in os.listdir(self.dir):
            if name.startswith("step-") and name.endswith(".pt") and name[5:-3].isdigit():
                steps.append(int(name[5:-3]))
        return sorted(steps, reverse=True)

    def path(self, step):
        return os.path.join(self.dir, f"step-{step:08d}.pt")

    def save(self, state):
        path = self.path(state["step"])
        atomic_write(path, lambda f: torch.save(state, f))
        for old in self._steps()[CHECKPOINTS_KEPT:]:
            os.remove(self.path(old))

    def newest(self, device):
        for step in self._steps():
            try:
                return torch.load(self.path(step), map_location=device)
            except Exception as err:  # a damaged file: fall back to the one before (logged, not fatal)
                warn(f"checkpoint {self.path(step)} is unreadable ({err}); trying an older one")
        return None


def warn_if_reference_blas():
    # Attention products (torch.matmul on 3-D tensors) still go through the system BLAS; Debian's default
    # reference BLAS takes ~10 ms for a 256³ product where OpenBLAS takes well under 1 ms.
    a = torch.randn(256, 256)
    torch.mm(a, a)
    started = time.perf_counter()
    torch.mm(a, a)
    if time.perf_counter() - started > 0.005:
        warn(
            "PyTorch multiplies through a slow BLAS (Debian's reference libblas.so.3?): attention will be slow; "
            "install OpenBLAS (apt-get install libopenblas0-pthread) for faster training on CPU"
        )


def choose_device(config):
    cuda = torch.cuda.is_available()
    if config["device"] == "cuda" and not cuda:
        raise TrainerError("device 'cuda' was requested but torch.cuda.is_available() is false")
    return torch.device("cuda:0" if cuda and config["device"] != "cpu" else "cpu")


def evaluate(model, examples, batch_size, device):
    model.eval()
    total = count = 0.0
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            check_cancel()
            tokens, mask = collate(examples, range(start, min(start + batch_size, len(examples))), device)
            total += float(loss_sum(model, tokens, mask))
            count += float(mask[:, 1:].sum())
    model.train()
    return total / count


def train(config_path):
    config = parse_config(config_path)
    torch.set_num_threads(config["threads"])
    device = choose_device(config)
    if device.type == "cpu":
        warn_if_reference_blas()
    torch.manual_seed(config["seed"])
    lora = config["lora"]
    model = load_model(config["base_model"], device, lora=lora)
    train_set = load_examples(config["train_data"], config["max_seq_len"], model.n_vocab, "training data")
    valid_set = None
    if config["valid_data"] is not None:
        valid_set = load_examples(config["valid_data"], config["max_seq_len"], model.n_vocab, "validation data")
    os.makedirs(config["output_dir"], exist_ok=True)
    checkpoints = Checkpoints(config["output_dir"])
    pairs = lora_tensors(model)
    params = [p for pair in pairs.values() for p in pair]
    optimizer = torch.optim.AdamW(params, lr=config["learning_rate"], weight_decay=config["weight_decay"])

    bs, ga, epochs = config["batch_size"], config["grad_accum"], config["epochs"]
    micro_per_epoch = math.ceil(len(train_set) / bs)
    steps_per_epoch = math.ceil(micro_per_epoch / ga)
    total_steps = steps_per_epoch * epochs
    expected_fp = fingerprint(config)
    state = {"step": 0, "epoch_loss": [0.0, 0.0], "last_epoch_loss": None, "validation_loss": None}
    resumed_from = None
    if config["resume"]:
        saved = checkpoints.newest(device)
        if saved is not None:
            differs = sorted(k for k in expected_fp if saved["fingerprint"].get(k) != expected_fp[k])
            if differs:
                raise TrainerError(
                    f"the checkpoints in {checkpoints.dir} were made with a different {', '.join(differs)}: "
                    "start with resume false or remove that folder"
                )
            with torch.no_grad():
                for name, (a, b) in pairs.items():
                    a.copy_(saved["lora"][name + ".lora_a"])
                    b.copy_(saved["lora"][name + ".lora_b"])
            optimizer.load_state_dict(saved["optimizer"])
            torch.set_rng_state(saved["rng"])
            if device.type == "cuda" and saved.get("cuda_rng") is not None:
                torch.cuda.set_rng_state(saved["cuda_rng"])
            state = {k: saved[k] for k in state}
            resumed_from = saved["step"]

    emit({
        "type": "started", "total_steps": total_steps, "steps_per_epoch": steps_per_epoch,
        "trainable_parameters": sum(p.numel() for p in params), "total_parameters": model.total_parameters,
        "resumed_from_step": resumed_from, "device": str(device),
        "train_examples": len(train_set), "train_tokens": int(sum(len(t) for t, _ in train_set)),
    })

    def save_checkpoint():
        checkpoints.save({
            "format": 1, "fingerprint": expected_fp, "step": state["step"],
            "lora": {f"{n}.lora_{w}": t.detach().cpu() for n, pair in pairs.items() for w, t in zip("ab", pair)},
            "optimizer": optimizer.state_dict(), "rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state() if device.type == "cuda" else None,
            **{k: state[k] for k in ("epoch_loss", "last_epoch_loss", "validation_loss")},
        })
        emit({"type": "checkpoint", "step": state["step"]})

    def run_eval():
        state["validation_loss"] = evaluate(model, valid_set, bs, device)
        emit({"type": "eval", "step": state["step"], "validation_loss": state["validation_loss"]})

    model.train()
    window = []  # (seconds, tokens) of recent steps, for speed and ETA
    try:
        while state["step"] < total_steps:
            epoch = state["step"] // steps_per_epoch
            order = np.random.RandomState(config["seed"] + epoch).permutation(len(train_set))
            micro = [order[i : i + bs] for i in range(0, len(order), bs)]
            groups = [micro[i : i + ga] for i in range(0, len(micro), ga)]
            for index in range(state["step"] - epoch * steps_per_epoch, steps_per_epoch):
                started = time.perf_counter()
                group = groups[index]
                lr = learning_rate(config, state["step"], total_steps)
                for g in optimizer.param_groups:
                    g["lr"] = lr
                targets = float(sum(train_set[i][1][1:].sum() for mb in group for i in mb))
                tokens_seen = sum(len(train_set[i][0]) for mb in group for i in mb)
                optimizer.zero_grad(set_to_none=True)
                step_loss = 0.0
                for mb in group:
                    check_cancel()
                    tokens, mask = collate(train_set, mb, device)
                    loss = loss_sum(model, tokens, mask)
                    (loss / targets).backward()
                    step_loss += float(loss.detach())
                if not math.isfinite(step_loss):
                    raise TrainerError(
                        f"training diverged: the loss is {step_loss} at step {state['step'] + 1}; "
                        "lower the learning rate"
                    )
                check_cancel()
                optimizer.step()
                state["step"] += 1
                state["epoch_loss"] = [state["epoch_loss"][0] + step_loss, state["epoch_loss"][1] + targets]
                window = (window + [(time.perf_counter() - started, tokens_seen)])[-20:]
                seconds = sum(s for s, _ in window)
                emit({
                    "type": "progress", "step": state["step"], "total_steps": total_steps,
                    "epoch": round(state["step"] / steps_per_epoch, 4), "train_loss": step_loss / targets,
                    "learning_rate": lr, "tokens_per_second": sum(t for _, t in window) / max(seconds, 1e-9),
                    "eta_seconds": seconds / len(window) * (total_steps - state["step"]),
                })
                end_of_epoch = index == steps_per_epoch - 1
                step = state["step"]
                if valid_set is not None:
                    every = config["eval_every"]
                    if (every > 0 and (step % every == 0 or step == total_steps)) or (every == 0 and end_of_epoch):
                        run_eval()
                if end_of_epoch:
                    state["last_epoch_loss"] = state["epoch_loss"][0] / state["epoch_loss"][1]
                    state["epoch_loss"] = [0.0, 0.0]
                every = config["checkpoint_every"]
                if end_of_epoch or (every > 0 and step % every == 0):
                    save_checkpoint()
    except Cancelled:
        emit({"type": "cancelled", "step": state["step"]})
        return

    adapter = os.path.join(config["output_dir"], "adapter.safetensors")
    arrays = {}
    for name, (a, b) in pairs.items():
        arrays[f"{name}.lora_a"] = a.detach().cpu().numpy()
        arrays[f"{name}.lora_b"] = b.detach().cpu().numpy()
    write_safetensors(adapter, arrays, {
        "alpha": repr(lora["alpha"]), "rank": str(lora["rank"]), "architecture": model.hp.arch,
        "target_modules": ",".join(lora["target_modules"]), "steps": str(total_steps),
    })
    _STATE["eof_exit_code"] = 0  # finished: a parent that closes stdin after 'done' does not make this a failure
    emit({"type": "done", "adapter": os.path.abspath(adapter), "steps": total_steps,
          "train_loss": state["last_epoch_loss"], "validation_loss": state["validation_loss"]})


# ---------------------------------------------------------------------------------------------------------------
# greedy and probe


def greedy(args):
    """For each --tokens prompt, one line {"tokens": the next --count greedy tokens, "positions": the argmax after
    every prompt position (a teacher-forced check of the whole prompt)}."""
    torch.set_num_threads(max(1, args.threads))
    device = torch.device("cpu")
    prompts = []
    for text in args.tokens:
        try:
            prompts.append([int(t) for t in text.split(",") if t.strip()])
        except ValueError as err:
            raise TrainerError(f"--tokens must be comma-separated integers: {err}") from err
        if not prompts[-1]:
            raise TrainerError("--tokens is empty")
    merge = None
    if args.adapter:
        tensors, metadata = read_safetensors(args.adapter)
        alpha = args.alpha if args.alpha is not None else float(metadata.get("alpha", "nan"))
        if not math.isfinite(alpha):
            raise TrainerError("--alpha is needed: the adapter has no alpha in its metadata")
        merge = {}
        for name in tensors:
            if name.endswith(".lora_a"):
                base = name[: -len(".lora_a")]
                a, b = tensors[name], tensors.get(base + ".lora_b")
                if b is None:
                    raise TrainerError(f"{args.adapter}: {name} has no lora_b")
                merge[base] = (alpha / a.shape[0]) * (b @ a)
    model = load_model(args.model, device, merge=merge)
    model.eval()
    for tokens in prompts:
        if max(tokens) >= model.n_vocab or min(tokens) < 0:
            raise TrainerError(f"--tokens: ids must be in [0, {model.n_vocab})")
        out = []
        with torch.no_grad():
            positions = [int(t) for t in model.logits(torch.tensor([tokens], dtype=torch.long))[0].argmax(-1)]
            for _ in range(args.count):
                logits = model.logits(torch.tensor([tokens + out], dtype=torch.long))[0, -1]
                out.append(int(torch.argmax(logits)))
        emit({"tokens": out, "positions": positions})


def probe():
    devices = [{"id": "cpu", "name": "cpu"}]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            devices.append({"id": f"cuda:{i}", "name": p.name, "memory_bytes": int(p.total_memory)})
    emit({
        "torch": torch.__version__, "numpy": np.__version__, "python_version": sys.version.split()[0],
        "cuda": torch.cuda.is_available(), "devices": devices,
    })


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise TrainerError(f"{self.prog}: {message}")


def main(argv):
    # Only protocol messages may reach stdout: keep a private copy of it for emit(), and point file descriptor 1
    # (and sys.stdout) at stderr, so stray prints of ours or of native libraries land in the log instead.
    global _STDOUT, np, torch, F
    sys.stdout.flush()
    _STDOUT = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        parser = _Parser(prog="corral_trainer.py")
        sub = parser.add_subparsers(dest="command", required=True)
        p_train = sub.add_parser("train")
        p_train.add_argument("config")
        p_train.add_argument("--detached", action="store_true", help="do not watch stdin (manual runs)")
        p_greedy = sub.add_parser("greedy")
        p_greedy.add_argument("--model", required=True)
        p_greedy.add_argument("--tokens", required=True, action="append", help="comma-separated ids; repeatable")
        p_greedy.add_argument("--count", type=int, default=8)
        p_greedy.add_argument("--adapter")
        p_greedy.add_argument("--alpha", type=float)
        p_greedy.add_argument("--threads", type=int, default=1)
        sub.add_parser("probe")
        args = parser.parse_args(argv)
        if args.command == "train":  # before importing torch, which alone can take seconds
            start_supervision(watch_stdin=not args.detached)
        try:
            import numpy as np_module
            import torch as torch_module
        except ImportError as err:
            raise TrainerError(
                f"Python {sys.version.split()[0]} at {sys.executable} has no {err.name} module: "
                "install PyTorch (apt-get install python3-torch, or pip install torch)"
            ) from err
        np, torch, F = np_module, torch_module, torch_module.nn.functional
        if args.command == "train":
            train(args.config)
        elif args.command == "greedy":
            greedy(args)
        else:
            probe()
        return 0
    except TrainerError as err:
        emit({"type": "error", "message": str(err)})
        return 1
    except MemoryError:
        traceback.print_exc(file=sys.stderr)
        emit({"type": "error", "message": "out of memory (the base model is dequantized to float32)"})
        return 1
    except Exception as err:  # noqa: BLE001 - every failure becomes an error message; the traceback goes to stderr
        traceback.print_exc(file=sys.stderr)
        emit({"type": "error", "message": f"{type(err).__name__}: {err}"})
        return 1


if __name__ == "__main__":
    status = main(sys.argv[1:])
    _STDOUT.flush()
    sys.stderr.flush()
    # os._exit, not sys.exit: interpreter shutdown while the stdin watcher blocks in a read of sys.stdin aborts
    # ("could not acquire lock for <stdin> at interpreter shutdown"); every file is closed and flushed by now.
    os._exit(status)
