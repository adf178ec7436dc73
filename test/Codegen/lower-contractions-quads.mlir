// RUN: attnc-opt %s -split-input-file -attnc-lower-contractions -canonicalize -cse -verify-diagnostics | FileCheck %s

// An int8 weight in quads of k whose input is quantized (attnc.quantize_lhs:
// `attnc compile --weight-type int8 --round-activations`) on a target with
// avx512vnni: per row tile (4 rows, then single rows) A's rows are quantized
// per block of 32 k into i32 words of 4 bytes, with each block's scale and
// 128 * sum(q); per quad of k, 3 loads of 64 bytes (4 k of 16 columns), the
// sign bits flipped (q + 128: vpdpbusd's unsigned operand), one broadcast
// word of A per row and vpdpbusd into i32 sums; at each block's end the sums
// less the correction, converted, times scale_x * scale_w into the f32
// accumulators. K = 75: 3 blocks, 19 quads.
// CHECK-LABEL: func.func @quads_dot
// CHECK:         %[[QUADS:.+]] = memref.collapse_shape %{{.+}} {{\[\[}}0], [1], [2, 3]] : memref<3x19x48x4xi8> into memref<3x19x192xi8>
// CHECK-DAG:     %[[ROWS:.+]] = memref.alloca() {alignment = 64 : i64} : memref<4x24xi32>
// CHECK-DAG:     memref.alloca() {alignment = 64 : i64} : memref<4x3xi32>
// CHECK-DAG:     memref.alloca() {alignment = 64 : i64} : memref<4x3xf32>
// CHECK:         vector.maskedload %{{.+}} : memref<?x75xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK:         vector.reduction <maximumf>
// CHECK:         math.roundeven %{{.+}} : vector<16xf32>
// CHECK:         arith.fptosi %{{.+}} : vector<16xf32> to vector<16xi32>
// CHECK:         vector.reduction <add>
// CHECK:         arith.trunci %{{.+}} : vector<16xi32> to vector<16xi8>
// CHECK:         vector.bitcast %{{.+}} : vector<16xi8> to vector<4xi32>
// CHECK:         scf.for %{{.+}} = %c0 to %c3 step %c1 iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:           scf.for
// CHECK-COUNT-3:     vector.load %[[QUADS]][{{.+}}] : memref<3x19x192xi8>, vector<64xi8>
// CHECK:             memref.load %[[ROWS]]
// CHECK:             vector.broadcast %{{.+}} : i32 to vector<16xi32>
// CHECK-COUNT-3:     llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.+}}) : (vector<16xi32>, vector<16xi32>, vector<16xi32>) -> vector<16xi32>
// CHECK:           arith.subi %{{.+}} : vector<16xi32>
// CHECK:           arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// CHECK:           vector.fma
// CHECK-NOT:     linalg.generic
// With VNNI a single row keeps up with memory unprefetched.
// CHECK-NOT:     attn.prefetch_ahead
module attributes {attn.target = {cpu = "sapphirerapids", features = ["avx512f", "avx512vnni"], f32_lanes = 16 : i64, vector_registers = 32 : i64}} {
  func.func @quads_dot(%a: memref<?x75xf32>, %p: memref<3x19x48x4xi8>, %s: memref<3x3x48xf32>, %c: memref<?x100xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 4, n mod 48, k mod 4)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 32, n mod 48)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p, %s : memref<?x75xf32>, memref<3x19x48x4xi8>, memref<3x3x48xf32>) outs(%c : memref<?x100xf32>) attrs = {attnc.quantize_lhs} {
    ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
      %w = arith.sitofp %q : i8 to f32
      %ws = arith.mulf %w, %scale : f32
      %0 = arith.mulf %x, %ws : f32
      %1 = arith.addf %acc, %0 : f32
      linalg.yield %1 : f32
    }
    return
  }
}

// -----

