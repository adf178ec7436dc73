#!/usr/bin/env python3
"""Writes the crafted seeds of attnc-fuzz-manifest, attnc-fuzz-config and
attnc-fuzz-inputs to corpus/{manifest,config,inputs}/.

Manifests: valid ones using every optional member (layers, defaults, index
bounds, constants, fingerprint, kv_cache, packed_params with panels, arena),
and one of each kind of damage. Configs: Hugging Face config.json files of the
examples' families, and damaged ones. Inputs: the fuzzer's binary encoding
(manifest choice, count, then per tensor name, dtype, rank, shape, flags;
data from the rest), binding successfully for each of its manifests, and a
few that fail. Uses only the standard library.
Run it again after changing it and commit the output.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(kind, name, data):
    out = os.path.join(HERE, "corpus", kind)
    os.makedirs(out, exist_ok=True)
    if isinstance(data, (dict, list)):
        data = json.dumps(data, indent=1)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def manifests():
    full = {
        "abi_version": 1, "name": "gpt", "fingerprint": "9f2c4e",
        "constants": {"n_embd": 64, "eps": 1e-05},
        "dims": ["batch", "seq"],
        "inputs": [{"name": "input_ids", "dtype": "i64", "shape": ["batch", "seq"],
                    "index_bound": 256},
                   {"name": "mask", "dtype": "f32", "shape": ["batch", "seq"],
                    "default": 1}],
        "params": [{"name": "wte", "tensor": "wte.weight", "dtype": "f32",
                    "shape": [256, 64]},
                   {"name": "q", "tensor": "h.{i}.q.weight", "layers": 2,
                    "dtype": "f32", "shape": [2, 64, 64], "read": False},
                   {"name": "k", "tensor": "h.{i}.k.weight", "layers": 2,
                    "dtype": "f32", "shape": [2, 64, 64], "read": False}],
        "outputs": [{"name": "logits", "dtype": "f32",
                     "shape": ["batch", "seq", 256]}],
        "packed_params": [{"name": "qk", "dtype": "f32", "of": ["q", "k"],
                           "axis": 2, "layout": "panels", "out_axis": 2,
                           "shape": [2, 3, 64, 48]}],
        "kv_cache": {"batch_dim": "batch", "seq_dim": "seq", "dtype": "f32",
                     "floats_per_token": 256,
                     "sites": [{"layers": 2, "kv_heads": 2, "head_dim": 32}]},
        "arena": {"alignment": 64,
                  "forward": [{"bytes": 1071, "times": []},
                              {"bytes": 2048, "times": ["batch", "seq"]},
                              {"bytes": 16, "times": ["batch", "seq", "seq"]}],
                  "step": [{"bytes": 945, "times": []},
                           {"bytes": 48, "times": ["batch", "seq", "position"]},
                           {"bytes": 8, "times": ["batch", "capacity"]}]},
    }
    write("manifest", "full.json", full)
    write("manifest", "kv-bf16.json",
          dict(full, kv_cache=dict(full["kv_cache"], dtype="bf16")))
    mha = {"abi_version": 1, "name": "mha", "dims": ["batch", "seq"],
           "inputs": [{"name": "x", "dtype": "f32", "shape": ["batch", "seq", 256]}],
           "params": [{"name": "wq", "tensor": "attn.q_proj.weight",
                       "dtype": "f32", "shape": [256, 256]}],
           "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", "seq", 256]}]}
    write("manifest", "mha.json", mha)
    write("manifest", "no-dims.json",
          {"abi_version": 1, "name": "c", "dims": [], "inputs": [],
           "params": [], "outputs": [{"name": "y", "dtype": "i32", "shape": [3]}]})
    damaged = {
        "not-json.json": "{\"abi_version\": 1, \"name\": ",
        "not-object.json": "[1, 2, 3]",
        "dup-input.json": dict(mha, inputs=mha["inputs"] * 2),
        "unknown-dim.json": dict(mha, outputs=[{"name": "y", "dtype": "f32",
                                                "shape": ["nope"]}]),
        "bad-dtype.json": dict(mha, params=[dict(mha["params"][0], dtype="q4")]),
        "huge-shape.json": dict(mha, params=[dict(mha["params"][0],
                                                  shape=[4294967296, 4294967296])]),
        "negative-shape.json": dict(mha, params=[dict(mha["params"][0], shape=[-1])]),
        "bad-pack.json": dict(full, packed_params=[dict(full["packed_params"][0],
                                                        of=["q", "nope"])]),
        "bad-kv.json": dict(full, kv_cache={"batch_dim": "nope", "seq_dim": "seq",
                                            "floats_per_token": -4}),
        "bad-kv-dtype.json": dict(full, kv_cache=dict(full["kv_cache"], dtype="i8")),
        "bad-arena.json": dict(full, arena={"alignment": 128, "forward": [
            {"bytes": -1, "times": ["position"]}]}),
        "deep.json": "[" * 10000 + "]" * 10000,
    }
    for name, data in damaged.items():
        write("manifest", name, data)


def configs():
    write("config", "gpt2.json", {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12,
        "n_head": 12, "n_inner": None, "layer_norm_epsilon": 1e-05,
        "activation_function": "gelu_new", "tie_word_embeddings": True})
    write("config", "llama.json", {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 5632,
        "num_hidden_layers": 22, "num_attention_heads": 32,
        "num_key_value_heads": 4, "max_position_embeddings": 2048,
        "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "torch_dtype": "bfloat16"})
    write("config", "bert.json", {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
        "num_attention_heads": 12, "intermediate_size": 3072,
        "max_position_embeddings": 512, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12})
    damaged = {
        "string-value.json": {"n_layer": "12"},
        "array-value.json": {"n_head": [12]},
        "overflow.json": "{\"vocab_size\": 1e400}",
        "negative.json": {"n_layer": -1, "n_head": 0},
        "fraction.json": {"n_layer": 1.5},
        "not-object.json": "[]",
        "truncated.json": "{\"n_layer\": 12, ",
        "bool.json": {"n_layer": True},
        "indivisible.json": {"n_embd": 100, "n_head": 7},
        "deep.json": "[" * 10000 + "]" * 10000,
    }
    for name, data in damaged.items():
        write("config", name, data)


def inputs():
    # manifest 0: x f32[batch, seq, 4], t f32[seq]
    write("inputs", "encoder.bin", bytes([0, 2, 0, 0, 3, 2, 3, 4, 1,
                                          1, 0, 1, 3, 1]) + bytes(range(64)))
    # the same with t as f16, misaligned x
    write("inputs", "encoder-f16.bin", bytes([0, 2, 0, 0, 3, 1, 2, 4, 3,
                                              1, 1, 1, 2, 1]) + b"\x00\x3c" * 16)
    # manifest 1: input_ids i64[1, 5] (ids 0..4), mask defaulted
    write("inputs", "decoder.bin", bytes([1, 1, 0, 7, 2, 1, 5, 1]) +
          b"".join(i.to_bytes(8, "little") for i in range(5)))
    # input_ids as i32, out of bound
    write("inputs", "decoder-i32.bin", bytes([1, 1, 0, 6, 2, 1, 2, 1]) +
          (300).to_bytes(4, "little") * 4)
    # manifest 2: a i32[3], b f32[2, 2, 3], c defaulted
    write("inputs", "mixed.bin", bytes([2, 2, 0, 6, 1, 3, 1,
                                        1, 0, 3, 2, 2, 3, 1]) + bytes(48))
    # unknown name, bad dtype, negative rank, no data
    write("inputs", "bad.bin", bytes([0, 4, 2, 0, 1, 1, 1,
                                      0, 16, 1, 1, 1,
                                      1, 0, 0xff, 1,
                                      0, 0, 3, 2, 3, 4, 0]))


manifests()
configs()
inputs()
