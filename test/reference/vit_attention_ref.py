"""`attnc plot-attention vit.so DIR --image PICTURE` against PyTorch.

The tiny ViT of vit_ref.py, compiled with --debug-attention, run on a picture
made here. The numbers behind the figure (--json: each head's class-token
row over the patches, their mean, the attention rollout) must equal the same
quantities computed from the attention weights of the torch.nn reference ViT
(nn.MultiheadAttention's own weights, layer by layer) on Pillow's
preprocessing of the picture; the rollout is Abnar & Zuidema's
R = rownorm(A_L + I) ... rownorm(A_1 + I), A_l the mean over heads, in double.
The figure holds the picture (Pillow's resize, scaled up) and one panel per
head, the mean and the rollout, and its PNG has the SVG's size.
"""

import base64
import io
import json
import os
import xml.etree.ElementTree as ET

import numpy as np
import torch
from PIL import Image

import harness
import image_ref
import vit_ref

SVG = "{http://www.w3.org/2000/svg}"


def torch_attention(model, pixels):
    """Each layer's attention weights [batch, heads, tokens, tokens]."""
    x = model.projection(pixels).flatten(2).transpose(1, 2)
    cls = model.cls_token.expand(x.shape[0], -1, -1)
    x = torch.cat((cls, x), dim=1) + model.position_embeddings
    probs = []
    for layer in model.layers:
        h = layer.norm1(x)
        _, w = layer.self_attn(h, h, h, need_weights=True, average_attn_weights=False)
        probs.append(w)
        x = layer(x)
    return probs


def rollout(probs, through):
    n = probs[0].shape[-1]
    r = torch.eye(n, dtype=torch.float64)
    for p in probs[:through + 1]:
        a = p[0].double().mean(0) + torch.eye(n, dtype=torch.float64)
        r = (a / a.sum(-1, keepdim=True)) @ r
    return r


def model_dir(ctx, state, name):
    d = ctx.attnc.path(name)
    os.makedirs(d, exist_ok=True)
    vit_ref.write_model_dir(d, state)
    return d


def run(ctx):
    model = vit_ref.randomized(vit_ref.SMALL, 61)
    d = model_dir(ctx, model.checkpoint(), "vit-attention-dir")
    so = ctx.attnc.path("vit-attention-debug.so")
    ctx.attnc.call(["compile", harness.example("vit.attn"), "--config", d,
                    "--debug-attention", "-o", so])
    picture = os.path.join(d, "picture.png")
    image_ref.picture(harness.seeded(62), 61, 45).save(picture)
    steps = json.load(open(os.path.join(d, "preprocessor_config.json")))
    with torch.no_grad():
        pixels = torch.from_numpy(image_ref.reference_pixels(Image.open(picture), steps))
        probs = torch_attention(model, pixels)
    layers = len(probs)
    for layer in (None, 0):
        flags = [] if layer is None else ["--layer", str(layer)]
        tag = "last" if layer is None else f"layer{layer}"
        svg, numbers = ctx.attnc.path(f"vit-{tag}.svg"), ctx.attnc.path(f"vit-{tag}.json")
        ctx.attnc.call(["plot-attention", so, d, "--image", picture, *flags,
                        "-o", svg, "--json", numbers])
        got = json.load(open(numbers))
        want_layer = layers - 1 if layer is None else layer
        p = probs[want_layer][0]
        check_numbers(ctx, tag, got, p, rollout(probs, want_layer), want_layer)
        check_figure(ctx, tag, svg, picture, p.shape[0])
    png = ctx.attnc.path("vit-last.png")
    ctx.attnc.call(["plot-attention", so, d, "--image", picture, "-o", png])
    root = ET.parse(ctx.attnc.path("vit-last.svg")).getroot()
    size = (round(float(root.get("width"))), round(float(root.get("height"))))
    with Image.open(png) as image:
        ok = image.format == "PNG" and image.size == size
        ctx.report.line("vit_attention", "small", "png", 0, 0, ok,
                        f"png={image.size} svg={size}")


def check_numbers(ctx, tag, got, p, r, layer):
    g = got["grid"]
    ok = (got["layer"] == layer and (g["rows"], g["cols"], g["patch"]) == (4, 4, 8)
          and got["picture"] == [32, 32])
    ctx.report.line("vit_attention", "small", f"{tag} layout", 0, 0, ok, json.dumps(g))
    heads = np.array(got["heads"])
    ctx.report.compare("vit_attention", "small", f"{tag} heads", heads,
                       harness.to_numpy(p[:, 0, 1:]))
    ctx.report.compare("vit_attention", "small", f"{tag} mean", np.array(got["mean"]),
                       harness.to_numpy(p[:, 0, 1:].double().mean(0)))
    ctx.report.compare("vit_attention", "small", f"{tag} rollout", np.array(got["rollout"]),
                       harness.to_numpy(r))
    ctx.report.compare("vit_attention", "small", f"{tag} rollout class token",
                       np.array(got["rollout_class_token"]), harness.to_numpy(r[0, 1:]))


def check_figure(ctx, tag, svg, picture, heads):
    """A panel per head, the mean and the rollout after the picture, which
    is Pillow's resize of the picture, scaled up by whole pixels."""
    root = ET.parse(svg).getroot()
    images = root.findall(f".//{SVG}image")
    titles = [t.text for t in root.findall(f".//{SVG}text[@class='panel-title']")]
    want = ["picture"] + [f"head {h}" for h in range(heads)] + ["mean of heads"]
    ok = len(images) == heads + 3 and titles[:-1] == want and titles[-1].startswith("rollout")
    first = Image.open(io.BytesIO(base64.b64decode(images[0].get("href").split(",", 1)[1])))
    zoom = first.size[0] // 32
    with Image.open(picture) as p:
        resized = p.convert("RGB").resize((32, 32), Image.BILINEAR)
    want_pixels = np.asarray(resized.resize((32 * zoom, 32 * zoom), Image.NEAREST))
    same = first.size == (32 * zoom, 32 * zoom) and np.array_equal(
        np.asarray(first.convert("RGB")), want_pixels)
    ctx.report.line("vit_attention", "small", f"{tag} figure", 0, 0, ok and same,
                    f"panels={titles} zoom={zoom} picture_equal={same}")
