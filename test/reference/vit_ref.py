"""examples/vit.attn against two independent PyTorch ViTs.

1. A ViT built from torch.nn blocks in Hugging Face's ViTForImageClassification
   layout: Conv2d patch projection, class token, position embeddings,
   pre-norm nn.TransformerEncoderLayer (norm_first, exact GELU), final
   LayerNorm, a Linear classifier over the class token.
2. torchvision's VisionTransformer, its weights mapped from the same
   checkpoint (in_proj_weight is query, key and value stacked).

Then `attnc run vit.so DIR --image PICTURE` on a picture made here must print
the top-5 classes that the reference computes on Pillow's preprocessing.
"""

import functools
import json
import os

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision.models import VisionTransformer

import harness
import image_ref
import safetensors_np


class ViT(nn.Module):
    def __init__(self, image_size, patch_size, num_channels, hidden_size, num_hidden_layers,
                 num_attention_heads, intermediate_size, num_labels, layer_norm_eps=1e-12):
        super().__init__()
        patches = (image_size // patch_size) ** 2
        self.projection = nn.Conv2d(num_channels, hidden_size, patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, hidden_size))
        self.position_embeddings = nn.Parameter(torch.zeros(1, patches + 1, hidden_size))
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(hidden_size, num_attention_heads, intermediate_size,
                                       dropout=0.0, activation="gelu",
                                       layer_norm_eps=layer_norm_eps, batch_first=True,
                                       norm_first=True)
            for _ in range(num_hidden_layers))
        self.layernorm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
        self.classifier = nn.Linear(hidden_size, num_labels)

    def forward(self, pixel_values):
        x = self.projection(pixel_values).flatten(2).transpose(1, 2)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1) + self.position_embeddings
        for layer in self.layers:
            x = layer(x)
        return self.classifier(self.layernorm(x)[:, 0])

    def checkpoint(self):
        """ViTForImageClassification's names."""
        e = "vit.embeddings."
        t = {e + "patch_embeddings.projection.weight": self.projection.weight,
             e + "patch_embeddings.projection.bias": self.projection.bias,
             e + "cls_token": self.cls_token,
             e + "position_embeddings": self.position_embeddings,
             "vit.layernorm.weight": self.layernorm.weight,
             "vit.layernorm.bias": self.layernorm.bias,
             "classifier.weight": self.classifier.weight,
             "classifier.bias": self.classifier.bias}
        for i, layer in enumerate(self.layers):
            p = f"vit.encoder.layer.{i}."
            w = layer.self_attn.in_proj_weight.chunk(3, dim=0)
            b = layer.self_attn.in_proj_bias.chunk(3, dim=0)
            for j, name in enumerate(("query", "key", "value")):
                t[f"{p}attention.attention.{name}.weight"] = w[j]
                t[f"{p}attention.attention.{name}.bias"] = b[j]
            t.update({
                f"{p}attention.output.dense.weight": layer.self_attn.out_proj.weight,
                f"{p}attention.output.dense.bias": layer.self_attn.out_proj.bias,
                f"{p}layernorm_before.weight": layer.norm1.weight,
                f"{p}layernorm_before.bias": layer.norm1.bias,
                f"{p}layernorm_after.weight": layer.norm2.weight,
                f"{p}layernorm_after.bias": layer.norm2.bias,
                f"{p}intermediate.dense.weight": layer.linear1.weight,
                f"{p}intermediate.dense.bias": layer.linear1.bias,
                f"{p}output.dense.weight": layer.linear2.weight,
                f"{p}output.dense.bias": layer.linear2.bias,
            })
        return harness.state_dict(t)


