#!/usr/bin/env python3
"""Checks the images of the docs against the repository and the compiler.

    docs_images.py ROOT links             every image a Markdown file of ROOT
                                          (README.md, docs/*.md) shows exists
    docs_images.py ROOT graph SVG DOT     the Graphviz drawing SVG shows the
                                          graph of DOT (attnc --emit=dot now):
                                          the same text, label line by line

Prints one line per image or graph and exits 1 if any check fails.
"""
import collections
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')


def links(root):
    failed = 0
    files = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))
    for md in files:
        with open(md, encoding="utf-8") as f:
            for target in IMAGE.findall(f.read()):
                if "://" in target:
                    continue
                path = os.path.normpath(os.path.join(os.path.dirname(md), target))
                ok = os.path.isfile(path) and os.path.getsize(path) > 0
                failed += not ok
                print(f"{os.path.relpath(md, root)}: {target}: {'ok' if ok else 'MISSING'}")
    return failed


def graph(root, svg, dot):
    with open(dot, encoding="utf-8") as f:
        expected = collections.Counter(
            line.replace('\\"', '"').replace("\\\\", "\\")
            for label in LABEL.findall(f.read()) for line in label.split("\\n") if line)
    drawn = collections.Counter(
        t.text for t in ET.parse(os.path.join(root, svg)).iter("{http://www.w3.org/2000/svg}text")
        if t.text)
    missing, extra = expected - drawn, drawn - expected
    if not missing and not extra:
        print(f"{svg}: the graph attnc emits now ({sum(expected.values())} label lines)")
        return 0
    print(f"{svg}: STALE: not what attnc emits now; run tools/visualization-images.sh\n"
          f"  missing: {sorted(missing.elements())[:8]}\n  extra: {sorted(extra.elements())[:8]}")
    return 1


def main():
    root, what = sys.argv[1], sys.argv[2]
    failed = links(root) if what == "links" else graph(root, sys.argv[3], sys.argv[4])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