// The same product on a target with neither VNNI nor AVX512BW: the same
// i32 sums from each byte of the quads (shifted and masked, unsigned) times
// the same byte of A's word (shifted, signed): no intrinsic.
// CHECK-LABEL: func.func @quads_no_dot
// CHECK:         math.roundeven
// CHECK:         arith.shrui %{{.+}} : vector<16xi32>
// CHECK:         arith.shrsi %{{.+}} : vector<16xi32>
// CHECK:         arith.muli %{{.+}} : vector<16xi32>
// CHECK:         vector.fma
// CHECK-NOT:     llvm.call_intrinsic
// CHECK-NOT:     linalg.generic
module attributes {attn.target = {cpu = "x86-64-v4", features = ["avx512f", "avx512vl"], f32_lanes = 16 : i64, vector_registers = 32 : i64}} {
  func.func @quads_no_dot(%a: memref<?x75xf32>, %p: memref<3x19x48x4xi8>, %s: memref<3x3x48xf32>, %c: memref<?x100xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 4, n mod 48, k mod 4)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 32, n mod 48)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p, %s : memref<?x75xf32>, memref<3x19x48x4xi8>, memref<3x3x48xf32>) outs(%c : memref<?x100xf32>) attrs = {attnc.quantize_lhs} {
    ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
      %w = arith.sitofp %q : i8 to f32
      %ws = arith.mulf %w, %scale : f32
      %0 = arith.mulf %x, %ws : f32
      %1 = arith.addf %acc, %0 : f32
      linalg.yield %1 : f32
    }
    return
  }
}

// -----

// AVX512BW without VNNI (x86-64-v4, Skylake-SP): per panel load |q_w| and
// its sign bits (no q_w + 128), per row and vector A's word negated where
// q_w < 0, vpmaddubsw, vpmaddwd by ones and an add; no correction, so the
// quantized rows' sums are not computed.
// CHECK-LABEL: func.func @quads_madd
// CHECK-NOT:     vector.reduction <add>
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             %[[RAW:.+]] = vector.load %{{.+}} : memref<3x19x192xi8>, vector<64xi8>
// CHECK:             arith.cmpi slt, %[[RAW]], %{{.+}} : vector<64xi8>
// CHECK:             math.absi %[[RAW]] : vector<64xi8>
// CHECK:             vector.bitcast %{{.+}} : vector<16xi32> to vector<64xi8>
// CHECK:             arith.subi %{{.+}} : vector<64xi8>
// CHECK:             arith.select %{{.+}} : vector<64xi1>, vector<64xi8>
// CHECK:             llvm.call_intrinsic "llvm.x86.avx512.pmaddubs.w.512"(%{{.+}}) : (vector<64xi8>, vector<64xi8>) -> vector<32xi16>
// CHECK:             llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"(%{{.+}}) : (vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// CHECK:             arith.addi %{{.+}} : vector<16xi32>
// A single row prefetches 16 KiB ahead: 86 quads of 192 bytes.
// CHECK:           } {attn.prefetch_ahead = 86 : i64}
// CHECK-NOT:     arith.subi %{{.+}} : vector<16xi32>
// CHECK:         arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// CHECK-NOT:     linalg.generic
module attributes {attn.target = {cpu = "x86-64-v4", features = ["avx512f", "avx512bw", "avx512vl"], f32_lanes = 16 : i64, vector_registers = 32 : i64}} {
  func.func @quads_madd(%a: memref<?x75xf32>, %p: memref<3x19x48x4xi8>, %s: memref<3x3x48xf32>, %c: memref<?x100xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 4, n mod 48, k mod 4)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 32, n mod 48)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p, %s : memref<?x75xf32>, memref<3x19x48x4xi8>, memref<3x3x48xf32>) outs(%c : memref<?x100xf32>) attrs = {attnc.quantize_lhs} {
    ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
      %w = arith.sitofp %q : i8 to f32
      %ws = arith.mulf %w, %scale : f32
      %0 = arith.mulf %x, %ws : f32
      %1 = arith.addf %acc, %0 : f32
      linalg.yield %1 : f32
    }
    return
  }
}

// -----

