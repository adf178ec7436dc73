// RUN: attnc-opt %s -split-input-file -attnc-convert-attn-to-linalg | FileCheck %s

// The bias is broadcast into the accumulator, then one reduction over `in`.
// CHECK-DAG: #[[BIAS:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[WT:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-LABEL: func.func @linear
// CHECK: %[[D0:.+]] = tensor.dim %{{.*}}, %c0
// CHECK: %[[D1:.+]] = tensor.dim %{{.*}}, %c1
// CHECK: tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?x32xf32>
// CHECK: linalg.generic {indexing_maps = [#[[BIAS]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[WT]], #{{.+}}]
// CHECK-NOT: attn.
func.func @linear(%x: tensor<?x?x16xf32>, %w: tensor<32x16xf32>, %b: tensor<32xf32>, %wt: tensor<16x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %0 = attn.linear %x, %w, %b layout out_in : tensor<?x?x16xf32>, tensor<32x16xf32>, tensor<32xf32> -> tensor<?x?x32xf32>
  %1 = attn.linear %x, %wt layout in_out : tensor<?x?x16xf32>, tensor<16x32xf32> -> tensor<?x?x32xf32>
  return %0, %1 : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// -----

// A bf16 weight (and bf16 panels) is widened element by element inside the
// product; a bf16 embedding table, inside the gather.
// CHECK-LABEL: func.func @bf16_weights
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.+}}, %{{.+}} : tensor<?x16xf32>, tensor<32x16xbf16>)
// CHECK: ^bb0(%[[A:.+]]: f32, %[[B:.+]]: bf16, %[[C:.+]]: f32):
// CHECK:   %[[W:.+]] = arith.extf %[[B]] : bf16 to f32
// CHECK:   arith.mulf %[[A]], %[[W]] : f32
// CHECK: linalg.generic
// CHECK-SAME: tensor<1x16x48xbf16>
// CHECK:   arith.extf %{{.+}} : bf16 to f32
// CHECK: linalg.generic
// CHECK:   %[[E:.+]] = tensor.extract %{{.+}} : tensor<100x16xbf16>
// CHECK:   arith.extf %[[E]] : bf16 to f32
// CHECK-NOT: attn.
func.func @bf16_weights(%x: tensor<?x16xf32>, %w: tensor<32x16xbf16>, %p: tensor<1x16x48xbf16>, %t: tensor<100x16xbf16>, %ids: tensor<?xi64>) -> (tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x16xf32>) {
  %0 = attn.linear %x, %w layout out_in : tensor<?x16xf32>, tensor<32x16xbf16> -> tensor<?x32xf32>
  %1 = attn.linear %x, %p layout panels : tensor<?x16xf32>, tensor<1x16x48xbf16> -> tensor<?x32xf32>
  %2 = attn.embedding %t[%ids] : tensor<100x16xbf16>, tensor<?xi64> -> tensor<?x16xf32>
  return %0, %1, %2 : tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x16xf32>
}

// -----

// int8 panels come with their scales, a third input read per block of 32
// input features; the weight is converted and scaled inside the product,
// the form LowerContractions gives its kernel (Contraction.h).
// CHECK-DAG: #[[P8:.+]] = affine_map<(d0, d1, d2) -> (d1 floordiv 48, d2, d1 mod 48)>
// CHECK-DAG: #[[S8:.+]] = affine_map<(d0, d1, d2) -> (d1 floordiv 48, d2 floordiv 32, d1 mod 48)>
// CHECK-LABEL: func.func @int8_weights
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[P8]], #[[S8]], #{{.+}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<?x40xf32>, tensor<2x40x48xi8>, tensor<2x2x48xf32>)
// CHECK: ^bb0(%[[A:.+]]: f32, %[[Q:.+]]: i8, %[[S:.+]]: f32, %[[C:.+]]: f32):
// CHECK:   %[[W:.+]] = arith.sitofp %[[Q]] : i8 to f32
// CHECK:   %[[WS:.+]] = arith.mulf %[[W]], %[[S]] : f32
// CHECK:   %[[M:.+]] = arith.mulf %[[A]], %[[WS]] : f32
// CHECK:   arith.addf %[[C]], %[[M]] : f32
func.func @int8_weights(%x: tensor<?x40xf32>, %p: tensor<2x40x48xi8>, %s: tensor<2x2x48xf32>) -> tensor<?x60xf32> {
  %0 = attn.linear %x, %p scales %s layout panels : tensor<?x40xf32>, tensor<2x40x48xi8> scales tensor<2x2x48xf32> -> tensor<?x60xf32>
  return %0 : tensor<?x60xf32>
}

// -----

