#!/usr/bin/env python3
"""Writes the picture fuzzer's seeds with Pillow: make-picture-seeds.py DIR.
Small pictures of every kind the decoder handles (PNG: RGB, RGBA, grey,
grey+alpha, palette with transparency, 16-bit, interlaced; JPEG: colour,
grey, progressive, CMYK), so that mutations start from valid structure."""
import io
import os
import sys

import numpy as np
from PIL import Image

d = sys.argv[1]
os.makedirs(d, exist_ok=True)
rng = np.random.default_rng(7)
rgb = Image.fromarray(rng.integers(0, 256, (6, 7, 3), dtype=np.uint8), "RGB")
seeds = {
    "rgb.png": (rgb, {}),
    "rgba.png": (rgb.convert("RGBA"), {}),
    "grey.png": (rgb.convert("L"), {}),
    "grey-alpha.png": (rgb.convert("LA"), {}),
    "palette.png": (rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=8),
                    {"transparency": 0}),
    "grey16.png": (Image.fromarray(rng.integers(0, 65536, (5, 4), dtype=np.uint16)), {}),
    "interlaced.png": (rgb, {"interlace": 1}),
    "rgb.jpg": (rgb, {"quality": 80}),
    "grey.jpg": (rgb.convert("L"), {"quality": 80}),
    "progressive.jpg": (rgb.resize((16, 16)), {"quality": 70, "progressive": True}),
    "cmyk.jpg": (rgb.convert("CMYK"), {}),
}
for name, (image, options) in seeds.items():
    buffer = io.BytesIO()
    image.save(buffer, format="PNG" if name.endswith(".png") else "JPEG", **options)
    with open(os.path.join(d, name), "wb") as f:
        f.write(buffer.getvalue())
