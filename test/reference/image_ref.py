"""Pictures in, classes out: `attnc run model.so DIR --image PICTURE` against
Pillow and numpy, as `transformers`' ViTImageProcessor prepares a picture:
Image.open(...).convert("RGB"), resize((w, h), resample), * rescale_factor,
(x - mean) / std. Pillow decodes and resizes independently of attnc's libpng,
libjpeg-turbo and resampling code, and Pillow's result is what the checkpoints
were trained on, so the pixels must agree exactly (up to the last float
rounding), and the top classes with them.
"""

import json
import os

import numpy as np
from PIL import Image

import harness
import safetensors_np

MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs",
                     "picture-classifier.attn")
SIZE, LABELS = 12, 10
NAMES = ["tabby cat", "golden retriever", "lighthouse", "espresso", "volcano",
         "daisy", "tram", "goldfish", "umbrella", "violin"]


def picture(rng, width, height):
    """A smooth random RGB picture (gradients and blobs, as photographs have,
    so that resampling is exercised between neighbours that differ)."""
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    channels = []
    for _ in range(3):
        a, b, c, d = rng.uniform(-4, 4, size=4)
        channels.append(127 + 100 * np.sin(a * x + b * y) * np.cos(c * x - d * y))
    rgb = np.stack(channels, axis=-1) + rng.normal(0, 12, size=(height, width, 3))
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def pictures(rng, d):
    """(file, Pillow image as saved) pairs in the formats users have."""
    base = picture(rng, 37, 23)
    out = []

    def save(name, image, **options):
        path = os.path.join(d, name)
        image.save(path, **options)
        out.append((path, Image.open(path)))

    save("rgb.png", base)
    rgba = base.copy()
    rgba.putalpha(Image.fromarray(rng.integers(0, 256, (23, 37), dtype=np.uint8)))
    save("rgba.png", rgba)
    save("grey.png", base.convert("L"))
    save("palette.png", base.convert("P", palette=Image.Palette.ADAPTIVE, colors=50))
    save("photo.jpg", picture(rng, 50, 41), quality=90)
    save("grey.jpg", picture(rng, 19, 30).convert("L"), quality=85)
    save("small.png", picture(rng, 5, 7))
    return out


def reference_pixels(image, steps):
    """ViTImageProcessor's arithmetic, on Pillow's pixels."""
    image = image.convert("RGB")
    if steps.get("do_resize", True):
        size = steps.get("size", {"height": 224, "width": 224})
        if isinstance(size, int):
            size = {"height": size, "width": size}
        image = image.resize((size["width"], size["height"]), resample=steps.get("resample", 2))
    x = np.asarray(image)
    if steps.get("do_rescale", True):
        x = (x.astype(np.float64) * steps.get("rescale_factor", 1 / 255)).astype(np.float32)
    else:
        x = x.astype(np.float32)
    if steps.get("do_normalize", True):
        mean = np.array(steps.get("image_mean", [0.5] * 3), dtype=np.float32)
        std = np.array(steps.get("image_std", [0.5] * 3), dtype=np.float32)
        x = (x - mean) / std
    return x.transpose(2, 0, 1)[np.newaxis]


# Pillow's filters, each downscaling (37x23 -> 12x12) and upscaling (5x7).
IMAGENET = {"image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}
STEPS = [
    ("bilinear", {"do_normalize": True, "do_rescale": True, "do_resize": True,
                  "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
                  "image_processor_type": "ViTImageProcessor", "resample": 2,
                  "rescale_factor": 0.00392156862745098,
                  "size": {"height": SIZE, "width": SIZE}}),
    ("bicubic-imagenet", dict(IMAGENET, resample=3, size={"height": SIZE, "width": SIZE})),
    ("nearest", {"resample": 0, "size": SIZE}),
    ("lanczos", {"resample": 1, "size": SIZE}),
    ("box", {"resample": 4, "size": SIZE}),
    ("hamming-no-rescale", {"resample": 5, "size": SIZE, "do_rescale": False}),
]


def run(ctx):
    rng = harness.seeded(31)
    so = ctx.attnc.compile(MODEL, {})
    d = ctx.attnc.path("vision")
    os.makedirs(d, exist_ok=True)
    w = rng.normal(0, 0.05, size=(LABELS, 3 * SIZE * SIZE)).astype(np.float32)
    b = rng.normal(0, 0.1, size=(LABELS,)).astype(np.float32)
    safetensors_np.save(os.path.join(d, "model.safetensors"),
                        {"classifier.weight": w, "classifier.bias": b})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"id2label": {str(i): n for i, n in enumerate(NAMES)},
                   "image_size": SIZE}, f)
    files = pictures(rng, d)
    outputs = ctx.attnc.path("vision.outputs.safetensors")
    for variant, steps in STEPS:
        with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
            json.dump(steps, f)
        for path, image in files:
            name = os.path.basename(path)
            if variant != "bilinear" and name not in ("photo.jpg", "small.png"):
                continue
            try:
                printed = ctx.attnc.call(["run", so, d, "--image", path, "--json",
                                          "--outputs", outputs])
            except harness.AttncError as e:
                ctx.report.fail("picture", name, variant, str(e))
                continue
            got = safetensors_np.load(outputs)
            ref = reference_pixels(image, steps)
            ctx.report.compare("picture", name, variant,
                               got["pixels"].reshape(ref.shape), ref, tol=1e-6)
            logits = ref.reshape(1, -1).astype(np.float64) @ w.T.astype(np.float64) + b
            top = [NAMES[i] for i in np.argsort(-logits[0], kind="stable")[:5]]
            got_top = [row["label"] for row in json.loads(printed)["top"]]
            if got_top != top:
                ctx.report.fail("picture", name, variant + " top-5",
                                f"attnc {got_top}, reference {top}")
    # Without --json: the table a user reads, led by the top class.
    with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
        json.dump(STEPS[0][1], f)
    printed = ctx.attnc.call(["run", so, d, "--image", files[0][0]])
    print("top-5 of", os.path.basename(files[0][0]) + ":")
    print(printed.rstrip())
