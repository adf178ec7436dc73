#!/usr/bin/env python3
"""Writes the pictures test/Image's tests read, with Pillow:
  make-pictures.py DIR
DIR/ok.png (12x9 RGB), DIR/ok.jpg, DIR/cut.png and DIR/cut.jpg (the same
files cut short), DIR/cmyk.jpg, DIR/text.png (not a picture at all)."""
import os
import sys

import numpy as np
from PIL import Image

d = sys.argv[1]
rng = np.random.default_rng(5)
image = Image.fromarray(rng.integers(0, 256, (9, 12, 3), dtype=np.uint8), "RGB")
image.save(os.path.join(d, "ok.png"))
image.resize((64, 48)).save(os.path.join(d, "ok.jpg"), quality=90)
image.convert("CMYK").save(os.path.join(d, "cmyk.jpg"))
for name in ("ok.png", "ok.jpg"):
    data = open(os.path.join(d, name), "rb").read()
    open(os.path.join(d, name.replace("ok", "cut")), "wb").write(data[:len(data) * 2 // 3])
open(os.path.join(d, "text.png"), "w").write("not a picture\n")
