// RUN: attnc-opt %s -split-input-file -attnc-vectorize-generics -canonicalize -cse | FileCheck %s

// Elementwise with a broadcast operand: rows in parallel, 16 columns per
// step, then one masked step for the remainder.
// CHECK-LABEL: func.func @bias
// CHECK:         scf.parallel (%[[M:.+]]) = (%c0) to (%{{.+}}) step (%c1)
// CHECK:           scf.for %[[J:.+]] = %c0 to %{{.+}} step %c16
// CHECK:             %[[X:.+]] = vector.load %arg0[%[[M]], %[[J]]] : memref<?x?xf32>, vector<16xf32>
// CHECK:             %[[B:.+]] = vector.load %arg1[%[[J]]] : memref<?xf32>, vector<16xf32>
// CHECK:             %[[S:.+]] = arith.addf %[[X]], %[[B]] : vector<16xf32>
// CHECK:             vector.store %[[S]], %arg2[%[[M]], %[[J]]]
// CHECK:           %[[MASK:.+]] = vector.create_mask %{{.+}} : vector<16xi1>
// CHECK:           vector.maskedload %arg0[%[[M]], %{{.+}}], %[[MASK]]
// CHECK:           vector.maskedstore %arg2[%[[M]], %{{.+}}], %[[MASK]]
// CHECK-NOT:     linalg.generic
func.func @bias(%x: memref<?x?xf32>, %b: memref<?xf32>, %y: memref<?x?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<?x?xf32>, memref<?xf32>) outs(%y : memref<?x?xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %0 = arith.addf %a, %c : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// A reduction along the innermost loop keeps 16 partial sums in a vector and
// combines them, and the output's previous value, once per row.
// CHECK-LABEL: func.func @row_sum_of_exp
// CHECK:         scf.parallel (%[[R:.+]]) =
// CHECK:           %[[ACC:.+]] = scf.for {{.+}} iter_args(%[[A:.+]] = %{{.+}}) -> (vector<16xf32>)
// CHECK:             math.exp %{{.+}} : vector<16xf32>
// CHECK:             arith.addf %[[A]], %{{.+}} : vector<16xf32>
// CHECK:           arith.select %{{.+}}, %{{.+}}, %{{.+}} : vector<16xi1>, vector<16xf32>
// CHECK:           %[[TOTAL:.+]] = vector.reduction <add>, %{{.+}} : vector<16xf32> into f32
// CHECK:           %[[OLD:.+]] = memref.load %arg1[%[[R]]]
// CHECK:           %[[NEW:.+]] = arith.addf %[[OLD]], %[[TOTAL]] : f32
// CHECK:           memref.store %[[NEW]], %arg1[%[[R]]]
func.func @row_sum_of_exp(%x: memref<?x?xf32>, %s: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(r, c) -> (r, c)>, affine_map<(r, c) -> (r)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x?xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = math.exp %a : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Head merge reads through floordiv/mod: a gather of 16 lanes whose offsets
// come from the map and the source's strides.
// CHECK-LABEL: func.func @merge_heads
// CHECK:         scf.parallel
// CHECK:           arith.floordivsi %{{.+}} : vector<16xindex>
// CHECK:           arith.remsi %{{.+}} : vector<16xindex>
// CHECK:           vector.gather %arg0[%c0, %c0, %c0, %c0] [%{{.+}}], %{{.+}}, %{{.+}} : memref<?x4x?x8xf32>, vector<16xindex>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK:           vector.store
func.func @merge_heads(%x: memref<?x4x?x8xf32>, %y: memref<?x?x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(b, s, e) -> (b, e floordiv 8, s, e mod 8)>, affine_map<(b, s, e) -> (b, s, e)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<?x4x?x8xf32>) outs(%y : memref<?x?x32xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}

// -----

// linalg.index of the vectorized loop is a vector of lane indices; named ops
// (linalg.fill) are generalized first.
// CHECK-LABEL: func.func @causal
// CHECK:         %[[IOTA:.+]] = arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : vector<16xindex>
// CHECK:         scf.parallel
// CHECK:           vector.store %{{.+}} : memref<?x?xf32>, vector<16xf32>
// CHECK:         scf.parallel
// CHECK:           scf.for %[[J:.+]] =
// CHECK:             %[[JS:.+]] = vector.broadcast %[[J]] : index to vector<16xindex>
// CHECK:             %[[LANES:.+]] = arith.addi %[[JS]], %[[IOTA]] : vector<16xindex>
// CHECK:             arith.cmpi ugt, %[[LANES]], %{{.+}} : vector<16xindex>
// CHECK:             arith.select %{{.+}} : vector<16xi1>, vector<16xf32>
// CHECK-NOT:     linalg.
func.func @causal(%x: memref<?x?xf32>, %y: memref<?x?xf32>, %z: memref<?x?xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%z : memref<?x?xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x?xf32>) outs(%y : memref<?x?xf32>) {
  ^bb0(%a: f32, %out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %future = arith.cmpi ugt, %j, %i : index
    %0 = arith.select %future, %ninf, %a : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// An output that is not contiguous along its innermost loop, or a body with
// ops other than arith and math, is left for convert-linalg-to-loops.
// CHECK-LABEL: func.func @untouched
// CHECK:         linalg.generic
// CHECK:         linalg.generic
// CHECK-NOT:     vector.
func.func @untouched(%x: memref<?x?xf32>, %y: memref<?x?xf32, strided<[1, ?]>>, %t: memref<?xf32>, %z: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x?xf32>) outs(%y : memref<?x?xf32, strided<[1, ?]>>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      outs(%z : memref<?xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %0 = memref.load %t[%i] : memref<?xf32>
    linalg.yield %0 : f32
  }
  return
}
