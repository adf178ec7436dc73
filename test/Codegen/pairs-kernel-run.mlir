// The bf16 pair kernel of LowerContractions (layout panel_pairs), run: C =
// bf16(A) x B with B bf16 in pairs of k, against the same product written as
// plain loops (which the pass leaves alone) that round A with arith.truncf.
// Twice: on this module's target (avx512bf16: vdpbf16ps) and with the
// feature removed (integer rounding, widened pairs, FMAs). M = 9 (an 8-row
// tile and a single row), N = 100 (two full panels and a partial one,
// masked), K = 1027 (k blocks of 512, 512 and an odd 3: the last pair's
// second A element is the zero pad, which must meet B's nonzero pad).
// A = v + s/128 (v in -5..5, s in -1..1): rounding to bf16 moves the
// elements of magnitude 2 and more; B small integers. Every rounded product
// and sum is exact in f32, so kernel and loops must agree exactly, and
// differ from the loops on the unrounded A.
//
// REQUIRES: avx512bf16
// DEFINE: %{lower} = -convert-linalg-to-loops -arith-expand -lower-affine -arith-expand -convert-scf-to-cf -convert-vector-to-llvm -expand-strided-metadata -finalize-memref-to-llvm -convert-arith-to-llvm -convert-math-to-llvm -convert-index-to-llvm -convert-cf-to-llvm -convert-func-to-llvm -reconcile-unrealized-casts
// RUN: attnc-opt %s -attnc-lower-contractions | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: sed 's/"avx512bf16"/"avx512bw"/' %s | attnc-opt -attnc-lower-contractions | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// M = 1 (a decode step's one row: its own form, the row rounded over all of
// K = 1027 first, each panel's tile over all 514 pairs), each way:
// DEFINE: %{one_row} = sed -e 's/9x/1x/g' -e 's/%c9 = arith.constant 9/%c9 = arith.constant 1/'
// RUN: %{one_row} %s | attnc-opt -attnc-lower-contractions | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: %{one_row} %s | sed 's/"avx512bf16"/"avx512bw"/' | attnc-opt -attnc-lower-contractions | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// The kernel was emitted, each way (and the loops were not touched):
// RUN: attnc-opt %s -attnc-lower-contractions | FileCheck %s --check-prefix=DOT
// DOT-LABEL: func.func @product
// DOT:         llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// DOT-NOT:     linalg.generic
// DOT-LABEL: func.func @loops
// RUN: sed 's/"avx512bf16"/"avx512bw"/' %s | attnc-opt -attnc-lower-contractions | FileCheck %s --check-prefix=FMA
// FMA-LABEL: func.func @product
// FMA-NOT:     llvm.call_intrinsic
// FMA:         vector.fma
// FMA-NOT:     linalg.generic
// FMA-LABEL: func.func @loops
//
// The largest |kernel - loops|, then |kernel - loops on unrounded A| (not 0):
// CHECK: {{^}}0{{$}}
// CHECK-NEXT: {{^([1-9]|0\.[0-9]*[1-9])}}

