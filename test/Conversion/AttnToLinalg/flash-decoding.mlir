// RUN: attnc-opt %s -split-input-file -attnc-convert-attn-to-linalg | FileCheck %s

// One query (static): only the decode form. The keys split into at most 16
// chunks of max(64, ceil(sk / 256) * 16) keys, a number that depends on sk
// alone; a forall over (batch, head, chunk) writes each chunk's partial
// (m, l, o[8]) per query row, then a forall over (batch, head) merges them.
// The query row is read as vectors, scaled by the scale. Per key of a block
// of 16, an 8-wide product of the query row and the key
// row; shuffles and adds sum each product's lanes into the block's vector of
// 16 scores (8 keys per vector after three levels, then the two halves
// joined), one vector for its max and exp. The full blocks read rows
// first + c unclamped; the keys left after them are one masked block, its
// rows clamped and its keys from the end on -inf. Query head h reads key
// head h / 2 (grouped-query).
// CHECK-LABEL: func.func @decode_one_query
// CHECK: %[[PER:.+]] = arith.ceildivsi %{{.+}}, %c256
// CHECK: %[[MUL:.+]] = arith.muli %[[PER]], %c16
// CHECK: %[[SIZE:.+]] = arith.maxsi %c64, %[[MUL]]
// CHECK: %[[N:.+]] = arith.ceildivsi %{{.+}}, %[[SIZE]]
// CHECK: %[[CHUNKS:.+]] = arith.maxsi %c1, %[[N]]
// CHECK: %[[PARTIALS:.+]] = tensor.empty(%{{.+}}) : tensor<?x4x16x1x10xf32>
// CHECK: %[[P:.+]] = scf.forall (%[[B:.+]], %[[H:.+]], %[[C:.+]]) in (%{{.+}}, 4, %[[CHUNKS]]) shared_outs(%[[POUT:.+]] = %[[PARTIALS]])
// CHECK:   arith.divui %[[H]], %c2
// CHECK-NOT: memref.alloca
// The query row: one read, scaled as a vector.
// CHECK:   %[[TILE:.+]] = scf.for {{.+}} iter_args(%[[ROWS:.+]] = %{{.+}}) -> (tensor<?x10xf32>)
// CHECK:     %[[Q:.+]] = vector.transfer_read %arg0[%[[B]], %[[H]], %{{.+}}, %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<?x4x1x8xf32>, vector<8xf32>
// CHECK-NEXT: arith.mulf %[[Q]], %{{.+}} : vector<8xf32>
// CHECK:     %[[FULL:.+]] = arith.divsi %{{.+}}, %c16
// CHECK:     %[[STATE:.+]]:3 = scf.for %{{.+}} = %c0{{.*}} to %[[FULL]] {{.+}} iter_args({{.+}}) -> (f32, f32, vector<8xf32>)
// CHECK-NOT:   arith.minsi
// CHECK:       vector.transfer_read %arg1[{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<?x2x?x8xf32>, vector<8xf32>
// CHECK:       arith.mulf {{.+}} : vector<8xf32>
// CHECK-NOT:   vector.reduction <add>
// The sums are built depth first: keys 0 and 1 are summed before key 2 is
// read (the order in which LLVM then reads the rows, FlashDecoding.cpp).
// CHECK:       vector.transfer_read %arg1
// CHECK-NOT:   vector.transfer_read
// CHECK:       vector.shuffle %{{.+}}, %{{.+}} [0, 1, 2, 3, 8, 9, 10, 11] : vector<8xf32>, vector<8xf32>
// CHECK:       vector.shuffle %{{.+}}, %{{.+}} [4, 5, 6, 7, 12, 13, 14, 15] : vector<8xf32>, vector<8xf32>
// CHECK:       vector.transfer_read %arg1
// CHECK:       vector.shuffle %{{.+}}, %{{.+}} [0, 1, 4, 5, 8, 9, 12, 13] : vector<8xf32>, vector<8xf32>
// CHECK:       vector.shuffle %{{.+}}, %{{.+}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<8xf32>, vector<8xf32>
// CHECK:       %[[SCORES:.+]] = vector.shuffle %{{.+}}, %{{.+}} [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf32>, vector<8xf32>
// The block's maximum: halves, level by level (maxnumf), not a reduction
// that LLVM expands lane by lane.
// CHECK-NEXT:  %[[LO8:.+]] = vector.extract_strided_slice %[[SCORES]] {offsets = [0], sizes = [8], strides = [1]} : vector<16xf32> to vector<8xf32>
// CHECK-NEXT:  %[[HI8:.+]] = vector.extract_strided_slice %[[SCORES]] {offsets = [8], sizes = [8], strides = [1]} : vector<16xf32> to vector<8xf32>
// CHECK-NEXT:  arith.maxnumf %[[LO8]], %[[HI8]] : vector<8xf32>
// CHECK:       arith.maxnumf %{{.+}}, %{{.+}} : vector<4xf32>
// CHECK:       arith.maxnumf %{{.+}}, %{{.+}} : vector<2xf32>
// CHECK:       arith.maxnumf %{{.+}}, %{{.+}} : vector<1xf32>
// CHECK-NOT:   vector.reduction <maximumf>
// CHECK:       math.exp %{{.+}} : f32
// CHECK:       math.exp %{{.+}} : vector<16xf32>
// CHECK:       vector.extract
// CHECK:       vector.fma
// The full blocks' loop asks attnc-prefetch-ahead for the next block's
// reads (of the keys: the body's first stream).
// CHECK:     } {attn.prefetch_ahead = 1 : i64}
// CHECK:     %[[BLOCKS:.+]] = arith.ceildivsi %{{.+}}, %c16
// CHECK:     scf.for %{{.+}} = %[[FULL]] to %[[BLOCKS]] {{.+}} iter_args(%{{.+}} = %[[STATE]]#0, %{{.+}} = %[[STATE]]#1, %{{.+}} = %[[STATE]]#2)
// CHECK:       arith.minsi
// CHECK:       vector.shuffle
// CHECK:       arith.cmpi slt
// CHECK:       arith.select
// CHECK:       vector.from_elements {{.+}} : vector<16xf32>
// CHECK:       arith.maxnumf {{.+}} : vector<8xf32>
// The row's (m, l, o) straight into the chunk's tile.
// CHECK:     %[[M:.+]] = tensor.insert %{{.+}} into %[[ROWS]][%{{.+}}, %c0{{.*}}] : tensor<?x10xf32>
// CHECK:     %[[ML:.+]] = tensor.insert %{{.+}} into %[[M]][%{{.+}}, %c1{{.*}}] : tensor<?x10xf32>
// CHECK:     vector.transfer_write %{{.+}}, %[[ML]][%{{.+}}, %c2{{.*}}] {in_bounds = [true]} : vector<8xf32>, tensor<?x10xf32>
// CHECK:   tensor.parallel_insert_slice %[[TILE]] into %[[POUT]][%[[B]], %[[H]], %[[C]], 0, 0]
// CHECK: scf.forall (%[[B2:.+]], %[[H2:.+]]) in (%{{.+}}, 4) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<?x4x?x8xf32>)
// CHECK:   scf.for %{{.+}} = %c0{{.*}} to %[[CHUNKS]]
// CHECK:     tensor.extract %[[P]][%[[B2]], %[[H2]]
// CHECK:     arith.maximumf
// CHECK:   math.exp
// CHECK:   arith.divf
// The chunks' outputs weighed and summed a vector of features at a time.
// CHECK:   scf.for %{{.+}} = %c0{{.*}} to %[[CHUNKS]] {{.+}} -> (vector<8xf32>)
// CHECK:     vector.transfer_read %[[P]][%[[B2]], %[[H2]], %{{.+}}, %{{.+}}, %c2{{.*}}], %{{.+}} {in_bounds = [true]} : tensor<?x4x16x1x10xf32>, vector<8xf32>
// CHECK:     vector.fma
// CHECK:   vector.transfer_write {{.+}} : vector<8xf32>, tensor<?x8xf32>
// CHECK:   tensor.parallel_insert_slice %{{.+}} into %[[OUT]][%[[B2]], %[[H2]], 0, 0]
// CHECK-NOT: scf.forall
// CHECK: return
func.func @decode_one_query(%q: tensor<?x4x1x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>) -> tensor<?x4x1x8xf32> {
  %0 = attn.attention %q, %k, %v causal scale 0.125 : tensor<?x4x1x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32> -> tensor<?x4x1x8xf32>
  return %0 : tensor<?x4x1x8xf32>
}

