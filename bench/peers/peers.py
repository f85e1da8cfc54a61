"""The Python peers of bench/peers/run, on the folder bench_generate --write-model writes.

    python3 bench/peers/peers.py generate DIR THREADS   -> tokens/s of HF generate
    python3 bench/peers/peers.py train DIR THREADS      -> tokens/s of one eager SPPO step

generate: K = 5 samples of 64 prompts of 20-60 random ids, temperature 0.7, top-p 0.9, 128 new
tokens (min_new_tokens 128), 8 prompts per call. train: 16 rows of 256 tokens, AdamW, the SPPO
loss (a - (p - 1/2)/beta)^2 over response tokens, one timed step after a warm-up step.
Not run on the machine this was written on (no transformers there): a sketch to check first.
"""
import sys
import time

import torch
from transformers import AutoModelForCausalLM

mode, folder, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32)
vocab = model.config.vocab_size
if mode == "generate":
    model.eval()
    prompts = [torch.randint(3, vocab, (20 + (p * 37) % 41,)) for p in range(64)]
    t, tokens = time.perf_counter(), 0
    with torch.no_grad():
        for first in range(0, 64, 8):
            chunk = prompts[first:first + 8]
            width = max(len(p) for p in chunk)
            ids = torch.stack([torch.cat([torch.zeros(width - len(p), dtype=torch.long), p]) for p in chunk])
            mask = torch.stack([torch.cat([torch.zeros(width - len(p)), torch.ones(len(p))]) for p in chunk]).long()
            out = model.generate(ids, attention_mask=mask, do_sample=True, temperature=0.7, top_p=0.9, top_k=0,
                                 num_return_sequences=5, max_new_tokens=128, min_new_tokens=128, pad_token_id=0)
            tokens += (out.shape[1] - width) * out.shape[0]
    print(f"{tokens / (time.perf_counter() - t):.0f}")
else:
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    ids = torch.randint(3, vocab, (16, 256))
    start, target = 64, torch.rand(16) - 0.5
    def step():
        logits = model(ids).logits[:, :-1].float()
        logp = torch.log_softmax(logits, -1).gather(-1, ids[:, 1:, None]).squeeze(-1)[:, start - 1:].sum(1)
        loss = ((logp - target / 0.001) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    step()
    t = time.perf_counter()
    step()
    print(f"{16 * 256 / (time.perf_counter() - t):.0f}")
