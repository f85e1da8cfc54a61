"""The Python peers of bench/peers/run, on the folder bench_generate --write-model writes.

    python3 bench/peers/peers.py generate DIR THREADS   -> tokens/s of HF generate (needs transformers)
    python3 bench/peers/peers.py train DIR THREADS      -> tokens/s of an eager SPPO step
    python3 bench/peers/peers.py check FIXTURES         -> the eager model's largest logit error

generate: K = 5 samples of 64 prompts of 20-60 random ids, temperature 0.7, top-p 0.9, 128 new
tokens (min_new_tokens 128), 8 prompts per call. train: 16 rows of 256 tokens, AdamW, the SPPO
loss (a - (p - 1/2)/beta)^2 over response tokens (from position 64), the median of 3 timed steps
after a warm-up step; the model is transformers' LlamaForCausalLM when transformers imports,
else eager_llama.EagerLlama (the same math in plain PyTorch). check: EagerLlama on the fixture
policy-f32 against the Hugging Face logits in expected/policy_forward.safetensors.
"""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eager_llama import EagerLlama, read_safetensors  # noqa: E402

mode, folder = sys.argv[1], sys.argv[2]
if mode == "check":
    model = EagerLlama(os.path.join(folder, "policy-f32"))
    e = read_safetensors(os.path.join(folder, "expected", "policy_forward.safetensors"))
    worst = 0.0
    with torch.no_grad():
        for b in range(e["input_ids"].shape[0]):
            valid = e["attention_mask"][b].bool()
            logits = model(e["input_ids"][b][valid][None])[0]
            worst = max(worst, (logits - e["logits"][b][valid]).abs().max().item())
    print(f"{worst:.2e}")
    sys.exit(0)

threads = int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
try:
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32)
    logits_of = lambda ids: model(ids).logits
except ImportError:
    if mode == "generate":
        sys.exit("peers.py: generate needs transformers")
    model = EagerLlama(folder)
    logits_of = model
vocab = model.config.vocab_size if hasattr(model, "config") else model.vocab_size
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
        logits = logits_of(ids)[:, :-1].float()
        logp = torch.log_softmax(logits, -1).gather(-1, ids[:, 1:, None]).squeeze(-1)[:, start - 1:].sum(1)
        loss = ((logp - target / 0.001) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()
    seconds = []
    for _ in range(3):
        t = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - t)
    print(f"{16 * 256 / statistics.median(seconds):.0f}")
