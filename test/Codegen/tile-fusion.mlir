// RUN: attnc-opt %s -split-input-file -attnc-prepare-tile-fusion | FileCheck %s --check-prefix=PREP
// RUN: attnc-opt %s -split-input-file -attnc-prepare-tile-fusion -attnc-lower-contractions -canonicalize -cse | FileCheck %s

#x = affine_map<(b, s, n, k) -> (b, s, k)>
#w = affine_map<(b, s, n, k) -> (n floordiv 48, k, n mod 48)>
#y = affine_map<(b, s, n, k) -> (b, s, n)>
#id = affine_map<(b, s, n) -> (b, s, n)>
#bias = affine_map<(b, s, n) -> (n)>

// linear + bias + GELU (tanh), the weight packed at load: the bias fills the
// tile of the first k block (no pass writing it into C), GELU is computed on
// the tile of the last k block and stored to its output; the output's alloc
// moves above the kernel (the kernel writes it while it still reads %x).
// PREP-LABEL: func.func @bias_gelu
// PREP:         %[[C:.+]] = memref.alloc
// PREP-NEXT:    %[[D:.+]] = memref.alloc
// PREP-NEXT:    linalg.generic {{.*}} ins(%{{.+}} : memref<100xf32>) outs(%[[C]]
// PREP:         linalg.generic {{.*}} outs(%[[C]]
// PREP:         linalg.generic {{.*}} ins(%[[C]] : {{.*}}) outs(%[[D]] : {{.*}}) attrs = {attnc.epilogue}
// CHECK-LABEL: func.func @bias_gelu
// CHECK-NOT:     linalg.generic
// CHECK:         scf.parallel
// CHECK:           scf.for %[[K0:.+]] = %c0 to %c300 step %c256
// CHECK:             %[[FIRST:.+]] = arith.cmpi eq, %[[K0]], %c0
// CHECK:             scf.if %[[FIRST]] -> (vector<16xf32>
// CHECK:               vector.load %{{.+}} : memref<100xf32>, vector<16xf32>
// CHECK:             } else {
// CHECK:               vector.load %{{.+}} : memref<?x?x100xf32>, vector<16xf32>
// CHECK:             vector.fma
// CHECK:             %[[LAST:.+]] = arith.cmpi eq, %{{.+}}, %c300
// CHECK:             scf.if %[[LAST]] {
// CHECK:               math.tanh %{{.+}} : vector<16xf32>
// CHECK:               vector.store %{{.+}}, %[[OUT:.+]][
// CHECK:             } else {
// CHECK:               vector.store
// CHECK-NOT:     linalg.generic
func.func @bias_gelu(%x: memref<?x?x300xf32>, %w: memref<3x300x48xf32>, %b: memref<100xf32>) -> memref<?x?x100xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %k = arith.constant 0.797884583 : f32
  %d0 = memref.dim %x, %c0 : memref<?x?x300xf32>
  %d1 = memref.dim %x, %c1 : memref<?x?x300xf32>
  %c = memref.alloc(%d0, %d1) : memref<?x?x100xf32>
  linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b : memref<100xf32>) outs(%c : memref<?x?x100xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x300xf32>, memref<3x300x48xf32>) outs(%c : memref<?x?x100xf32>) {
  ^bb0(%a: f32, %bb: f32, %acc: f32):
    %0 = arith.mulf %a, %bb : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  %d = memref.alloc(%d0, %d1) : memref<?x?x100xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c : memref<?x?x100xf32>) outs(%d : memref<?x?x100xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %k : f32
    %1 = math.tanh %0 : f32
    %2 = arith.addf %1, %one : f32
    %3 = arith.mulf %in, %half : f32
    %4 = arith.mulf %3, %2 : f32
    linalg.yield %4 : f32
  }
  return %d : memref<?x?x100xf32>
}

// -----

#x = affine_map<(b, s, n, k) -> (b, s, k)>
#w = affine_map<(b, s, n, k) -> (n floordiv 48, k, n mod 48)>
#y = affine_map<(b, s, n, k) -> (b, s, n)>
#id = affine_map<(b, s, n) -> (b, s, n)>

