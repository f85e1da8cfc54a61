"""Hugging Face generate on one folder on the GPU, the peer side of scripts/gpu-check.

    python3 bench/peers/hf_generate_gpu.py DIR   -> one JSON object on stdout

Greedy decoding of 128 new tokens (min_new_tokens 128, so no row stops early) from prompts
of 32 random ids, at batch 1 and 64 rows, bf16, after one warm-up call: the settings
bench_device uses for sppo.
"""
import json
import sys
import time

import torch
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained(sys.argv[1], torch_dtype=torch.bfloat16).to("cuda").eval()
vocab = model.config.vocab_size
result = {"transformers": __import__("transformers").__version__, "torch": torch.__version__}
torch.manual_seed(0)
with torch.no_grad():
    for rows in (1, 64):
        ids = torch.randint(3, vocab, (rows, 32), device="cuda")
        mask = torch.ones_like(ids)
        model.generate(ids, attention_mask=mask, max_new_tokens=4, do_sample=False, pad_token_id=0)
        torch.cuda.synchronize()
        t = time.perf_counter()
        model.generate(ids, attention_mask=mask, max_new_tokens=128, min_new_tokens=128, do_sample=False, pad_token_id=0)
        torch.cuda.synchronize()
        result[f"batch{rows}_tokens_per_s"] = rows * 128 / (time.perf_counter() - t)
print(json.dumps(result))