// -----

// A dynamic query count: the decode form (up to 16 queries) and the row
// tiles (48 query rows) are built one after the other on the same tensor,
// no scf.if: the form not taken computes no rows (query rows 0, or tile
// rows and keys 0), in one iteration per (batch, head) for the decode form
// and per batch for the tiles (whose iterations each clear two tiles), and
// never in zero.
// CHECK-LABEL: func.func @attention_any_queries
// CHECK: %[[DECODE:.+]] = arith.cmpi sle, %[[SQ:.+]], %c16
// CHECK: %[[ROWS:.+]] = arith.select %[[DECODE]], %{{.+}}, %c0
// CHECK: %[[CHUNKS:.+]] = arith.select %[[DECODE]], %{{.+}}, %c1
// CHECK: tensor.empty(%{{.+}}) : tensor<?x4x16x16x10xf32>
// CHECK: scf.forall ({{.+}}) in (%{{.+}}, 4, %[[CHUNKS]])
// CHECK:   scf.for %{{.+}} = %c0{{.*}} to %[[ROWS]] {{.+}} -> (tensor<?x10xf32>)
// CHECK: %[[DECODED:.+]] = scf.forall ({{.+}}) in (%{{.+}}, 4) shared_outs
// CHECK: %[[ACTIVE:.+]] = arith.xori %[[DECODE]], %true
// CHECK: %[[TILES:.+]] = arith.ceildivui %[[SQ]], %c48
// CHECK: %[[COUNT:.+]] = arith.select %[[DECODE]], %c1{{.*}}, %[[TILES]]
// CHECK: %[[HEADS:.+]] = arith.select %[[ACTIVE]], %c4, %c1{{.*}}
// CHECK: scf.forall ({{.+}}) in (%{{.+}}, %[[HEADS]], %[[COUNT]]) shared_outs(%{{.+}} = %[[DECODED]])
// CHECK:   arith.select %[[ACTIVE]]
// CHECK:   memref.alloca() {alignment = 64 : i64} : memref<8x48xf32>
// CHECK:   memref.alloca() {alignment = 64 : i64} : memref<8x48xf32>
func.func @attention_any_queries(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %0 = attn.attention %q, %k, %v causal scale 0.125 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  return %0 : tensor<?x4x?x8xf32>
}

