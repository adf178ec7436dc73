// RUN: attnc-opt %s -split-input-file -attnc-lower-contractions -canonicalize -cse | FileCheck %s

// B stored [k, n]: its rows are copied into the packed block as vectors; an
// 8 x 48 tile of C lives in 24 vector<16xf32> registers across a k block.
// CHECK-LABEL: func.func @matmul_kn
// CHECK:         call @omp_get_max_threads() : () -> i32
// CHECK:         scf.parallel (%[[BLOCK:.+]], %[[GROUP:.+]]) = (%c0, %c0) to
// CHECK:         %[[PACK:.+]] = memref.alloca() {alignment = 64 : i64} : memref<8x256x48xf32>
// CHECK:         scf.for %[[K0:.+]] = %c0 to %c768 step %c256
// CHECK:           vector.load %{{.+}} : memref<768x96xf32>, vector<16xf32>
// CHECK:           vector.store %{{.+}}, %[[PACK]]
// CHECK:           scf.for %[[M0:.+]] = %{{.+}} to %{{.+}} step %c8
// CHECK:             scf.for {{.+}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// CHECK-COUNT-3:       vector.load %[[PACK]]
// CHECK:               memref.load %{{.+}} : memref<?x768xf32>
// CHECK:               vector.broadcast
// CHECK-COUNT-3:       vector.fma
// CHECK:           scf.for %{{.+}} step %c1
// CHECK:             scf.for {{.+}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// CHECK-NOT:     memref.dealloc
// CHECK-NOT:     linalg.matmul
func.func @matmul_kn(%a: memref<?x768xf32>, %b: memref<768x96xf32>, %c: memref<?x96xf32>) {
  linalg.matmul ins(%a, %b : memref<?x768xf32>, memref<768x96xf32>) outs(%c : memref<?x96xf32>)
  return
}

// -----

// B stored [n, k] (a torch.nn.Linear weight): a transposing copy into the
// packed block. 100 columns: two full panels and a partial one, whose C
// accesses are masked.
// CHECK-LABEL: func.func @matmul_nk
// CHECK:         memref.alloca() {alignment = 64 : i64} : memref<8x256x48xf32>
// CHECK:         memref.load %{{.+}} : memref<100x64xf32>
// CHECK:         memref.store
// CHECK:         vector.create_mask %{{.+}} : vector<16xi1>
// CHECK:         vector.maskedload %{{.+}} : memref<?x100xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK:         vector.fma
// CHECK:         vector.maskedstore %{{.+}} : memref<?x100xf32>, vector<16xi1>, vector<16xf32>
func.func @matmul_nk(%a: memref<?x64xf32>, %w: memref<100x64xf32>, %c: memref<?x100xf32>) {
  linalg.matmul_transpose_b ins(%a, %w : memref<?x64xf32>, memref<100x64xf32>) outs(%c : memref<?x100xf32>)
  return
}

// -----

