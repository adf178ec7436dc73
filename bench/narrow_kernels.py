#!/usr/bin/env python3
"""The decode-shaped product of each weight storage, kernel alone.

y[1, N] = x[1, K] W with W packed at load (K = 768, N = 96000: 73.7M
weights, far beyond the caches) in f32, bf16, or int8 with f16 block scales,
through attnc-lower-contractions, run by mlir-cpu-runner at one thread.
Interleaved rounds; each prints the process CPU time of 20 products (the
machine is shared: CPU time, not wall). Until `--weight-type int8` reaches
the runtime (docs/abi.md), this is where int8's decode speed is measured.

  bench/narrow_kernels.py [--rounds 3] [--build build]
"""
import argparse
import os
import statistics
import subprocess
import tempfile

K, PANELS, WIDTH, CALLS = 768, 2000, 48, 20
N = PANELS * WIDTH
LOWER = ("-convert-linalg-to-loops -lower-affine -convert-scf-to-cf "
         "-convert-vector-to-llvm -expand-strided-metadata "
         "-finalize-memref-to-llvm -convert-arith-to-llvm "
         "-convert-math-to-llvm -convert-index-to-llvm -convert-cf-to-llvm "
         "-convert-func-to-llvm -reconcile-unrealized-casts").split()
LLVM = "/usr/lib/llvm-19"
ELEMENT = {"f32": "f32", "bf16": "bf16", "int8": "i8"}
BYTES = {"f32": 4.0, "bf16": 2.0, "int8": 1.0 + 2.0 / 32}


def module(kind):
    el = ELEMENT[kind]
    packed = f"memref<{PANELS}x{K}x{WIDTH}x{el}>"
    scales = f"memref<{PANELS}x{K // 32}x{WIDTH}xf16>"
    args = "%a, %p, %s" if kind == "int8" else "%a, %p"
    types = (f"memref<1x{K}xf32>, {packed}"
             + (f", {scales}" if kind == "int8" else ""))
    maps = "#a, #p, #s, #c" if kind == "int8" else "#a, #p, #c"
    widen = {
        "f32": "^bb0(%x: f32, %w: f32, %acc: f32):",
        "bf16": "^bb0(%x: f32, %q: bf16, %acc: f32):\n"
                "    %w = arith.extf %q : bf16 to f32",
        "int8": "^bb0(%x: f32, %q: i8, %half: f16, %acc: f32):\n"
                "    %scale = arith.extf %half : f16 to f32\n"
                "    %i = arith.sitofp %q : i8 to f32\n"
                "    %w = arith.mulf %i, %scale : f32",
    }[kind]
    fill_value = {"f32": "1.0 : f32", "bf16": "1.0 : bf16", "int8": "3 : i8"}[kind]
    fill_scales = (f"  %s = memref.alloc() {{alignment = 64 : i64}} : {scales}\n"
                   f"  %one_half = arith.constant 1.0 : f16\n"
                   f"  linalg.fill ins(%one_half : f16) outs(%s : {scales})\n"
                   if kind == "int8" else "")
    call = (f"func.call @product({args}, %c) : ({types}, memref<1x{N}xf32>) -> ()")
    return f"""
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv {WIDTH}, k, n mod {WIDTH})>
#s = affine_map<(m, n, k) -> (n floordiv {WIDTH}, k floordiv 32, n mod {WIDTH})>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @product({", ".join(f"{v}: {t}" for v, t in zip(args.split(", "), types.split(", ")))}, %c: memref<1x{N}xf32>) {{
  linalg.generic {{indexing_maps = [{maps}], iterator_types = ["parallel", "parallel", "reduction"]}}
      ins({args} : {types}) outs(%c : memref<1x{N}xf32>) {{
  {widen}
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }}
  return
}}
func.func private @clock() -> i64
func.func @main() {{
  %a = memref.alloc() : memref<1x{K}xf32>
  %p = memref.alloc() {{alignment = 64 : i64}} : {packed}
  %c = memref.alloc() : memref<1x{N}xf32>
  %one = arith.constant 1.0 : f32
  %v = arith.constant {fill_value}
  linalg.fill ins(%one : f32) outs(%a : memref<1x{K}xf32>)
  linalg.fill ins(%one : f32) outs(%c : memref<1x{N}xf32>)
  linalg.fill ins(%v : {el}) outs(%p : {packed})
{fill_scales}  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %calls = arith.constant {CALLS} : index
  {call}
  %t0 = func.call @clock() : () -> i64
  scf.for %i = %c0 to %calls step %c1 {{
    {call}
  }}
  %t1 = func.call @clock() : () -> i64
  %dt = arith.subi %t1, %t0 : i64
  vector.print %dt : i64
  return
}}
"""


def lower(kind, build, directory):
    source = os.path.join(directory, kind + ".mlir")
    with open(source, "w") as f:
        f.write(module(kind))
    kernel = subprocess.run(
        [os.path.join(build, "bin", "attnc-opt"), source,
         "-attnc-lower-contractions"], check=True, capture_output=True).stdout
    llvm = subprocess.run([f"{LLVM}/bin/mlir-opt", *LOWER], input=kernel,
                          check=True, capture_output=True).stdout
    path = os.path.join(directory, kind + ".llvm.mlir")
    with open(path, "wb") as f:
        f.write(llvm)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build", default=os.environ.get(
        "ATTNC_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "build")))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        lowered = {kind: lower(kind, args.build, directory) for kind in ELEMENT}
        cpu = {kind: [] for kind in ELEMENT}
        for _ in range(args.rounds):
            for kind, path in lowered.items():
                out = subprocess.run(
                    ["taskset", "-c", "0", f"{LLVM}/bin/mlir-cpu-runner", "-O3",
                     "-e", "main", "-entry-point-result=void",
                     f"-shared-libs={LLVM}/lib/libmlir_c_runner_utils.so", path],
                    check=True, capture_output=True, text=True).stdout
                cpu[kind].append(int(out.split()[-1]) / 1000.0 / CALLS)
    print(f"load average {os.getloadavg()[0]:.1f}; K = {K}, N = {N}, "
          f"1 thread, median CPU ms per product of {args.rounds} rounds")
    base = statistics.median(cpu["f32"])
    for kind, times in cpu.items():
        ms = statistics.median(times)
        gbs = K * N * BYTES[kind] / ms / 1e6
        print(f"{kind:5} {ms:7.2f} ms  {gbs:5.1f} GB/s  {base / ms:4.2f}x f32")


if __name__ == "__main__":
    main()