// AVX2 without AVX-VNNI (x86-64-v3): the same with vpsignb, which takes the
// weights themselves.
// CHECK-LABEL: func.func @quads_madd_avx2
// CHECK:         memref.alloca() {alignment = 64 : i64} : memref<2x24xi32>
// CHECK:         %[[RAW:.+]] = vector.load %{{.+}} : memref<5x19x96xi8>, vector<32xi8>
// CHECK:         math.absi %[[RAW]] : vector<32xi8>
// CHECK:         llvm.call_intrinsic "llvm.x86.avx2.psign.b"(%{{.+}}, %[[RAW]]) : (vector<32xi8>, vector<32xi8>) -> vector<32xi8>
// CHECK:         llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%{{.+}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// CHECK:         llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.+}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK:         } {attn.prefetch_ahead = 171 : i64}
// CHECK-NOT:     linalg.generic
module attributes {attn.target = {cpu = "x86-64-v3", features = ["avx2", "fma"], f32_lanes = 8 : i64, vector_registers = 16 : i64}} {
  func.func @quads_madd_avx2(%a: memref<?x75xf32>, %p: memref<5x19x24x4xi8>, %s: memref<5x3x24xf32>, %c: memref<?x100xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 24, k floordiv 4, n mod 24, k mod 4)>,
                                     affine_map<(m, n, k) -> (n floordiv 24, k floordiv 32, n mod 24)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p, %s : memref<?x75xf32>, memref<5x19x24x4xi8>, memref<5x3x24xf32>) outs(%c : memref<?x100xf32>) attrs = {attnc.quantize_lhs} {
    ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
      %w = arith.sitofp %q : i8 to f32
      %ws = arith.mulf %w, %scale : f32
      %0 = arith.mulf %x, %ws : f32
      %1 = arith.addf %acc, %0 : f32
      linalg.yield %1 : f32
    }
    return
  }
}

// -----

// AVX2 with AVX-VNNI (8 lanes, 16 registers: panels of 24, 2-row tiles):
// the 256-bit vpdpbusd.
// CHECK-LABEL: func.func @quads_avxvnni
// CHECK:         memref.alloca() {alignment = 64 : i64} : memref<2x24xi32>
// CHECK-COUNT-3: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%{{.+}}) : (vector<8xi32>, vector<8xi32>, vector<8xi32>) -> vector<8xi32>
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     attn.prefetch_ahead
module attributes {attn.target = {cpu = "alderlake", features = ["avx2", "avxvnni"], f32_lanes = 8 : i64, vector_registers = 16 : i64}} {
  func.func @quads_avxvnni(%a: memref<?x75xf32>, %p: memref<5x19x24x4xi8>, %s: memref<5x3x24xf32>, %c: memref<?x100xf32>) {
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 24, k floordiv 4, n mod 24, k mod 4)>,
                                     affine_map<(m, n, k) -> (n floordiv 24, k floordiv 32, n mod 24)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p, %s : memref<?x75xf32>, memref<5x19x24x4xi8>, memref<5x3x24xf32>) outs(%c : memref<?x100xf32>) attrs = {attnc.quantize_lhs} {
    ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
      %w = arith.sitofp %q : i8 to f32
      %ws = arith.mulf %w, %scale : f32
      %0 = arith.mulf %x, %ws : f32
      %1 = arith.addf %acc, %0 : f32
      linalg.yield %1 : f32
    }
    return
  }
}

// -----

// A product to quantize whose weight is not in quads has no lowering: an
// error, not f32 activations.
module attributes {attn.target = {cpu = "sapphirerapids", features = ["avx512f", "avx512vnni"], f32_lanes = 16 : i64, vector_registers = 32 : i64}} {
  func.func @quads_unmatched(%a: memref<?x75xf32>, %p: memref<3x75x48xi8>, %s: memref<3x3x48xf32>, %c: memref<?x100xf32>) {
    // expected-error @+1 {{'linalg.generic' op with 'attnc.quantize_lhs' is not an int8 quads product the kernels implement}}
    linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>,
                                     affine_map<(m, n, k) -> (n floordiv 48, k floordiv 32, n mod 48)>,
                                     affine_map<(m, n, k) -> (m, n)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %p, %s : memref<?x75xf32>, memref<3x75x48xi8>, memref<3x3x48xf32>) outs(%c : memref<?x100xf32>) attrs = {attnc.quantize_lhs} {
    ^bb0(%x: f32, %q: i8, %scale: f32, %acc: f32):
      %w = arith.sitofp %q : i8 to f32
      %ws = arith.mulf %w, %scale : f32
      %0 = arith.mulf %x, %ws : f32
      %1 = arith.addf %acc, %0 : f32
      linalg.yield %1 : f32
    }
    return
  }
}