def torchvision_vit(config, state):
    """torchvision's VisionTransformer holding the checkpoint `state`."""
    c = config
    model = VisionTransformer(
        c["image_size"], c["patch_size"], c["num_hidden_layers"], c["num_attention_heads"],
        c["hidden_size"], c["intermediate_size"], num_classes=c["num_labels"],
        norm_layer=functools.partial(nn.LayerNorm, eps=c.get("layer_norm_eps", 1e-12)))
    assert c["num_channels"] == 3, "torchvision's ViT reads RGB images"
    e = "vit.embeddings."
    mapped = {"class_token": state[e + "cls_token"],
              "conv_proj.weight": state[e + "patch_embeddings.projection.weight"],
              "conv_proj.bias": state[e + "patch_embeddings.projection.bias"],
              "encoder.pos_embedding": state[e + "position_embeddings"],
              "encoder.ln.weight": state["vit.layernorm.weight"],
              "encoder.ln.bias": state["vit.layernorm.bias"],
              "heads.head.weight": state["classifier.weight"],
              "heads.head.bias": state["classifier.bias"]}
    for i in range(c["num_hidden_layers"]):
        p, q = f"vit.encoder.layer.{i}.", f"encoder.layers.encoder_layer_{i}."
        a = p + "attention.attention."
        mapped.update({
            q + "ln_1.weight": state[p + "layernorm_before.weight"],
            q + "ln_1.bias": state[p + "layernorm_before.bias"],
            q + "self_attention.in_proj_weight": np.concatenate(
                [state[a + n + ".weight"] for n in ("query", "key", "value")]),
            q + "self_attention.in_proj_bias": np.concatenate(
                [state[a + n + ".bias"] for n in ("query", "key", "value")]),
            q + "self_attention.out_proj.weight": state[p + "attention.output.dense.weight"],
            q + "self_attention.out_proj.bias": state[p + "attention.output.dense.bias"],
            q + "ln_2.weight": state[p + "layernorm_after.weight"],
            q + "ln_2.bias": state[p + "layernorm_after.bias"],
            q + "mlp.0.weight": state[p + "intermediate.dense.weight"],
            q + "mlp.0.bias": state[p + "intermediate.dense.bias"],
            q + "mlp.3.weight": state[p + "output.dense.weight"],
            q + "mlp.3.bias": state[p + "output.dense.bias"],
        })
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v))
                           for k, v in mapped.items()}, strict=True)
    return model.eval()


def randomized(config, seed):
    harness.seeded(seed)
    model = harness.randomize_(ViT(**config)).eval()
    with torch.no_grad():  # randomize_ leaves [1, n, d] tensors at gain / sqrt(n)
        model.cls_token.normal_(0, 1)
        model.position_embeddings.normal_(0, 1)
        w = model.projection.weight
        w.normal_(0, 2.0 / (w[0].numel() ** 0.5))
    return model


def round_stored_(model):
    """harness.round_stored_ for what vit.attn reads as linear() weights: the
    convolution's weight (flattened by linear(), which needs f32), the class
    token and the position embeddings stay f32. Returns the checkpoint of
    the rounded weights, for torchvision's ViT."""
    harness.round_stored_(model, keep=[model.projection.weight, model.cls_token,
                                       model.position_embeddings])
    return model.checkpoint()


