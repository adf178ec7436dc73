"""The package away from its runtime and its compiler: clear errors.

usage: away_check.py {runtime,compiler}
"""
import sys

import attnc

try:
    if sys.argv[1] == "runtime":
        attnc.Model("x.so")
    else:
        attnc.compile("x.attn")
    print("no error")
except attnc.Error as e:
    print(f"{type(e).__name__}: {e}")
