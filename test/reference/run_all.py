#!/usr/bin/env python3
"""Checks that what attnc compiles computes what PyTorch computes.

For each example model, builds the same model in PyTorch from torch.nn
building blocks with seeded random weights, saves the weights under the
checkpoint names the .attn file reads, compiles the .attn file with attnc,
runs both on the same inputs and compares. Prints one line per check,
`name size variant: max_abs=... max_rel=... PASS|FAIL`, and exits 1 if any
check fails.

usage: run_all.py [MODEL...] [--workdir DIR] [--attnc PATH] [--runtime PATH] [--examples DIR]
                  [--verbose]
"""

import os

# Before numpy and torch load OpenBLAS: it does not know this CPU by itself.
os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")

import argparse  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

sys.dont_write_bytecode = True  # Keep the source tree clean.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402


# Model name -> (module, function); imported on use.
MODELS = {
    "mha": ("mha_ref", "run"),
    "mha_explicit": ("mha_ref", "run_explicit"),
    "gpt2": ("gpt2_ref", "run_small"),
    "gpt2_124m": ("gpt2_ref", "run_124m"),
    "bert": ("bert_ref", "run"),
    "bert_base": ("bert_ref", "run_base"),
    "llama": ("llama_ref", "run"),
    "llama_7b_layer": ("llama_ref", "run_7b_layer"),
    "llama_long_positions": ("llama_ref", "run_long_positions"),
    "mistral": ("llama_ref", "run_mistral"),
    "mistral_kv_cache": ("kv_cache_ref", "run_mistral"),
    "bloom": ("bloom_ref", "run"),
    "bloom_kv_cache": ("kv_cache_ref", "run_bloom"),
    "llama_tied": ("qwen2_ref", "run_llama_tied"),
    "qwen2": ("qwen2_ref", "run_qwen2"),
    "translator": ("translator_ref", "run"),
    "translator_default": ("translator_ref", "run_default"),
    "tiny_gpt": ("tiny_gpt_ref", "run"),
    "gpt2_kv_cache": ("kv_cache_ref", "run_gpt2"),
    "gpt2_kv_cache_wide": ("kv_cache_ref", "run_gpt2_wide"),
    "llama_kv_cache": ("kv_cache_ref", "run_llama"),
    "padding_mask": ("padding_mask_ref", "run"),
    "hf_directory": ("hf_directory_ref", "run"),
    "image": ("image_ref", "run"),
    "vit": ("vit_ref", "run"),
    "vit_base": ("vit_ref", "run_base"),
    "vit_attention": ("vit_attention_ref", "run"),
    "additive": ("additive_ref", "run"),
}


def check(name, ctx):
    module, function = MODELS[name]
    getattr(importlib.import_module(module), function)(ctx)


class Context:
    def __init__(self, attnc, report, runtime):
        self.attnc = attnc
        self.report = report
        self.runtime = runtime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help=f"models to check (default: all): {', '.join(MODELS)}")
    parser.add_argument("--workdir", help="where to keep compiled models and tensors "
                        "(default: a temporary directory, removed afterwards)")
    parser.add_argument("--attnc", default="attnc", help="the attnc binary (default: from PATH)")
    parser.add_argument("--runtime", help="the runtime library, for the KV-cache checks "
                        "(default: lib/libattnc_runtime.so next to attnc's bin/)")
    parser.add_argument("--examples", help="read the .attn files from DIR instead of examples/",
                        metavar="DIR")
    parser.add_argument("--verbose", action="store_true", help="time every attnc call on stderr")
    parser.add_argument("--compile-flag", action="append", default=[], metavar="FLAG",
                        help="pass FLAG to every attnc compile, e.g. "
                        "--compile-flag=--target-cpu=x86-64-v3 (repeatable)")
    parser.add_argument("--weight-type", choices=("f32", "bf16", "f16", "int8"),
                        help="compile with --weight-type=TYPE and give PyTorch the "
                        "same rounded matrix weights (the checkpoint stays f32)")
    parser.add_argument("--unrounded-reference", action="store_true",
                        help="with --weight-type, give PyTorch the weights as saved "
                        "instead: the checks must then fail (they can see the storage)")
    parser.add_argument("--f32-tables", action="store_true",
                        help="with --weight-type int8, give PyTorch the embedding "
                        "tables unquantized: the checks must then fail")
    parser.add_argument("--round-activations", action="store_true",
                        help="compile with --round-activations (with --weight-type "
                        "bf16 or int8) and give PyTorch linear layers that round their "
                        "input to bf16 (quantize it to int8: harness.q8_linear)")
    parser.add_argument("--kv-cache-type", choices=("f32", "bf16", "f16"),
                        help="compile with --kv-cache-type=TYPE and give PyTorch "
                        "attention the keys and values rounded to TYPE")
    parser.add_argument("--unrounded-kv", action="store_true",
                        help="with --kv-cache-type, give PyTorch the keys and values "
                        "unrounded instead: the checks must then fail")
    args = parser.parse_args()
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model {', '.join(unknown)}; known: {', '.join(MODELS)}")

    if args.weight_type:
        harness.WEIGHT_TYPE = None if args.unrounded_reference else args.weight_type
        args.compile_flag.append(f"--weight-type={args.weight_type}")
    if args.kv_cache_type:
        args.compile_flag.append(f"--kv-cache-type={args.kv_cache_type}")
        harness.KV_CACHE_TYPE = args.kv_cache_type
        if not args.unrounded_kv:
            harness.round_cached_kv()
    harness.INT8_TABLES = not args.f32_tables
    if args.round_activations:
        args.compile_flag.append("--round-activations")
        harness.round_linear_inputs()
    if args.examples:
        harness.EXAMPLES = os.path.abspath(args.examples)
    report = harness.Report()
    with tempfile.TemporaryDirectory(prefix="attnc-reference-") as tmp:
        attnc = harness.Attnc(args.workdir or tmp, args.attnc, args.verbose,
                              args.compile_flag)
        runtime = args.runtime or os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(attnc.binary))), "lib",
            "libattnc_runtime.so")
        ctx = Context(attnc, report, runtime)
        for name in args.models or MODELS:
            start = time.time()
            try:
                check(name, ctx)
            except harness.AttncError as e:
                report.fail(name, "-", "-", str(e))
            except Exception:  # A harness bug must fail the run, not hide checks.
                report.fail(name, "-", "-", traceback.format_exc())
            if args.verbose:
                print(f"  {name}: {time.time() - start:.1f}s", file=sys.stderr, flush=True)
    report.summary()
    return 1 if report.failures or report.lines == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