// Batch dimensions join the blocks of rows and the column-panel groups in
// one parallel loop.
// CHECK-LABEL: func.func @batched
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) = (%c0, %c0, %c0, %c0) to (%{{.+}}, %c4, %{{.+}}, %{{.+}}) step (%c1, %c1, %c1, %c1)
// CHECK:           memref.alloca()
// CHECK:           vector.fma
// CHECK-NOT:       memref.dealloc
// CHECK:           scf.reduce
#a = affine_map<(b, h, m, n, k) -> (b, h, m, k)>
#b = affine_map<(b, h, m, n, k) -> (b, h, k, n)>
#c = affine_map<(b, h, m, n, k) -> (b, h, m, n)>
func.func @batched(%a: memref<?x4x?x32xf32>, %b: memref<?x4x32x?xf32>, %c: memref<?x4x?x?xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<?x4x?x32xf32>, memref<?x4x32x?xf32>) outs(%c : memref<?x4x?x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// A weight packed at load ([n / 48][k][48]) is read in place: no scratch.
// CHECK-LABEL: func.func @prepacked
// CHECK-NOT:     memref.alloc
// CHECK:         vector.load %{{.+}} : memref<2x64x48xf32>, vector<16xf32>
// CHECK:         vector.fma
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @prepacked(%a: memref<?x64xf32>, %p: memref<2x64x48xf32>, %c: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<?x64xf32>, memref<2x64x48xf32>) outs(%c : memref<?x96xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// bf16 panels (a weight stored as bf16): 16 bf16 lanes per load (half the
// bytes), widened to f32 in registers; f32 FMAs.
// CHECK-LABEL: func.func @prepacked_bf16
// CHECK-NOT:     memref.alloc
// CHECK:         %[[N:.+]] = vector.load %{{.+}} : memref<2x64x48xbf16>, vector<16xbf16>
// CHECK:         arith.extf %[[N]] : vector<16xbf16> to vector<16xf32>
// CHECK:         vector.fma %{{.+}} : vector<16xf32>
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @prepacked_bf16(%a: memref<?x64xf32>, %p: memref<2x64x48xbf16>, %c: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<?x64xf32>, memref<2x64x48xbf16>) outs(%c : memref<?x96xf32>) {
  ^bb0(%x: f32, %y: bf16, %acc: f32):
    %w = arith.extf %y : bf16 to f32
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// An f16 weight [n, k] not packed at load: widened as it is copied into the
// f32 packed block.
// CHECK-LABEL: func.func @unpacked_f16
// CHECK:         memref.alloca() {alignment = 64 : i64} : memref<8x256x48xf32>
// CHECK:         %[[H:.+]] = memref.load %{{.+}} : memref<100x64xf16>
// CHECK:         %[[F:.+]] = arith.extf %[[H]] : f16 to f32
// CHECK:         memref.store %[[F]]
// CHECK:         vector.fma
#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @unpacked_f16(%a: memref<?x64xf32>, %w: memref<100x64xf16>, %c: memref<?x100xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : memref<?x64xf32>, memref<100x64xf16>) outs(%c : memref<?x100xf32>) {
  ^bb0(%x: f32, %y: f16, %acc: f32):
    %h = arith.extf %y : f16 to f32
    %0 = arith.mulf %x, %h : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Not a multiply-accumulate, not f32, or C not contiguous along n: untouched.
// CHECK-LABEL: func.func @untouched
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : memref<4x4xf64>
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : memref<4x4xf32>, memref<4x4xf32>) outs(%{{.+}} : memref<4x4xf32, strided<[1, 4]>>)
// CHECK:         linalg.generic
// CHECK-NOT:     vector.fma
func.func @untouched(%a: memref<4x4xf64>, %c: memref<4x4xf64>, %x: memref<4x4xf32>, %y: memref<4x4xf32, strided<[1, 4]>>, %r: memref<4xf64>) {
  linalg.matmul ins(%a, %a : memref<4x4xf64>, memref<4x4xf64>) outs(%c : memref<4x4xf64>)
  linalg.matmul ins(%x, %x : memref<4x4xf32>, memref<4x4xf32>) outs(%y : memref<4x4xf32, strided<[1, 4]>>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x4xf32>) outs(%r : memref<4xf64>) {
  ^bb0(%in: f32, %acc: f64):
    %0 = arith.extf %in : f32 to f64
    %1 = arith.addf %acc, %0 : f64
    linalg.yield %1 : f64
  }
  return
}

// -----

// The batch and sequence loops of a projection index rows of x and y but
// not W: they fold into the row loop (views of x and y), so that W is packed
// once and row tiles span sequences.
// CHECK-LABEL: func.func @projection
// CHECK-DAG:     memref.collapse_shape %{{.+}} {{\[\[}}0, 1], [2]] : memref<?x?x64xf32> into memref<?x64xf32>
// CHECK-DAG:     memref.collapse_shape %{{.+}} {{\[\[}}0, 1], [2]] : memref<?x?x32xf32> into memref<?x32xf32>
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%c0, %c0)
// CHECK:         vector.fma
#x = affine_map<(b, s, o, k) -> (b, s, k)>
#w = affine_map<(b, s, o, k) -> (o, k)>
#y = affine_map<(b, s, o, k) -> (b, s, o)>
func.func @projection(%x: memref<?x?x64xf32>, %w: memref<32x64xf32>, %y: memref<?x?x32xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x64xf32>, memref<32x64xf32>) outs(%y : memref<?x?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %0 = arith.mulf %a, %b : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// An int8 weight packed at load, with its scales packed alike (one row per
// 32 k): per block of 32 k the panel's 3 scale vectors are loaded once. One
// row (M == 1: the decode nest) sums each block's products unscaled, even
// and odd k into two sets of accumulators, then a short block's odd last k,
// and scales the sum once. Where a block of rows has two 8-row tiles or
// more, the k blocks are 256 long and the group's panels are widened and
// scaled once per k block into the f32 pack, which its full tiles read;
// otherwise (k blocks of 1024) an 8-row tile widens and scales the weights
// per k before the FMAs.
// CHECK-LABEL: func.func @prepacked_int8
// CHECK:         memref.alloca() {alignment = 64 : i64} : memref<8x256x48xf32>
// CHECK:         scf.if
// CHECK:         scf.for %{{.+}} step %c32 iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-3:   vector.load %{{.+}} : memref<2x3x48xf32>, vector<16xf32>
// CHECK:           scf.for {{.+}} step %c2 iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             %[[Q1:.+]] = vector.load %{{.+}} : memref<2x80x48xi8>, vector<16xi8>
// CHECK:             %[[W1:.+]] = arith.sitofp %[[Q1]] : vector<16xi8> to vector<16xf32>
// CHECK-NOT:         arith.mulf
// CHECK:             vector.fma %{{.+}}, %[[W1]], %{{.+}} : vector<16xf32>
// CHECK-NOT:         arith.mulf
// CHECK:           scf.for {{.+}} step %c1 iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-3:   arith.addf %{{.+}} : vector<16xf32>
// CHECK-COUNT-3:   vector.fma
// CHECK:         } else {
// CHECK:           %[[TWO:.+]] = arith.cmpi uge, %{{.+}}, %c16
// CHECK:           scf.if %[[TWO]]
// CHECK:             scf.for %{{.+}} step %c32
// CHECK-COUNT-3:       vector.load %{{.+}} : memref<2x3x48xf32>, vector<16xf32>
// CHECK:               %[[QP:.+]] = vector.load %{{.+}} : memref<2x80x48xi8>, vector<16xi8>
// CHECK:               %[[WP:.+]] = arith.sitofp %[[QP]] : vector<16xi8> to vector<16xf32>
// CHECK:               %[[SP:.+]] = arith.mulf %[[WP]], %{{.+}} : vector<16xf32>
// CHECK:               vector.store %[[SP]], %{{.+}} : memref<8x256x48xf32>, vector<16xf32>
// (the two scf.if of the block, widening and full tiles, are one here)
// CHECK:             scf.for %{{.+}} step %c8
// CHECK:             scf.for %{{.+}} iter_args({{.+}}) -> ({{(vector<16xf32>, ){23}vector<16xf32>}})
// CHECK:               vector.load %{{.+}} : memref<8x256x48xf32>, vector<16xf32>
// CHECK:           } else {
// CHECK:           scf.for %{{.+}} step %c32 iter_args({{.+}}) -> ({{(vector<16xf32>, ){23}vector<16xf32>}})
// CHECK-COUNT-3:     vector.load %{{.+}} : memref<2x3x48xf32>, vector<16xf32>
// CHECK:             scf.for
// CHECK:               %[[Q:.+]] = vector.load %{{.+}} : memref<2x80x48xi8>, vector<16xi8>
// CHECK:               %[[W:.+]] = arith.sitofp %[[Q]] : vector<16xi8> to vector<16xf32>
// CHECK:               arith.mulf %[[W]], %{{.+}} : vector<16xf32>
// CHECK:               vector.fma
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#s = affine_map<(m, n, k) -> (n floordiv 48, k floordiv 32, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @prepacked_int8(%a: memref<?x80xf32>, %p: memref<2x80x48xi8>, %s: memref<2x3x48xf32>, %c: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #s, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p, %s : memref<?x80xf32>, memref<2x80x48xi8>, memref<2x3x48xf32>) outs(%c : memref<?x96xf32>) {
  ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
    %w = arith.sitofp %q : i8 to f32
    %ws = arith.mulf %w, %scale : f32
    %0 = arith.mulf %x, %ws : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Scales that are not packed as the panels are: no kernel (naive loops).
// CHECK-LABEL: func.func @int8_unpacked_scales
// CHECK:         linalg.generic
// CHECK-NOT:     vector.fma
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#s = affine_map<(m, n, k) -> (n, k floordiv 32)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @int8_unpacked_scales(%a: memref<?x64xf32>, %p: memref<2x64x48xi8>, %s: memref<96x2xf32>, %c: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #s, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p, %s : memref<?x64xf32>, memref<2x64x48xi8>, memref<96x2xf32>) outs(%c : memref<?x96xf32>) {
  ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
    %w = arith.sitofp %q : i8 to f32
    %ws = arith.mulf %w, %scale : f32
    %0 = arith.mulf %x, %ws : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// One row (a decode step's matrix-vector product) of a packed weight: each
// panel in one tile over all of K (640 here, more than a bf16 k block of
// 512), so that the panels, contiguous in memory, are read as one stream.
// 128 panels are enough pieces: not cut along K.
// CHECK-LABEL: func.func @prepacked_one_row
// CHECK-NOT:     step %c512
// CHECK-NOT:     memref.view
// CHECK:         scf.for %[[P:.+]] = %{{.+}} to %{{.+}} step %c1 {
// CHECK-COUNT-3:   vector.load %{{.+}} : memref<1x6144xf32>, vector<16xf32>
// CHECK:           scf.for %[[K:.+]] = %c0 to %c640 step %c1 iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// CHECK:             vector.load %{{.+}}[%[[P]], %[[K]], %c0] : memref<128x640x48xbf16>, vector<16xbf16>
// CHECK-COUNT-3:     vector.fma
// CHECK:           }
// CHECK-COUNT-3:   vector.store %{{.+}} : memref<1x6144xf32>, vector<16xf32>
// CHECK-NOT:     step %c512
// CHECK:         return
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @prepacked_one_row(%a: memref<1x640xf32>, %p: memref<128x640x48xbf16>, %c: memref<1x6144xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<1x640xf32>, memref<128x640x48xbf16>) outs(%c : memref<1x6144xf32>) {
  ^bb0(%x: f32, %y: bf16, %acc: f32):
    %w = arith.extf %y : bf16 to f32
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// One row of a weight with few panels (2): cut along K as well
// (decodeChunkDepth: 2 chunks of 320 k), so that more threads than panels
// each stream a part. A buffer at the function's start holds the pieces'
// sums [chunk][panel][48]; the first parallel loop runs over the pieces in
// memory order (panel, then chunk), each tile summing its chunk from zero;
// the second over the panels, adding each column's chunks in order to C
// (masked: the panel may be partial). The cut depends on the shapes only.
// CHECK-LABEL: func.func @prepacked_one_row_chunks
// CHECK:         %[[BUFFER:.+]] = memref.alloca() {alignment = 64 : i64} : memref<768xi8>
// CHECK:         %[[SUMS:.+]] = memref.view %{{.+}}[%c0][] : memref<?xi8> to memref<2x2x48xf32>
// CHECK:         scf.parallel
// CHECK:           scf.for %[[PIECE:.+]] = %{{.+}} to %{{.+}} step %c1 {
// CHECK:             %[[P:.+]] = arith.divui %[[PIECE]], %c2 : index
// CHECK:             %[[CHUNK:.+]] = arith.remui %[[PIECE]], %c2 : index
// CHECK:             %[[K0:.+]] = arith.muli %[[CHUNK]], %c320 : index
// CHECK:             %[[TILE:.+]]:3 = scf.for %[[K:.+]] = %c0 to %{{.+}} step %c1 iter_args(%{{.+}} = %cst, %{{.+}} = %cst, %{{.+}} = %cst)
// CHECK:               %[[AT:.+]] = arith.addi %[[K0]], %[[K]] : index
// CHECK:               vector.load %{{.+}}[%[[P]], %[[AT]], %c0] : memref<2x640x48xbf16>, vector<16xbf16>
// CHECK-COUNT-3:       vector.fma
// CHECK:             vector.store %[[TILE]]#0, %[[SUMS]][%[[CHUNK]], %[[P]], %c0]
// CHECK:             vector.store %[[TILE]]#1, %[[SUMS]][%[[CHUNK]], %[[P]], %c16]
// CHECK:             vector.store %[[TILE]]#2, %[[SUMS]][%[[CHUNK]], %[[P]], %c32]
// CHECK:         scf.parallel
// CHECK:           scf.for %[[Q:.+]] = %{{.+}} to %{{.+}} step %c1 {
// CHECK:             %[[C:.+]] = vector.maskedload
// CHECK:             %[[SUM:.+]] = scf.for %[[J:.+]] = %c0 to %c2 step %c1 iter_args(%[[ACC:.+]] = %[[C]])
// CHECK:               %[[PART:.+]] = vector.load %[[SUMS]][%[[J]], %[[Q]], %c0]
// CHECK:               arith.addf %[[ACC]], %[[PART]] : vector<16xf32>
// CHECK:             vector.maskedstore %{{.+}}, %[[SUM]]
// CHECK-NOT:     step %c512
// CHECK:         return
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @prepacked_one_row_chunks(%a: memref<1x640xf32>, %p: memref<2x640x48xbf16>, %c: memref<1x96xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<1x640xf32>, memref<2x640x48xbf16>) outs(%c : memref<1x96xf32>) {
  ^bb0(%x: f32, %y: bf16, %acc: f32):
    %w = arith.extf %y : bf16 to f32
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Rows known only at run time: the one-row nest cut along K when M = 1,
// else the k-blocked one.
// CHECK-LABEL: func.func @prepacked_rows
// CHECK:         %[[M:.+]] = memref.dim %{{.+}}, %c0 : memref<?x640xf32>
// CHECK:         %[[ONE:.+]] = arith.cmpi eq, %[[M]], %c1 : index
// CHECK:         scf.if %[[ONE]] {
// CHECK:           memref.view
// CHECK:           scf.parallel
// CHECK:             arith.muli %{{.+}}, %c320 : index
// CHECK:           scf.parallel
// CHECK:         } else {
// CHECK:           scf.parallel
// CHECK-NOT:         arith.cmpi eq, %[[M]], %c1
// CHECK:             scf.for %{{.+}} = %c0 to %c640 step %c512 {
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @prepacked_rows(%a: memref<?x640xf32>, %p: memref<2x640x48xbf16>, %c: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<?x640xf32>, memref<2x640x48xbf16>) outs(%c : memref<?x96xf32>) {
  ^bb0(%x: f32, %y: bf16, %acc: f32):
    %w = arith.extf %y : bf16 to f32
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// A batch of decode steps: the batch dim, which the packed weight does not
// use, is folded into the rows (M = batch x seq), so that a tile's rows come
// from several sequences and each panel is read once for all of them; the
// parallel loop runs over row blocks and panel groups only, and each row's
// (batch, seq) indices are computed once per tile. Rows left after the 8-row
// tiles go in one tile of 4, one of 2, then single rows.
// CHECK-LABEL: func.func @prepacked_batch_rows
// CHECK:         %[[B:.+]] = memref.dim %{{.+}}, %c0 : memref<?x?x64xf32>
// CHECK:         %[[S:.+]] = memref.dim %{{.+}}, %c1 : memref<?x?x64xf32>
// CHECK:         %[[ROWS:.+]] = arith.muli %[[S]], %[[B]] : index
// CHECK:         scf.parallel (%{{[^,]+}}, %{{[^,]+}}) = (%c0, %c0)
// CHECK:           arith.cmpi eq, %[[ROWS]], %c1 : index
// CHECK:         } else {
// CHECK:           scf.for %[[R:.+]] = %{{.+}} to %{{.+}} step %c8 {
// CHECK-NEXT:        arith.remui %[[R]], %[[S]] : index
// CHECK-NEXT:        arith.divui %[[R]], %[[S]] : index
// CHECK:             scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1 {
// CHECK:               scf.for %{{.+}} = %c0 to %c64 step %c1 iter_args({{.+}}) -> ({{(vector<16xf32>, ){23}vector<16xf32>}})
// CHECK:           scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c4 {
// CHECK:               scf.for %{{.+}} = %c0 to %c64 step %c1 iter_args({{.+}}) -> ({{(vector<16xf32>, ){11}vector<16xf32>}})
// CHECK:           scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c2 {
// CHECK:           scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1 {
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#p = affine_map<(b, m, n, k) -> (n floordiv 48, k, n mod 48)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @prepacked_batch_rows(%a: memref<?x?x64xf32>, %p: memref<2x64x48xf32>, %c: memref<?x?x96xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<?x?x64xf32>, memref<2x64x48xf32>) outs(%c : memref<?x?x96xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// The thread count is read once, at the function's start, before any
// parallel loop (nothing between the regions merge-parallel-regions joins);
// each product derives its split from it: one thread keeps groups of 8
// panels (min(8, panels / wanted)) over all rows, more threads get
// kSharesPerThread = 4 iterations each.
// CHECK-LABEL: func.func @two_products
// CHECK-NOT:     scf.parallel
// CHECK:         %[[CALL:.+]] = call @omp_get_max_threads() : () -> i32
// CHECK-NEXT:    %[[T:.+]] = arith.index_cast %[[CALL]] : i32 to index
// CHECK:         %[[MANY:.+]] = arith.cmpi ugt, %[[T]], %c1
// CHECK:         %[[SHARES:.+]] = arith.muli %[[T]], %c4
// CHECK:         arith.select %[[MANY]], %[[SHARES]], %c1
// CHECK:         scf.parallel
// CHECK-NOT:     call @omp_get_max_threads
// CHECK:         scf.parallel
// CHECK:         return
// CHECK:       func.func private @omp_get_max_threads() -> i32
func.func @two_products(%a: memref<?x64xf32>, %w: memref<64x96xf32>, %c: memref<?x96xf32>, %d: memref<?x96xf32>) {
  linalg.matmul ins(%a, %w : memref<?x64xf32>, memref<64x96xf32>) outs(%c : memref<?x96xf32>)
  linalg.matmul ins(%a, %w : memref<?x64xf32>, memref<64x96xf32>) outs(%d : memref<?x96xf32>)
  return
}
