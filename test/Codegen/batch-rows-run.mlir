// The f32 kernel of LowerContractions on a packed weight with a batch dim,
// run: C[b, m, :] = A[b, m, :] x P (B = 3 sequences of M = 5 rows, dynamic),
// against the same product written as plain loops (which the pass leaves
// alone). The batch is folded into the rows: 15 rows in one tile of 8, one
// of 4, one of 2 and a single row, tiles that span sequences (rows 5-7 of the
// first tile are sequence 1's). N = 100 (two full panels and a partial one,
// masked), K = 70. Small integers: every sum is exact in f32, so kernel and
// loops must agree exactly, and with the expected numbers (numpy).
//
// DEFINE: %{lower} = -convert-linalg-to-loops -lower-affine -arith-expand -convert-scf-to-cf -convert-vector-to-llvm -expand-strided-metadata -finalize-memref-to-llvm -convert-arith-to-llvm -convert-math-to-llvm -convert-index-to-llvm -convert-cf-to-llvm -convert-func-to-llvm -reconcile-unrealized-casts
// RUN: attnc-opt %s -attnc-lower-contractions | mlir-opt %{lower} | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// The kernel was emitted, its parallel loop over row blocks and panel
// groups only (the loops were not touched):
// RUN: attnc-opt %s -attnc-lower-contractions | FileCheck %s --check-prefix=IR
// IR-LABEL: func.func @product
// IR:         scf.parallel (%{{[^,]+}}, %{{[^,]+}}) =
// IR-NOT:     linalg.generic
// IR-LABEL: func.func @loops
//
// The largest |kernel - loops|:
// CHECK: {{^}}0{{$}}
// CHECK-NEXT: Unranked Memref {{.*}} sizes = [3, 5, 100]
// The first three and the last three numbers, from numpy (A @ P with the
// fills below).
// CHECK-NEXT: {{\[\[\[}}69,   165,   40,
// CHECK: -64,   78,   33]]]

#a = affine_map<(b, m, n, k) -> (b, m, k)>
#p = affine_map<(b, m, n, k) -> (n floordiv 48, k, n mod 48)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @product(%a: memref<?x?x70xf32>, %p: memref<3x70x48xf32>,
                   %c: memref<?x?x100xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<?x?x70xf32>, memref<3x70x48xf32>)
      outs(%c : memref<?x?x100xf32>) {
  ^bb0(%x: f32, %w: f32, %acc: f32):
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// The reference: the same sum, k ascending, as scf loops.
func.func @loops(%a: memref<3x5x70xf32>, %p: memref<3x70x48xf32>,
                 %c: memref<3x5x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c100 = arith.constant 100 : index
  %c70 = arith.constant 70 : index
  %c48 = arith.constant 48 : index
  scf.for %b = %c0 to %c3 step %c1 {
    scf.for %m = %c0 to %c5 step %c1 {
      scf.for %n = %c0 to %c100 step %c1 {
        %panel = arith.divui %n, %c48 : index
        %col = arith.remui %n, %c48 : index
        %init = memref.load %c[%b, %m, %n] : memref<3x5x100xf32>
        %sum = scf.for %k = %c0 to %c70 step %c1 iter_args(%acc = %init) -> f32 {
          %x = memref.load %a[%b, %m, %k] : memref<3x5x70xf32>
          %w = memref.load %p[%panel, %k, %col] : memref<3x70x48xf32>
          %prod = arith.mulf %x, %w : f32
          %next = arith.addf %acc, %prod : f32
          scf.yield %next : f32
        }
        memref.store %sum, %c[%b, %m, %n] : memref<3x5x100xf32>
      }
    }
  }
  return
}

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// A[b][m][k] = (7b + 5m + 3k) mod 11 - 5; P[p][k][j] = (5p + 13k + 3j) mod
// 17 - 8; C starts at 0.
func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<3x5x70xf32>
  %p = memref.alloc() : memref<3x70x48xf32>
  %c = memref.alloc() : memref<3x5x100xf32>
  %r = memref.alloc() : memref<3x5x100xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<3x5x100xf32>)
  linalg.fill ins(%zero : f32) outs(%r : memref<3x5x100xf32>)
  linalg.generic {indexing_maps = [affine_map<(b, m, k) -> (b, m, k)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%a : memref<3x5x70xf32>) {
  ^bb0(%out: f32):
    %b = linalg.index 0 : index
    %m = linalg.index 1 : index
    %k = linalg.index 2 : index
    %v = affine.apply affine_map<(b, m, k) -> ((b * 7 + m * 5 + k * 3) mod 11 - 5)>(%b, %m, %k)
    %i = arith.index_cast %v : index to i32
    %f = arith.sitofp %i : i32 to f32
    linalg.yield %f : f32
  }
  linalg.generic {indexing_maps = [affine_map<(p, k, j) -> (p, k, j)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%p : memref<3x70x48xf32>) {
  ^bb0(%out: f32):
    %pi = linalg.index 0 : index
    %k = linalg.index 1 : index
    %j = linalg.index 2 : index
    %v = affine.apply affine_map<(p, k, j) -> ((p * 5 + k * 13 + j * 3) mod 17 - 8)>(%pi, %k, %j)
    %i = arith.index_cast %v : index to i32
    %f = arith.sitofp %i : i32 to f32
    linalg.yield %f : f32
  }
  %ad = memref.cast %a : memref<3x5x70xf32> to memref<?x?x70xf32>
  %cd = memref.cast %c : memref<3x5x100xf32> to memref<?x?x100xf32>
  func.call @product(%ad, %p, %cd) : (memref<?x?x70xf32>, memref<3x70x48xf32>, memref<?x?x100xf32>) -> ()
  func.call @loops(%a, %p, %r) : (memref<3x5x70xf32>, memref<3x70x48xf32>, memref<3x5x100xf32>) -> ()
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c100 = arith.constant 100 : index
  %worst = scf.for %b = %c0 to %c3 step %c1 iter_args(%w0 = %zero) -> f32 {
    %seq = scf.for %m = %c0 to %c5 step %c1 iter_args(%w1 = %w0) -> f32 {
      %row = scf.for %n = %c0 to %c100 step %c1 iter_args(%w2 = %w1) -> f32 {
        %x = memref.load %c[%b, %m, %n] : memref<3x5x100xf32>
        %y = memref.load %r[%b, %m, %n] : memref<3x5x100xf32>
        %d = arith.subf %x, %y : f32
        %abs = math.absf %d : f32
        %w3 = arith.maximumf %w2, %abs : f32
        scf.yield %w3 : f32
      }
      scf.yield %row : f32
    }
    scf.yield %seq : f32
  }
  vector.print %worst : f32
  %u = memref.cast %c : memref<3x5x100xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