// A residual add into the caller's buffer %out (not one of the operands),
// after zeros: C is never written at all when K fits one k block.
// PREP-LABEL: func.func @residual
// PREP:         attrs = {attnc.epilogue}
// (K = 64: one k block, so both conditions fold away.)
// CHECK-LABEL: func.func @residual
// CHECK-SAME:    %[[R:[^:]+]]: memref<?x?x64xf32>, %[[OUT:[^:]+]]: memref<?x?x64xf32>)
// CHECK-NOT:     linalg.
// CHECK:         %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK:         scf.for {{.+}} iter_args(%{{.+}} = %[[ZERO]],
// CHECK:           vector.fma
// CHECK:         %[[RES:.+]] = vector.load %[[R]][{{.+}}] : memref<?x?x64xf32>, vector<16xf32>
// CHECK:         %[[SUM:.+]] = arith.addf %[[RES]], %{{.+}} : vector<16xf32>
// CHECK:         vector.store %[[SUM]], %[[OUT]][{{.+}}] : memref<?x?x64xf32>, vector<16xf32>
// CHECK-NOT:     linalg.
func.func @residual(%x: memref<?x?x64xf32>, %w: memref<2x64x48xf32>, %r: memref<?x?x64xf32>, %out: memref<?x?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %d0 = memref.dim %x, %c0 : memref<?x?x64xf32>
  %d1 = memref.dim %x, %c1 : memref<?x?x64xf32>
  %c = memref.alloc(%d0, %d1) : memref<?x?x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<?x?x64xf32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x64xf32>, memref<2x64x48xf32>) outs(%c : memref<?x?x64xf32>) {
  ^bb0(%a: f32, %bb: f32, %acc: f32):
    %0 = arith.mulf %a, %bb : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r, %c : memref<?x?x64xf32>, memref<?x?x64xf32>) outs(%out : memref<?x?x64xf32>) {
  ^bb0(%in: f32, %in2: f32, %o: f32):
    %0 = arith.addf %in, %in2 : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

#x = affine_map<(b, s, n, k) -> (b, s, k)>
#w = affine_map<(b, s, n, k) -> (n floordiv 48, k, n mod 48)>
#y = affine_map<(b, s, n, k) -> (b, s, n)>
#id = affine_map<(b, s, n) -> (b, s, n)>

// Not fused: the epilogue would write over %x, which other tiles still read;
// and C read again afterwards. Both stay as they are.
// PREP-LABEL: func.func @unsafe
// PREP-NOT:     attnc.epilogue
// CHECK-LABEL: func.func @unsafe
// CHECK:         vector.fma
// CHECK:         linalg.generic
// CHECK:         vector.fma
// CHECK:         linalg.generic
func.func @unsafe(%x: memref<?x?x64xf32>, %w: memref<2x64x48xf32>, %out: memref<?x?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %d0 = memref.dim %x, %c0 : memref<?x?x64xf32>
  %d1 = memref.dim %x, %c1 : memref<?x?x64xf32>
  %c = memref.alloc(%d0, %d1) : memref<?x?x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<?x?x64xf32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x64xf32>, memref<2x64x48xf32>) outs(%c : memref<?x?x64xf32>) {
  ^bb0(%a: f32, %bb: f32, %acc: f32):
    %0 = arith.mulf %a, %bb : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c : memref<?x?x64xf32>) outs(%x : memref<?x?x64xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.negf %in : f32
    linalg.yield %0 : f32
  }
  %c2 = memref.alloc(%d0, %d1) : memref<?x?x64xf32>
  linalg.fill ins(%zero : f32) outs(%c2 : memref<?x?x64xf32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x64xf32>, memref<2x64x48xf32>) outs(%c2 : memref<?x?x64xf32>) {
  ^bb0(%a: f32, %bb: f32, %acc: f32):
    %0 = arith.mulf %a, %bb : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c2 : memref<?x?x64xf32>) outs(%out : memref<?x?x64xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.negf %in : f32
    linalg.yield %0 : f32
  }
  memref.copy %c2, %out : memref<?x?x64xf32> to memref<?x?x64xf32>
  return
}