def compare(ctx, size, config, model, so, weights, state, batch, seed):
    rng = harness.seeded(seed)
    c = config
    pixels = rng.uniform(-1, 1, (batch, c["num_channels"], c["image_size"], c["image_size"])
                         ).astype(np.float32)
    out = ctx.attnc.run(so, weights, {"pixel_values": pixels}, tag=f"vit-{size}")["logits"]
    # The class token's logits carry the roundings of every token (flips,
    # harness.tolerance, with --round-activations).
    tol = harness.tolerance(batch * ((c["image_size"] // c["patch_size"]) ** 2 + 1))
    with torch.no_grad():
        ref = harness.to_numpy(model(torch.from_numpy(pixels)))
        ctx.report.compare("vit", size, f"torch.nn,batch={batch}", out, ref, tol=tol)
        if c["num_channels"] == 3:
            tv = harness.to_numpy(torchvision_vit(c, state)(torch.from_numpy(pixels)))
            ctx.report.compare("vit", size, f"torchvision,batch={batch}", out, tv, tol=tol)


SMALL = dict(image_size=32, patch_size=8, num_channels=3, hidden_size=64,
             num_hidden_layers=2, num_attention_heads=4, intermediate_size=128, num_labels=10)
NAMES = image_ref.NAMES


def run(ctx):
    model = randomized(SMALL, 41)
    saved = model.checkpoint()
    weights = ctx.attnc.save_weights("vit-small", saved)
    state = round_stored_(model)
    so = ctx.attnc.compile(harness.example("vit.attn"), SMALL)
    for batch in (1, 3):
        compare(ctx, "small", SMALL, model, so, weights, state, batch, 42 + batch)
    # One channel (a grey ViT): only the torch.nn reference takes it.
    grey = dict(SMALL, num_channels=1, image_size=24, patch_size=4)
    gmodel = randomized(grey, 45)
    gweights = ctx.attnc.save_weights("vit-grey", gmodel.checkpoint())
    round_stored_(gmodel)
    gso = ctx.attnc.compile(harness.example("vit.attn"), grey)
    compare(ctx, "grey", grey, gmodel, gso, gweights, None, 2, 46)
    check_image(ctx, model, saved)


def write_model_dir(d, state):
    """What save_pretrained writes for the SMALL ViT into `d`; returns the
    preprocessing steps."""
    safetensors_np.save(os.path.join(d, "model.safetensors"), state)
    config = {k: v for k, v in SMALL.items() if k != "num_labels"}
    config.update(id2label={str(i): n for i, n in enumerate(NAMES)}, layer_norm_eps=1e-12,
                  architectures=["ViTForImageClassification"], model_type="vit")
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f)
    steps = dict(image_ref.IMAGENET, resample=2, size={"height": 32, "width": 32},
                 image_processor_type="ViTImageProcessor")
    with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
        json.dump(steps, f)
    return steps


def check_image(ctx, model, state):
    """A model directory (config.json with id2label, preprocessor_config.json,
    model.safetensors), compiled with --config DIR: the top-5 that `attnc run
    --image` prints against the reference's on Pillow's preprocessing."""
    d = ctx.attnc.path("vit-dir")
    os.makedirs(d, exist_ok=True)
    steps = write_model_dir(d, state)
    so = ctx.attnc.path("vit-dir.so")
    ctx.attnc.call(["compile", harness.example("vit.attn"), "--config", d, "-o", so,
                    *ctx.attnc.compile_flags])
    path = os.path.join(d, "picture.png")
    image_ref.picture(harness.seeded(47), 61, 45).save(path)
    outputs = ctx.attnc.path("vit-dir.outputs.safetensors")
    printed = ctx.attnc.call(["run", so, d, "--image", path, "--json", "--outputs", outputs])
    got = [row["label"] for row in json.loads(printed)["top"]]
    got_logits = safetensors_np.load(outputs)["logits"][0]
    with torch.no_grad():
        pixels = image_ref.reference_pixels(Image.open(path), steps)
        logits = harness.to_numpy(model(torch.from_numpy(pixels)))[0].astype(np.float64)
    order = np.argsort(-logits, kind="stable")
    want = [NAMES[i] for i in order[:5]]
    gap = float(min(logits[order[i]] - logits[order[i + 1]] for i in range(5)))
    max_abs, max_rel = harness.errors(got_logits, logits)
    ok = got == want and max_rel <= harness.REL_TOL
    ctx.report.line("vit", "small", "image top-5", max_abs, max_rel, ok,
                    f"top5={want} min_gap={gap:.3g}" + ("" if ok else f" attnc={got}"))
    print(ctx.attnc.call(["run", so, d, "--image", path]).rstrip())


BASE = dict(image_size=224, patch_size=16, num_channels=3, hidden_size=768,
            num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
            num_labels=1000)


def run_base(ctx):
    """The .attn defaults, google/vit-base-patch16-224's shapes, random
    weights of ViT's initializer_range (0.02); one image."""
    harness.seeded(51)
    model = harness.randomize_(ViT(**BASE), std=0.02).eval()
    weights = ctx.attnc.save_weights("vit-base", model.checkpoint())
    state = round_stored_(model)
    so = ctx.attnc.compile(harness.example("vit.attn"), {})
    compare(ctx, "base", BASE, model, so, weights, state, 1, 52)