// -----

// A static query count above 16: only the row tiles.
// CHECK-LABEL: func.func @prefill
// CHECK-NOT: tensor<?x4x16x
// CHECK: %[[TILES:.+]] = arith.ceildivui %{{.+}}, %c48
// CHECK: scf.forall ({{.+}}) in (%{{.+}}, 4, %[[TILES]])
// CHECK-NOT: arith.xori
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<8x48xf32>
func.func @prefill(%q: tensor<?x4x100x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>) -> tensor<?x4x100x8xf32> {
  %0 = attn.attention %q, %k, %v scale 0.125 : tensor<?x4x100x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x100x8xf32>
  return %0 : tensor<?x4x100x8xf32>
}

// -----

// The decode vectors follow the target (VectorTarget.h): 8 lanes on AVX2,
// so 32 features are four 8-wide dot products, not two 16-wide ones.
// CHECK-LABEL: func.func @decode_avx2
// CHECK-NOT: vector<16xf32>
// CHECK: vector.transfer_read %arg0{{.+}} : tensor<?x4x1x32xf32>, vector<8xf32>
// CHECK: vector.shuffle {{.+}} : vector<8xf32>, vector<8xf32>
module attributes {attn.target = {cpu = "x86-64-v3", features = [], f32_lanes = 8 : i64, vector_registers = 16 : i64}} {
  func.func @decode_avx2(%q: tensor<?x4x1x32xf32>, %k: tensor<?x4x?x32xf32>, %v: tensor<?x4x?x32xf32>) -> tensor<?x4x1x32xf32> {
    %0 = attn.attention %q, %k, %v causal scale 0.125 : tensor<?x4x1x32xf32>, tensor<?x4x?x32xf32>, tensor<?x4x?x32xf32> -> tensor<?x4x1x32xf32>
    return %0 : tensor<?x4x1x32xf32>
  }
}

