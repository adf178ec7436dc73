// RUN: attnc-opt %s -split-input-file -attnc-lower-contractions -canonicalize -cse | FileCheck %s

// A bf16 weight in pairs of k (panel_pairs: the body rounds A to bf16) on a
// target with avx512bf16: per k block and row tile, A's rows are rounded
// once (vcvtneps2bf16, called by name: arith.truncf would become integer
// ops) into pairs of bf16 kept as i32; per
// pair of k, 3 loads of 32 bf16 (both k of 16 columns), one broadcast pair
// of A per row and vdpbf16ps into the f32 accumulators. K = 63 is odd: 32
// pairs, the last padded (a masked load of A).
// CHECK-LABEL: func.func @pairs_dot
// CHECK:         %[[PAIRS:.+]] = memref.collapse_shape %{{.+}} {{\[\[}}0], [1], [2, 3]] : memref<2x32x48x2xbf16> into memref<2x32x96xbf16>
// CHECK:         %[[ROWS:.+]] = memref.alloca() {alignment = 64 : i64} : memref<8x256xi32>
// CHECK:         vector.maskedload %{{.+}} : memref<?x63xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK:         %[[H:.+]] = llvm.call_intrinsic "llvm.x86.avx512bf16.cvtneps2bf16.512"(%{{.+}}) : (vector<16xf32>) -> vector<16xbf16>
// CHECK:         %[[W:.+]] = vector.bitcast %[[H]] : vector<16xbf16> to vector<8xi32>
// CHECK:         vector.store %[[W]], %[[ROWS]]
// CHECK:         scf.for %{{.+}} = %c0 to %c32 step %c1
// CHECK-COUNT-3:   vector.load %[[PAIRS]][{{.+}}] : memref<2x32x96xbf16>, vector<32xbf16>
// CHECK:           memref.load %[[ROWS]]
// CHECK:           vector.broadcast %{{.+}} : i32 to vector<16xi32>
// CHECK:           vector.bitcast %{{.+}} : vector<16xi32> to vector<32xbf16>
// CHECK-COUNT-3:   llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"(%{{.+}}) : (vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>
// CHECK-NOT:     vector.fma
// CHECK-NOT:     linalg.generic
module attributes {attn.target = {cpu = "znver5", features = ["avx512f", "avx512bf16"], f32_lanes = 16 : i64, vector_registers = 32 : i64}} {
  func.func @pairs_dot(%a: memref<?x63xf32>, %p: memref<2x32x48x2xbf16>, %c: memref<?x96xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 2, n mod 48, k mod 2)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p : memref<?x63xf32>, memref<2x32x48x2xbf16>) outs(%c : memref<?x96xf32>) {
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
}

// -----

// The same product for a target without avx512bf16 (x86-64-v4): A rounded
// to bf16 by integer arithmetic into f32 scratch, each pair register split
// into its even k (shifted up) and odd k (low half cleared), two FMAs; no
// bf16 conversion that would need the feature or a library call.
// CHECK-LABEL: func.func @pairs_fma
// CHECK:         memref.alloca() {alignment = 64 : i64} : memref<8x512xf32>
// CHECK:         arith.andi %{{.+}} : vector<16xi32>
// CHECK:         arith.cmpf uno
// CHECK:         arith.shli %{{.+}} : vector<16xi32>
// CHECK:         vector.fma
// CHECK-NOT:     llvm.call_intrinsic
// CHECK-NOT:     arith.truncf
// CHECK-NOT:     linalg.generic
module attributes {attn.target = {cpu = "x86-64-v4", features = ["avx512f", "avx512bw"], f32_lanes = 16 : i64, vector_registers = 32 : i64}} {
  func.func @pairs_fma(%a: memref<?x63xf32>, %p: memref<2x32x48x2xbf16>, %c: memref<?x96xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 2, n mod 48, k mod 2)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p : memref<?x63xf32>, memref<2x32x48x2xbf16>) outs(%c : memref<?x96xf32>) {
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
}

// -----

// Pairs whose body does not round A are not the pair kernel's: left alone.
// CHECK-LABEL: func.func @pairs_unrounded
// CHECK:         linalg.generic
module attributes {attn.target = {cpu = "znver5", features = ["avx512f", "avx512bf16"], f32_lanes = 16 : i64, vector_registers = 32 : i64}} {
  func.func @pairs_unrounded(%a: memref<?x64xf32>, %p: memref<2x32x48x2xbf16>, %c: memref<?x96xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 2, n mod 48, k mod 2)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p : memref<?x64xf32>, memref<2x32x48x2xbf16>) outs(%c : memref<?x96xf32>) {
    ^bb0(%x: f32, %y: bf16, %acc: f32):
      %w = arith.extf %y : bf16 to f32
      %0 = arith.mulf %x, %w : f32
      %1 = arith.addf %acc, %0 : f32
      linalg.yield %1 : f32
    }
    return
  }
}

// -----

// One row (a decode step) over K = 1100, more than one k block (512 bf16
// k): no k blocks. The row is rounded over all of K once per iteration into
// a scratch of its own (1100 rounded up to whole vectors: 1104 k, 552
// pairs). Two panels are few: the product is cut along K too
// (decodeChunkDepth: chunks of 288 k, the last of 236), each piece's tile
// running over its chunk's pairs, read from the rounded row through a view
// that starts at the chunk's first pair, into the pieces' sums; a second
// loop adds them to C.
// CHECK-LABEL: func.func @pairs_one_row
// CHECK:         %[[SUMS:.+]] = memref.view %{{.+}}[%c0][] : memref<?xi8> to memref<4x2x48xf32>
// CHECK:         scf.parallel
// CHECK:         %[[ROW:.+]] = memref.alloca() {alignment = 64 : i64} : memref<1x552xi32>
// CHECK:         scf.for %{{.+}} = %c0 to %c1100 step %c16
// CHECK:           llvm.call_intrinsic "llvm.x86.avx512bf16.cvtneps2bf16.512"(%{{.+}}) : (vector<16xf32>) -> vector<16xbf16>
// CHECK:           vector.store %{{.+}}, %[[ROW]]
// CHECK:         scf.for
// CHECK:           %[[K0:.+]] = arith.muli %{{.+}}, %c288 : index
// CHECK:           %[[FROM:.+]] = arith.divui %[[K0]], %c2 : index
// CHECK:           %[[VIEW:.+]] = memref.subview %[[ROW]][0, %[[FROM]]]
// CHECK:           scf.for %{{.+}} = %c0 to %{{.+}} step %c1
// CHECK-COUNT-3:     vector.load %{{.+}} : memref<2x550x96xbf16>, vector<32xbf16>
// CHECK:             memref.load %[[VIEW]]
// CHECK-COUNT-3:     llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// CHECK-COUNT-3:   vector.store %{{.+}}, %[[SUMS]]
// CHECK:         scf.parallel
// CHECK:           scf.for %{{.+}} = %c0 to %c4 step %c1
// CHECK-NOT:     %c512
// CHECK-NOT:     linalg.generic
module attributes {attn.target = {cpu = "znver5", features = ["avx512f", "avx512bf16"], f32_lanes = 16 : i64, vector_registers = 32 : i64}} {
  func.func @pairs_one_row(%a: memref<1x1100xf32>, %p: memref<2x550x48x2xbf16>, %c: memref<1x96xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 2, n mod 48, k mod 2)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p : memref<1x1100xf32>, memref<2x550x48x2xbf16>) outs(%c : memref<1x96xf32>) {
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
}
