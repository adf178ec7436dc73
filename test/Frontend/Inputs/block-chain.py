"""Writes a model whose blocks form a chain: block b<i> calls b<i-1>
`calls` times. Used to test the limits on nested and inlined blocks."""
import sys

depth, calls = int(sys.argv[1]), int(sys.argv[2])
print("model chain {\n  dim seq\n  input x : f32[seq, 4]")
print("  block b0(x) {\n    return x\n  }")
for i in range(1, depth):
    body = " + ".join([f"b{i - 1}(x)"] * calls)
    print(f"  block b{i}(x) {{\n    return {body}\n  }}")
print(f"  output y = b{depth - 1}(x)\n}}")