// -----

// Keys and values of a bf16 KV cache (attnc compile --kv-cache-type bf16):
// the decode form reads a row as one bf16 vector and widens it; the row
// tiles widen each element they read.
// CHECK-LABEL: func.func @bf16_cache
// CHECK: scf.forall
// CHECK:   %[[KEY:.+]] = vector.transfer_read %arg1[{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<?x2x?x8xbf16>, vector<8xbf16>
// CHECK:   arith.extf %[[KEY]] : vector<8xbf16> to vector<8xf32>
// CHECK:   %[[VALUE:.+]] = vector.transfer_read %arg2[{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<?x2x?x8xbf16>, vector<8xbf16>
// CHECK:   arith.extf %[[VALUE]] : vector<8xbf16> to vector<8xf32>
// CHECK: %[[ELEMENT:.+]] = tensor.extract %arg1[{{.+}}] : tensor<?x2x?x8xbf16>
// CHECK: arith.extf %[[ELEMENT]] : bf16 to f32
func.func @bf16_cache(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xbf16>, %v: tensor<?x2x?x8xbf16>) -> tensor<?x4x?x8xf32> {
  %0 = attn.attention %q, %k, %v causal scale 0.125 : tensor<?x4x?x8xf32>, tensor<?x2x?x8xbf16>, tensor<?x2x?x8xbf16> -> tensor<?x4x?x8xf32>
  return %0 : tensor<?x4x?x8xf32>
}

// -----

// bf16 rows of 32 features (twice the 16 lanes): one 32-wide read, its words
// shifted (even features) and masked (odd ones) into two f32 vectors; the
// query is read 32 wide and its even and odd features shuffled apart, and
// the output's even and odd vectors are interleaved back into order when
// stored.
// CHECK-LABEL: func.func @bf16_paired
// CHECK: %[[QPAIR:.+]] = vector.transfer_read %arg0{{.+}} : tensor<?x4x1x32xf32>, vector<32xf32>
// CHECK: vector.shuffle %[[QPAIR]], %[[QPAIR]] [0, 2, 4, {{.*}}, 28, 30] : vector<32xf32>, vector<32xf32>
// CHECK: vector.shuffle %[[QPAIR]], %[[QPAIR]] [1, 3, 5, {{.*}}, 29, 31] : vector<32xf32>, vector<32xf32>
// CHECK: %[[PAIR:.+]] = vector.transfer_read %arg1[{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<?x2x?x32xbf16>, vector<32xbf16>
// CHECK: %[[WORDS:.+]] = vector.bitcast %[[PAIR]] : vector<32xbf16> to vector<16xi32>
// CHECK: %[[EVEN:.+]] = arith.shli %[[WORDS]], %{{.+}} : vector<16xi32>
// CHECK: vector.bitcast %[[EVEN]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[ODD:.+]] = arith.andi %[[WORDS]], %{{.+}} : vector<16xi32>
// CHECK: vector.bitcast %[[ODD]] : vector<16xi32> to vector<16xf32>
// CHECK-NOT: arith.extf {{.*}} : vector
// CHECK: vector.shuffle %{{.+}}, %{{.+}} [0, 16, 1, 17, 2, 18, {{.*}}, 15, 31] : vector<16xf32>, vector<16xf32>
// CHECK: vector.transfer_write %{{.+}} : vector<32xf32>, tensor<?x34xf32>
func.func @bf16_paired(%q: tensor<?x4x1x32xf32>, %k: tensor<?x2x?x32xbf16>, %v: tensor<?x2x?x32xbf16>) -> tensor<?x4x1x32xf32> {
  %0 = attn.attention %q, %k, %v causal scale 0.125 : tensor<?x4x1x32xf32>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16> -> tensor<?x4x1x32xf32>
  return %0 : tensor<?x4x1x32xf32>
}