// Head split and merge are index maps, not reshape + transpose copies (a
// scale between them: merge_heads(split_heads(x)) would fold to x).
// CHECK-DAG: #[[SPLIT:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 * 8 + d3)>
// CHECK-DAG: #[[MERGE:.+]] = affine_map<(d0, d1, d2) -> (d0, d2 floordiv 8, d1, d2 mod 8)>
// CHECK-LABEL: func.func @heads
// CHECK: linalg.generic {indexing_maps = [#[[SPLIT]], #{{.+}}]
// CHECK: linalg.generic {indexing_maps = [#[[MERGE]], #{{.+}}]
// CHECK-NOT: tensor.expand_shape
func.func @heads(%x: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %0 = attn.split_heads %x heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
  %s = attn.scale %0 by 2.0 : tensor<?x4x?x8xf32>
  %1 = attn.merge_heads %s : tensor<?x4x?x8xf32> -> tensor<?x?x32xf32>
  return %1 : tensor<?x?x32xf32>
}

// -----

// Softmax: a max reduction, a sum of exp reduction, then a division.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEGINF]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:   arith.maximumf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:   math.exp
// CHECK:   arith.addf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK:   math.exp
// CHECK:   arith.divf
func.func @softmax(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = attn.softmax %x : tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// The causal mask compares key and query indices, offset by keys - queries.
// CHECK-LABEL: func.func @causal_mask
// CHECK: %[[Q:.+]] = tensor.dim %{{.*}}, %c0
// CHECK: %[[K:.+]] = tensor.dim %{{.*}}, %c1
// CHECK: %[[OFF:.+]] = arith.subi %[[K]], %[[Q]]
// CHECK: linalg.generic
// CHECK:   %[[I:.+]] = linalg.index 0
// CHECK:   %[[J:.+]] = linalg.index 1
// CHECK:   %[[LIM:.+]] = arith.addi %[[I]], %[[OFF]]
// CHECK:   %[[FUT:.+]] = arith.cmpi ugt, %[[J]], %[[LIM]]
// CHECK:   arith.select %[[FUT]]
func.func @causal_mask(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = attn.causal_mask %x : tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// attn.attention with static head dimensions is flash attention: a forall
// over (batch, head, tile of 48 query rows); per tile, q^T scaled once into
// scratch, then a loop over blocks of 8 keys that stops at the causal limit,
// carrying the running max and sum (three vectors each: 48 rows); the
// block's 24 score vectors come from D broadcast-FMAs each. No [Sq, Sk]
// tensor exists. (Up to 16 queries take the decode form first:
// flash-decoding.mlir.) Causal tiles are visited first, last, second,
// second to last, ...: iteration i computes tile i / 2 when i is even,
// tiles - 1 - i / 2 when odd, so that contiguous ranges of iterations
// (one per thread) cost about the same.
// CHECK-LABEL: func.func @attention
// CHECK: %[[TILES:.+]] = arith.ceildivui
// CHECK: %[[COUNT:.+]] = arith.select %{{.+}}, %c1{{.*}}, %[[TILES]]
// CHECK: %[[HEADS:.+]] = arith.select %{{.+}}, %c4, %c1{{.*}}
// CHECK: scf.forall (%[[B:.+]], %[[H:.+]], %[[I:.+]]) in (%{{.+}}, %[[HEADS]], %[[COUNT]]) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<?x4x?x8xf32>)
// CHECK:   %[[HALF:.+]] = arith.divui %[[I]], %c2
// CHECK:   %[[PARITY:.+]] = arith.remui %[[I]], %c2
// CHECK:   %[[ODD:.+]] = arith.cmpi ne, %[[PARITY]], %c0
// CHECK:   %[[LASTTILE:.+]] = arith.subi %[[COUNT]], %c1
// CHECK:   %[[FROMEND:.+]] = arith.subi %[[LASTTILE]], %[[HALF]]
// CHECK:   %[[TILE:.+]] = arith.select %[[ODD]], %[[FROMEND]], %[[HALF]]
// CHECK:   arith.muli %[[TILE]], %c48
// CHECK:   memref.alloca() {alignment = 64 : i64} : memref<8x48xf32>
// CHECK:   memref.alloca() {alignment = 64 : i64} : memref<8x48xf32>
// CHECK:   %[[SCALE:.+]] = arith.constant 1.250000e-01 : f32
// CHECK:   tensor.extract %arg0
// CHECK:   arith.mulf %{{.+}}, %[[SCALE]] : f32
// CHECK:   %[[LIMIT:.+]] = arith.maxsi
// CHECK:   %[[END:.+]] = arith.select %{{.+}}, %[[LIMIT]], %c0
// CHECK:   scf.for %{{.+}} = %{{.+}} to %[[END]] step %{{.+}} iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:     scf.for {{.+}} -> ({{(vector<16xf32>, )+}}vector<16xf32>)
// CHECK:       tensor.extract %arg1
// CHECK:       vector.fma
// CHECK:     arith.cmpi sle, %{{.+}}, %{{.+}} : vector<16xi32>
// CHECK:     arith.maximumf
// CHECK:     math.exp
// CHECK:     scf.for
// CHECK:       tensor.extract %arg2
// CHECK:       vector.fma
// CHECK:       vector.store
// CHECK:   tensor.extract_slice %[[OUT]][%[[B]], %[[H]], %{{.+}}, 0] [1, 1, %{{.+}}, 8] [1, 1, 1, 1] : tensor<?x4x?x8xf32> to tensor<?x8xf32>
// CHECK:   arith.divf
// CHECK:   tensor.insert
// CHECK:   scf.forall.in_parallel
// CHECK:     tensor.parallel_insert_slice
// CHECK-NOT: linalg.generic
func.func @attention(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %0 = attn.attention %q, %k, %v causal scale 0.125 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  return %0 : tensor<?x4x?x8xf32>
}

// -----

// Operands that come from attn.split_heads, and a result that only
// attn.merge_heads uses, are addressed in their [B, S, H * D] layout: the
// kernel reads the unsplit input and writes the merged output, so the head
// copies are dead.
// CHECK-LABEL: func.func @attention_heads_in_place
// CHECK: scf.forall (%[[B:.+]], %[[H:.+]], %{{.+}}) in (%{{.+}}, %{{.+}}, %{{.+}}) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<?x?x16xf32>)
// CHECK:   tensor.extract %arg0[%[[B]], %{{.+}}, %{{.+}}] : tensor<?x?x16xf32>
// CHECK:   tensor.extract %arg1[%[[B]], %{{.+}}, %{{.+}}] : tensor<?x?x16xf32>
// CHECK:   tensor.extract_slice %[[OUT]][%[[B]], %{{.+}}, %{{.+}}] [1, %{{.+}}, 8] [1, 1, 1] : tensor<?x?x16xf32> to tensor<?x8xf32>
// CHECK-NOT: attn.
func.func @attention_heads_in_place(%x: tensor<?x?x16xf32>, %y: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %q = attn.split_heads %x heads 2 : tensor<?x?x16xf32> -> tensor<?x2x?x8xf32>
  %kv = attn.split_heads %y heads 2 : tensor<?x?x16xf32> -> tensor<?x2x?x8xf32>
  %o = attn.attention %q, %kv, %kv causal scale 0.35 : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32> -> tensor<?x2x?x8xf32>
  %m = attn.merge_heads %o : tensor<?x2x?x8xf32> -> tensor<?x?x16xf32>
  return %m : tensor<?x?x16xf32>
}

// -----

// Without the causal mask every key block is visited and only keys past the
// end are masked; queries and keys may differ in number. (A row tile the
// split-KV decode form stands in for, with few queries, visits none.)
// CHECK-LABEL: func.func @cross_attention
// CHECK: %[[SK:.+]] = tensor.dim %arg1, %c2
// CHECK: scf.forall ({{.+}}) in (%{{.+}}, %{{.+}}, %{{.+}}) shared_outs({{.+}}) -> (tensor<?x2x?x16xf32>)
// CHECK:   %[[END:.+]] = arith.select %{{.+}}, %[[SK]], %{{.+}} : index
// CHECK:   scf.for %{{.+}} = %{{.+}} to %[[END]] step %{{.+}} iter_args
// CHECK-NOT: vector<16xi32>
// CHECK:     arith.select %{{.+}}, %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @cross_attention(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32> {
  %0 = attn.attention %q, %k, %v scale 0.25 : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32> -> tensor<?x2x?x16xf32>
  return %0 : tensor<?x2x?x16xf32>
}

// -----

// A dynamic head dimension falls back to the reference decomposition.
// CHECK-DAG: #[[QM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[KM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[VM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-LABEL: func.func @attention_dynamic_head
// CHECK: linalg.generic {indexing_maps = [#[[QM]], #[[KM]], #{{.+}}]
// CHECK: arith.constant 1.250000e-01
// CHECK: arith.cmpi ugt
// CHECK: math.exp
// CHECK: linalg.generic {indexing_maps = [#[[QM]], #[[VM]], #{{.+}}]
func.func @attention_dynamic_head(%q: tensor<?x4x?x?xf32>, %k: tensor<?x4x?x?xf32>, %v: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = attn.attention %q, %k, %v causal scale 0.125 : tensor<?x4x?x?xf32>, tensor<?x4x?x?xf32>, tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// CHECK-LABEL: func.func @elementwise
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.divf
// CHECK: arith.constant 5.000000e-01
// CHECK: arith.mulf
func.func @elementwise(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = attn.add %a, %b : tensor<?x8xf32>
  %1 = attn.sub %0, %b : tensor<?x8xf32>
  %2 = attn.mul %1, %b : tensor<?x8xf32>
  %3 = attn.div %2, %b : tensor<?x8xf32>
  %4 = attn.scale %3 by 0.5 : tensor<?x8xf32>
  return %4 : tensor<?x8xf32>
}