module attributes {attn.target = {cpu = "znver5", features = ["avx512f", "avx512bf16"], f32_lanes = 16 : i64, vector_registers = 32 : i64}} {
  func.func @product(%a: memref<9x1027xf32>, %p: memref<3x514x48x2xbf16>, %c: memref<9x100xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 2, n mod 48, k mod 2)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p : memref<9x1027xf32>, memref<3x514x48x2xbf16>) outs(%c : memref<9x100xf32>) {
    ^bb0(%x: f32, %y: bf16, %acc: f32):
      %xr = arith.truncf %x : f32 to bf16
      %xw = arith.extf %xr : bf16 to f32
      %w = arith.extf %y : bf16 to f32
      %0 = arith.mulf %xw, %w : f32
      %1 = arith.addf %acc, %0 : f32
      linalg.yield %1 : f32
    }
    return
  }

  // The reference: the same sum, k ascending, as scf loops; A rounded when
  // `round` is set.
  func.func @loops(%a: memref<9x1027xf32>, %p: memref<3x514x48x2xbf16>, %c: memref<9x100xf32>, %round: i1) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c9 = arith.constant 9 : index
    %c100 = arith.constant 100 : index
    %c1027 = arith.constant 1027 : index
    %c48 = arith.constant 48 : index
    scf.for %m = %c0 to %c9 step %c1 {
      scf.for %n = %c0 to %c100 step %c1 {
        %panel = arith.divui %n, %c48 : index
        %col = arith.remui %n, %c48 : index
        %init = memref.load %c[%m, %n] : memref<9x100xf32>
        %sum = scf.for %k = %c0 to %c1027 step %c1 iter_args(%acc = %init) -> f32 {
          %x = memref.load %a[%m, %k] : memref<9x1027xf32>
          %xr = arith.truncf %x : f32 to bf16
          %xw = arith.extf %xr : bf16 to f32
          %xs = arith.select %round, %xw, %x : f32
          %q = arith.divui %k, %c2 : index
          %t = arith.remui %k, %c2 : index
          %y = memref.load %p[%panel, %q, %col, %t] : memref<3x514x48x2xbf16>
          %w = arith.extf %y : bf16 to f32
          %prod = arith.mulf %xs, %w : f32
          %next = arith.addf %acc, %prod : f32
          scf.yield %next : f32
        }
        memref.store %sum, %c[%m, %n] : memref<9x100xf32>
      }
    }
    return
  }

  func.func @worst(%x: memref<9x100xf32>, %y: memref<9x100xf32>) -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c9 = arith.constant 9 : index
    %c100 = arith.constant 100 : index
    %zero = arith.constant 0.0 : f32
    %worst = scf.for %m = %c0 to %c9 step %c1 iter_args(%w0 = %zero) -> f32 {
      %row = scf.for %n = %c0 to %c100 step %c1 iter_args(%w1 = %w0) -> f32 {
        %u = memref.load %x[%m, %n] : memref<9x100xf32>
        %v = memref.load %y[%m, %n] : memref<9x100xf32>
        %d = arith.subf %u, %v : f32
        %ad = math.absf %d : f32
        %w2 = arith.maximumf %w1, %ad : f32
        scf.yield %w2 : f32
      }
      scf.yield %row : f32
    }
    return %worst : f32
  }

  // A[m][k] = ((7m + 3k) mod 11 - 5) + ((m + k) mod 3 - 1) / 128;
  // B[p][q][j][t] = (5p + 13(2q + t) + 3j) mod 15 - 7 (the pad too); C = 0.
  func.func @main() {
    %a = memref.alloc() : memref<9x1027xf32>
    %p = memref.alloc() : memref<3x514x48x2xbf16>
    %c = memref.alloc() : memref<9x100xf32>
    %r = memref.alloc() : memref<9x100xf32>
    %u = memref.alloc() : memref<9x100xf32>
    %zero = arith.constant 0.0 : f32
    linalg.fill ins(%zero : f32) outs(%c : memref<9x100xf32>)
    linalg.fill ins(%zero : f32) outs(%r : memref<9x100xf32>)
    linalg.fill ins(%zero : f32) outs(%u : memref<9x100xf32>)
    linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>],
                    iterator_types = ["parallel", "parallel"]}
        outs(%a : memref<9x1027xf32>) {
    ^bb0(%out: f32):
      %m = linalg.index 0 : index
      %k = linalg.index 1 : index
      %v = affine.apply affine_map<(m, k) -> ((m * 7 + k * 3) mod 11 - 5)>(%m, %k)
      %s = affine.apply affine_map<(m, k) -> ((m + k) mod 3 - 1)>(%m, %k)
      %vi = arith.index_cast %v : index to i32
      %si = arith.index_cast %s : index to i32
      %vf = arith.sitofp %vi : i32 to f32
      %sf = arith.sitofp %si : i32 to f32
      %scale = arith.constant 0.0078125 : f32
      %frac = arith.mulf %sf, %scale : f32
      %f = arith.addf %vf, %frac : f32
      linalg.yield %f : f32
    }
    linalg.generic {indexing_maps = [affine_map<(p, q, j, t) -> (p, q, j, t)>],
                    iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        outs(%p : memref<3x514x48x2xbf16>) {
    ^bb0(%out: bf16):
      %pi = linalg.index 0 : index
      %q = linalg.index 1 : index
      %j = linalg.index 2 : index
      %t = linalg.index 3 : index
      %v = affine.apply affine_map<(p, q, j, t) -> ((p * 5 + (q * 2 + t) * 13 + j * 3) mod 15 - 7)>(%pi, %q, %j, %t)
      %i = arith.index_cast %v : index to i32
      %f = arith.sitofp %i : i32 to bf16
      linalg.yield %f : bf16
    }
    %true = arith.constant true
    %false = arith.constant false
    func.call @product(%a, %p, %c) : (memref<9x1027xf32>, memref<3x514x48x2xbf16>, memref<9x100xf32>) -> ()
    func.call @loops(%a, %p, %r, %true) : (memref<9x1027xf32>, memref<3x514x48x2xbf16>, memref<9x100xf32>, i1) -> ()
    func.call @loops(%a, %p, %u, %false) : (memref<9x1027xf32>, memref<3x514x48x2xbf16>, memref<9x100xf32>, i1) -> ()
    %w = func.call @worst(%c, %r) : (memref<9x100xf32>, memref<9x100xf32>) -> f32
    vector.print %w : f32
    %wu = func.call @worst(%c, %u) : (memref<9x100xf32>, memref<9x100xf32>) -> f32
    vector.print %wu : f32
    return
  }
}
