"""A plain-PyTorch Llama (the eager baseline of bench/peers when transformers is absent).

The same computation as transformers' LlamaForCausalLM in eager mode, written with torch
alone: embedding, per layer RMSNorm -> q/k/v projections -> RoPE -> grouped-query attention
with a causal mask and softmax -> o projection, RMSNorm -> SiLU-gated MLP, then the final norm
and lm_head over every position. Weights come from the folder's model.safetensors (read here:
Debian packages no safetensors module), shapes from its config.json.
"""
import json
import math
import os
import struct

import numpy
import torch

DTYPES = {"F32": numpy.float32, "F16": numpy.float16, "I64": numpy.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        if info["dtype"] == "BF16":  # bfloat16: the high half of a float32
            raw = numpy.frombuffer(data[begin:end], dtype=numpy.uint16).astype(numpy.uint32) << 16
            array = raw.view(numpy.float32)
        else:
            array = numpy.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]])
        out[name] = torch.from_numpy(array.copy()).view(info["shape"])
    return out


class RMSNorm(torch.nn.Module):
    def __init__(self, weight, eps):
        super().__init__()
        self.weight, self.eps = torch.nn.Parameter(weight), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Layer(torch.nn.Module):
    def __init__(self, c, w, p):
        super().__init__()
        self.heads, self.kv_heads = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
        self.head_dim = c["hidden_size"] // self.heads
        eps = c.get("rms_norm_eps", 1e-6)
        linear = lambda name: torch.nn.Parameter(w[p + name + ".weight"])
        self.input_norm = RMSNorm(w[p + "input_layernorm.weight"], eps)
        self.post_norm = RMSNorm(w[p + "post_attention_layernorm.weight"], eps)
        self.q, self.k, self.v, self.o = (linear("self_attn." + n + "_proj") for n in "qkvo")
        self.gate, self.up, self.down = (linear("mlp." + n + "_proj") for n in ("gate", "up", "down"))

    def forward(self, h, cos, sin, causal):
        B, L, _ = h.shape
        x = self.input_norm(h)
        q = (x @ self.q.t()).view(B, L, self.heads, self.head_dim).transpose(1, 2)
        k = (x @ self.k.t()).view(B, L, self.kv_heads, self.head_dim).transpose(1, 2)
        v = (x @ self.v.t()).view(B, L, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        groups = self.heads // self.kv_heads
        k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
        scores = (q @ k.transpose(2, 3)) / math.sqrt(self.head_dim) + causal
        attn = torch.softmax(scores, dim=-1) @ v
        h = h + attn.transpose(1, 2).reshape(B, L, -1) @ self.o.t()
        x = self.post_norm(h)
        return h + (torch.nn.functional.silu(x @ self.gate.t()) * (x @ self.up.t())) @ self.down.t()


class EagerLlama(torch.nn.Module):
    def __init__(self, folder):
        super().__init__()
        c = json.load(open(os.path.join(folder, "config.json")))
        w = read_safetensors(os.path.join(folder, "model.safetensors"))
        self.vocab_size = c["vocab_size"]
        self.embed = torch.nn.Parameter(w["model.embed_tokens.weight"])
        self.layers = torch.nn.ModuleList(Layer(c, w, f"model.layers.{l}.") for l in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(w["model.norm.weight"], c.get("rms_norm_eps", 1e-6))
        tied = c.get("tie_word_embeddings", False) or "lm_head.weight" not in w
        self.lm_head = self.embed if tied else torch.nn.Parameter(w["lm_head.weight"])
        head_dim = c["hidden_size"] // c["num_attention_heads"]
        self.inv_freq = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, head_dim, 2).float() / head_dim))

    def forward(self, ids):
        L = ids.shape[1]
        freqs = torch.outer(torch.arange(L).float(), self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        causal = torch.full((L, L), torch.finfo(torch.float32).min).triu(1)
        h = torch.nn.functional.embedding(ids, self.embed)
        for layer in self.layers:
            h = layer(h, cos, sin, causal)
        return self.norm(h) @ self.lm_head.t()  # logits [B, L, vocab]
