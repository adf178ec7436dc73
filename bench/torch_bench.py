"""PyTorch side of bench/run.sh: times one workload, prints one line.

usage: torch_bench.py WORKLOAD --threads N --runs R --warmup W [sizes]
  linear     --m M --n N --k K          y = x W^T + b (W [N, K])
  attention  --heads H --d D --seq S    causal softmax(q k^T / sqrt(D)) v
  mha        --d-model E --heads H --seq S --batch B   examples/mha.attn
  block      --seq S                    one GPT-2-small layer (torch_gpt2.Block)
  llamablock --seq S                    one TinyLlama-1.1B layer (the LLaMA layer of
                                        test/reference/llama_ref.py)
  gpt2       --seq S                    12-layer GPT-2 small prefill, logits included
  vit        --batch B                  ViT-B/16 at 224 x 224 (examples/vit.attn's
                                        defaults: the ViT of test/reference/vit_ref.py)
  bert       --batch B --seq S          BERT-base encoder (examples/bert.attn's
                                        defaults: test/reference/bert_ref.py)
  decode     --seq C [--batch B]        one GPT-2-small decode step after a
                                        prefill of C tokens (KV cache, logits);
                                        runs are consecutive steps
  hf-gpt2    --seq S [--bf16]           gpt2 and decode with Hugging Face's
  hf-decode  --seq C [--batch B]        GPT2LMHeadModel (transformers, sdpa
                                        attention, random weights) instead;
                                        --bf16: the model in bfloat16
Prints "run_ms=... cpu_ms=..." per timed run and
"median_ms=... min_ms=... median_cpu_ms=... runs=R", as attnc-bench does.
"""
import argparse, os, sys, time

import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
# The LLaMA layer the agreement tests check attnc against.
sys.path.insert(0, os.path.join(here, "..", "test", "reference"))
from torch_gpt2 import GPT2, Block, causal_attention  # noqa: E402
from llama_ref import Layer as LlamaLayer, rope_cos_sin  # noqa: E402
from bert_ref import Bert  # noqa: E402
from vit_ref import ViT  # noqa: E402


def linear(a):
    x = torch.rand(a.m, a.k) - 0.5
    w = (torch.rand(a.n, a.k) - 0.5) / a.k ** 0.5
    b = torch.rand(a.n) - 0.5
    return lambda: F.linear(x, w, b)


def attention(a):
    q, k, v = (torch.rand(1, a.heads, a.seq, a.d) - 0.5 for _ in range(3))
    return lambda: causal_attention(q, k, v)


def mha(a):
    e, h = a.d_model, a.heads
    x = torch.rand(a.batch, a.seq, e) - 0.5
    ws = [(torch.rand(e, e) - 0.5) / e ** 0.5 for _ in range(4)]
    bs = [torch.rand(e) - 0.5 for _ in range(4)]

    def split(t):
        return t.view(a.batch, a.seq, h, e // h).transpose(1, 2)

    def run():
        q, k, v = (split(F.linear(x, w, b)) for w, b in zip(ws[:3], bs[:3]))
        o = causal_attention(q, k, v).transpose(1, 2).reshape(a.batch, a.seq, e)
        return F.linear(o, ws[3], bs[3])
    return run


def block(a):
    x = torch.rand(1, a.seq, 768) - 0.5
    layer = Block().eval()
    return lambda: layer(x)


def llamablock(a):
    x = torch.rand(1, a.seq, 2048) - 0.5
    layer = LlamaLayer(hidden=2048, inter=5632, heads=32, kv_heads=4,
                       eps=1e-5).eval()
    return lambda: layer(x, *rope_cos_sin(a.seq, 64, 10000.0))


def gpt2(a):
    ids = torch.zeros(1, a.seq, dtype=torch.long)
    model = GPT2().eval()
    return lambda: model(ids)


def vit(a):
    # nn.TransformerEncoderLayer in eval mode under inference_mode takes
    # PyTorch's fused fast path (the better of its two).
    model = ViT(image_size=224, patch_size=16, num_channels=3, hidden_size=768,
                num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                num_labels=1000).eval()
    pixels = torch.rand(a.batch, 3, 224, 224) * 2 - 1
    return lambda: model(pixels)


def bert(a):
    model = Bert(vocab_size=30522, hidden_size=768, num_hidden_layers=12,
                 num_attention_heads=12, intermediate_size=3072,
                 max_position_embeddings=512, type_vocab_size=2).eval()
    ids = torch.randint(0, 30522, (a.batch, a.seq))
    return lambda: model(ids)


def decode(a):
    # n_positions 2048: room for the steps after a 1024-token prefill, as
    # the attnc side compiles it (-D n_positions=2048); one row is read.
    model = GPT2(n_positions=2048).eval()
    token = torch.zeros(a.batch, 1, dtype=torch.long)
    with torch.inference_mode():
        _, past = model(torch.zeros(a.batch, a.seq, dtype=torch.long))
    state = {"past": past}

    def step():
        _, state["past"] = model(token, state["past"])
    return step


def hf_gpt2_model(n_positions):
    """GPT-2 small as `transformers` builds it, sdpa attention where the
    installed version lets one ask for it."""
    try:
        from transformers import GPT2Config, GPT2LMHeadModel
    except ImportError:
        sys.exit("torch_bench: hf-gpt2 and hf-decode need transformers "
                 "(bench/run.sh --torch-peer own does without)")
    config = GPT2Config(n_positions=n_positions)
    try:
        model = GPT2LMHeadModel._from_config(config, attn_implementation="sdpa")
    except (TypeError, ValueError, AttributeError, ImportError):
        model = GPT2LMHeadModel(config)
    return model.eval()


def hf_gpt2(a):
    model = hf_gpt2_model(1024)
    if a.bf16:
        model = model.to(torch.bfloat16)
    ids = torch.randint(0, 50257, (a.batch, a.seq))
    return lambda: model(ids)


def hf_decode(a):
    # n_positions 2048 as decode() above; the cache is transformers' own.
    model = hf_gpt2_model(2048)
    token = torch.zeros(a.batch, 1, dtype=torch.long)
    with torch.inference_mode():
        out = model(torch.zeros(a.batch, a.seq, dtype=torch.long),
                    use_cache=True)
    state = {"past": out.past_key_values}

    def step():
        state["past"] = model(token, past_key_values=state["past"],
                              use_cache=True).past_key_values
    return step


WORKLOADS = {"linear": linear, "attention": attention, "mha": mha,
             "block": block, "llamablock": llamablock, "gpt2": gpt2,
             "decode": decode, "vit": vit, "bert": bert,
             "hf-gpt2": hf_gpt2, "hf-decode": hf_decode}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    for name in ("m", "n", "k", "heads", "d", "seq", "d-model", "batch"):
        p.add_argument("--" + name, type=int, default=1)
    p.add_argument("--bf16", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    fn = WORKLOADS[a.workload](a)
    times, cpu = [], []
    with torch.inference_mode():
        for i in range(a.warmup + a.runs):
            cpu_start, start = time.process_time(), time.perf_counter()
            fn()
            stop, cpu_stop = time.perf_counter(), time.process_time()
            if i >= a.warmup:
                times.append((stop - start) * 1e3)
                cpu.append((cpu_stop - cpu_start) * 1e3)
                print(f"run_ms={times[-1]:.4f} cpu_ms={cpu[-1]:.4f}")

    def median(v):
        v, n = sorted(v), len(v)
        return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    print(f"median_ms={median(times):.4f} min_ms={min(times):.4f} "
          f"median_cpu_ms={median(cpu):.4f} runs={len(times)}")


if __name__ == "__main__":
    main()
