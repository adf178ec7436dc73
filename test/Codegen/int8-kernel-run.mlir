// The int8 kernel of LowerContractions, run: C = A x (Q * scales) with Q an
// int8 weight packed in panels of 48 and its f32 scales one row per 32 k,
// against the same product written as plain loops (which the pass leaves
// alone), and against numpy. M = 17 (two 8-row tiles, which read the panels
// widened into the f32 pack once per k block of 256 at one thread, and a
// single row, which reads the i8 panels), N = 100
// (two full panels and a partial one, masked), K = 1100 (five k blocks of
// 256; the last scale block 12 long). Small integers times power-of-two
// scales: every sum is exact in f32, so kernel and loops must agree exactly.
//
// DEFINE: %{lower} = -convert-linalg-to-loops -lower-affine -arith-expand -convert-scf-to-cf -convert-vector-to-llvm -expand-strided-metadata -finalize-memref-to-llvm -convert-arith-to-llvm -convert-math-to-llvm -convert-index-to-llvm -convert-cf-to-llvm -convert-func-to-llvm -reconcile-unrealized-casts
// RUN: attnc-opt %s -attnc-lower-contractions | mlir-opt %{lower} | env OMP_NUM_THREADS=1 mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// The kernel was emitted (and the loops were not touched):
// RUN: attnc-opt %s -attnc-lower-contractions | FileCheck %s --check-prefix=IR
// IR-LABEL: func.func @product
// IR:         arith.sitofp %{{.+}} : vector<16xi8> to vector<16xf32>
// IR-NOT:     linalg.generic
// IR-LABEL: func.func @loops
//
// The largest |kernel - loops|:
// CHECK: {{^}}0{{$}}
// CHECK-NEXT: Unranked Memref {{.*}} sizes = [17, 100]
// The first and last four numbers, from numpy ((A @ dequantized Q) with the
// fills below, in float64; printed to 6 digits).
// CHECK-NEXT: {{\[\[}}-319,   -689.25,   -663.5,   136.375,
// CHECK: -2892.88,   -198.125,   -1041.44,   1823.81]]

#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#s = affine_map<(m, n, k) -> (n floordiv 48, k floordiv 32, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @product(%a: memref<17x1100xf32>, %p: memref<3x1100x48xi8>,
                   %s: memref<3x35x48xf32>, %c: memref<17x100xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p, %s : memref<17x1100xf32>, memref<3x1100x48xi8>, memref<3x35x48xf32>)
      outs(%c : memref<17x100xf32>) {
  ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
    %w = arith.sitofp %q : i8 to f32
    %ws = arith.mulf %w, %scale : f32
    %0 = arith.mulf %x, %ws : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// The reference: the same sum, k ascending, as scf loops.
func.func @loops(%a: memref<17x1100xf32>, %p: memref<3x1100x48xi8>,
                 %s: memref<3x35x48xf32>, %c: memref<17x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c9 = arith.constant 17 : index
  %c100 = arith.constant 100 : index
  %c1100 = arith.constant 1100 : index
  %c48 = arith.constant 48 : index
  %c32 = arith.constant 32 : index
  scf.for %m = %c0 to %c9 step %c1 {
    scf.for %n = %c0 to %c100 step %c1 {
      %panel = arith.divui %n, %c48 : index
      %col = arith.remui %n, %c48 : index
      %init = memref.load %c[%m, %n] : memref<17x100xf32>
      %sum = scf.for %k = %c0 to %c1100 step %c1 iter_args(%acc = %init) -> f32 {
        %x = memref.load %a[%m, %k] : memref<17x1100xf32>
        %q = memref.load %p[%panel, %k, %col] : memref<3x1100x48xi8>
        %block = arith.divui %k, %c32 : index
        %scale = memref.load %s[%panel, %block, %col] : memref<3x35x48xf32>
        %w = arith.sitofp %q : i8 to f32
        %ws = arith.mulf %w, %scale : f32
        %prod = arith.mulf %x, %ws : f32
        %next = arith.addf %acc, %prod : f32
        scf.yield %next : f32
      }
      memref.store %sum, %c[%m, %n] : memref<17x100xf32>
    }
  }
  return
}

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// A[m][k] = (7m + 3k) mod 11 - 5; Q[p][k][j] = (5p + 13k + 3j) mod 255 - 127;
// S[p][b][j] = 2^-((p + b * 3 + j) mod 5); C starts at 0.
func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<17x1100xf32>
  %p = memref.alloc() : memref<3x1100x48xi8>
  %s = memref.alloc() : memref<3x35x48xf32>
  %c = memref.alloc() : memref<17x100xf32>
  %r = memref.alloc() : memref<17x100xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<17x100xf32>)
  linalg.fill ins(%zero : f32) outs(%r : memref<17x100xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%a : memref<17x1100xf32>) {
  ^bb0(%out: f32):
    %m = linalg.index 0 : index
    %k = linalg.index 1 : index
    %v = affine.apply affine_map<(m, k) -> ((m * 7 + k * 3) mod 11 - 5)>(%m, %k)
    %i = arith.index_cast %v : index to i32
    %f = arith.sitofp %i : i32 to f32
    linalg.yield %f : f32
  }
  linalg.generic {indexing_maps = [affine_map<(p, k, j) -> (p, k, j)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%p : memref<3x1100x48xi8>) {
  ^bb0(%out: i8):
    %pi = linalg.index 0 : index
    %k = linalg.index 1 : index
    %j = linalg.index 2 : index
    %v = affine.apply affine_map<(p, k, j) -> ((p * 5 + k * 13 + j * 3) mod 255 - 127)>(%pi, %k, %j)
    %i = arith.index_cast %v : index to i8
    linalg.yield %i : i8
  }
  linalg.generic {indexing_maps = [affine_map<(p, b, j) -> (p, b, j)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%s : memref<3x35x48xf32>) {
  ^bb0(%out: f32):
    %pi = linalg.index 0 : index
    %b = linalg.index 1 : index
    %j = linalg.index 2 : index
    %e = affine.apply affine_map<(p, b, j) -> ((p + b * 3 + j) mod 5)>(%pi, %b, %j)
    %ei = arith.index_cast %e : index to i32
    %one = arith.constant 1 : i32
    %pow = arith.shli %one, %ei : i32
    %pf = arith.sitofp %pow : i32 to f32
    %unit = arith.constant 1.0 : f32
    %f = arith.divf %unit, %pf : f32
    linalg.yield %f : f32
  }
  func.call @product(%a, %p, %s, %c) : (memref<17x1100xf32>, memref<3x1100x48xi8>, memref<3x35x48xf32>, memref<17x100xf32>) -> ()
  func.call @loops(%a, %p, %s, %r) : (memref<17x1100xf32>, memref<3x1100x48xi8>, memref<3x35x48xf32>, memref<17x100xf32>) -> ()
  %c9 = arith.constant 17 : index
  %c100 = arith.constant 100 : index
  %worst = scf.for %m = %c0 to %c9 step %c1 iter_args(%w0 = %zero) -> f32 {
    %row = scf.for %n = %c0 to %c100 step %c1 iter_args(%w1 = %w0) -> f32 {
      %x = memref.load %c[%m, %n] : memref<17x100xf32>
      %y = memref.load %r[%m, %n] : memref<17x100xf32>
      %d = arith.subf %x, %y : f32
      %ad = math.absf %d : f32
      %w2 = arith.maximumf %w1, %ad : f32
      scf.yield %w2 : f32
    }
    scf.yield %row : f32
  }
  vector.print %worst : f32
  %u = memref.cast %c : memref<17x100xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
