#!/usr/bin/env python3
"""Trains a tiny ViT (examples/vit.attn's layout) to tell in which quadrant
of a noisy 32x32 picture a red square lies, and writes it as a Hugging Face
model directory with a picture of its own: the model docs/visualization.md
draws the attention of (tools/visualization-images.sh). A ViT with random
weights attends nowhere in particular; this one has learned to look at the
square. Seeded: the same weights every run on the same PyTorch.

usage: tiny-vit-squares.py OUTDIR
"""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test",
                                "reference"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

import safetensors_np  # noqa: E402
import vit_ref  # noqa: E402

CONFIG = dict(image_size=32, patch_size=4, num_channels=3, hidden_size=64,
              num_hidden_layers=2, num_attention_heads=4, intermediate_size=128, num_labels=4)
LABELS = ["top left", "top right", "bottom left", "bottom right"]
SQUARE = 6


def pictures(rng, count):
    """uint8 [count, 32, 32, 3] noisy pictures with a red square, and its quadrant."""
    size = CONFIG["image_size"]
    # Smooth colored gradients with a little noise, as photographs have.
    y, x = np.mgrid[0:size, 0:size] / size
    slopes = rng.uniform(-60, 60, (count, 1, 1, 3, 2))
    base = rng.uniform(80, 170, (count, 1, 1, 3))
    images = (base + slopes[..., 0] * x[None, :, :, None] + slopes[..., 1] * y[None, :, :, None]
              + rng.normal(0, 8, (count, size, size, 3)))
    images = np.clip(images, 0, 255).astype(np.uint8)
    labels = rng.integers(0, 4, count)
    for image, label in zip(images, labels):
        half = size // 2
        y = rng.integers(0, half - SQUARE + 1) + half * (label // 2)
        x = rng.integers(0, half - SQUARE + 1) + half * (label % 2)
        image[y:y + SQUARE, x:x + SQUARE] = (230, 20, 20)
    return images, labels


def pixels(images):
    return torch.from_numpy((images.astype(np.float32) / 255 - 0.5) / 0.5).permute(0, 3, 1, 2)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    rng = np.random.default_rng(7)
    model = vit_ref.ViT(**CONFIG)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for step in range(400):
        images, labels = pictures(rng, 64)
        loss = torch.nn.functional.cross_entropy(model(pixels(images)), torch.from_numpy(labels))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    images, labels = pictures(rng, 256)
    with torch.no_grad():
        accuracy = (model(pixels(images)).argmax(-1).numpy() == labels).mean()
    print(f"accuracy on 256 new pictures: {accuracy:.3f}", file=sys.stderr)
    safetensors_np.save(os.path.join(out, "model.safetensors"), model.checkpoint())
    config = {k: v for k, v in CONFIG.items() if k != "num_labels"}
    config.update(id2label={str(i): n for i, n in enumerate(LABELS)}, layer_norm_eps=1e-12,
                  architectures=["ViTForImageClassification"], model_type="vit")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
        json.dump({"do_resize": True, "size": {"height": 32, "width": 32}, "resample": 2,
                   "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
                   "image_mean": [0.5] * 3, "image_std": [0.5] * 3,
                   "image_processor_type": "ViTImageProcessor"}, f, indent=1)
    images, _ = pictures(np.random.default_rng(3), 1)
    Image.fromarray(images[0], "RGB").save(os.path.join(out, "picture.png"))


if __name__ == "__main__":
    main()
