"""Writes a Mistral-7B-shaped Hugging Face folder with random bf16 weights (scripts/gpu-check).

    python3 bench/peers/write_mistral_shape.py DIR [LAYERS]

Widths are Mistral-7B-v0.1's (hidden 4096, intermediate 14336, 32 heads, 8 KV heads, vocab
32000); LAYERS defaults to 32. The weights are drawn on the GPU when there is one (seconds)
and saved as safetensors; the tokenizer is the fixture policy's (benchmarks feed token ids).
"""
import shutil
import sys

import torch
from transformers import MistralConfig, MistralForCausalLM

out = sys.argv[1]
layers = int(sys.argv[2]) if len(sys.argv) > 2 else 32
config = MistralConfig(vocab_size=32000, hidden_size=4096, intermediate_size=14336, num_hidden_layers=layers,
                       num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=32768,
                       rms_norm_eps=1e-5, rope_theta=10000.0, sliding_window=None, tie_word_embeddings=False,
                       torch_dtype="bfloat16", bos_token_id=1, eos_token_id=2)
device = "cuda" if torch.cuda.is_available() else "cpu"
with torch.device(device):
    model = MistralForCausalLM(config).to(torch.bfloat16)
with torch.no_grad():
    for p in model.parameters():
        if p.dim() == 1:
            p.fill_(1.0)
        else:
            p.normal_(0.0, 0.02)
model.save_pretrained(out, safe_serialization=True)
for name in ("tokenizer.model", "tokenizer_config.json"):
    shutil.copy("tests/data/fixtures/policy-f32/" + name, out)
print(f"wrote {out}: {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters on {device}")
