// RUN: attnc-opt %s -split-input-file -attnc-convert-attn-to-linalg | FileCheck %s

// Decode form with a window of 64: each query row starts its keys at
// max(chunk start, max(0, lastKey - 63)), so chunks and blocks before the
// window are not visited, and the full blocks need no window test; in the
// last, partial block a key before lastKey - 63 scores -inf (after the
// causal end).
// CHECK-LABEL: func.func @decode_window
// CHECK: scf.forall
// CHECK:   scf.for
// CHECK:     %[[C63:.+]] = arith.constant 63 : index
// CHECK:     %[[FIRST:.+]] = arith.subi %[[LAST:.+]], %[[C63]] : index
// CHECK:     %[[CLAMPED:.+]] = arith.maxsi %{{.+}}, %[[FIRST]] : index
// CHECK:     %[[BEGIN:.+]] = arith.maxsi %{{.+}}, %[[CLAMPED]] : index
// CHECK:     %[[SPAN:.+]] = arith.subi %{{.+}}, %[[BEGIN]] : index
// CHECK:     scf.for
// CHECK-NOT:   arith.cmpi sge
// CHECK:       math.exp
// CHECK:     scf.for
// CHECK:       %[[LOW:.+]] = arith.subi %[[LAST]], %{{.+}} : index
// CHECK:       %[[IN:.+]] = arith.cmpi sge, %{{.+}}, %[[LOW]] : index
// CHECK:       arith.select %[[IN]], %{{.+}}, %{{.+}} : f32
func.func @decode_window(%q: tensor<?x4x1x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>) -> tensor<?x4x1x8xf32> {
  %0 = attn.attention %q, %k, %v causal window 64 scale 0.125 : tensor<?x4x1x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32> -> tensor<?x4x1x8xf32>
  return %0 : tensor<?x4x1x8xf32>
}

// -----

// Decode form with ALiBi and a padding mask: a full block's 16 mask values
// are one vector compared with 0, its biases slope * (first + [0 .. 15]) one
// vector added to the scores; key by key only in the last, partial block.
// CHECK-LABEL: func.func @decode_alibi_mask
// CHECK: scf.forall
// CHECK:   %[[SLOPE:.+]] = tensor.extract %{{.+}}[%{{.+}}] : tensor<4xf32>
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       %[[MASK:.+]] = vector.transfer_read %{{.+}}[%{{.+}}, %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<?x?xi64>, vector<16xi64>
// CHECK:       %[[ALLOWED:.+]] = arith.cmpi ne, %[[MASK]], %{{.+}} : vector<16xi64>
// CHECK:       %[[KEPT:.+]] = arith.select %[[ALLOWED]], %{{.+}}, %{{.+}} : vector<16xi1>, vector<16xf32>
// CHECK:       %[[IOTA:.+]] = arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : vector<16xi64>
// CHECK:       %[[J:.+]] = arith.addi %{{.+}}, %[[IOTA]] : vector<16xi64>
// CHECK:       %[[SLOPES:.+]] = vector.broadcast %[[SLOPE]] : f32 to vector<16xf32>
// CHECK:       %[[JF:.+]] = arith.sitofp %[[J]] : vector<16xi64> to vector<16xf32>
// CHECK:       %[[BIAS:.+]] = arith.mulf %[[SLOPES]], %[[JF]] : vector<16xf32>
// CHECK:       arith.addf %[[KEPT]], %[[BIAS]] : vector<16xf32>
// CHECK:       math.exp
// CHECK:     scf.for
// CHECK:       arith.cmpi ne, %{{.+}}, %{{.+}} : i64
// CHECK:       arith.sitofp %{{.+}} : i64 to f32
func.func @decode_alibi_mask(%q: tensor<?x4x1x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>, %m: tensor<?x?xi64>) -> tensor<?x4x1x8xf32> {
  %0 = attn.attention %q, %k, %v mask %m alibi scale 0.125 : tensor<?x4x1x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x?xi64> -> tensor<?x4x1x8xf32>
  return %0 : tensor<?x4x1x8xf32>
}

// -----

// Flash tiles with a window of 16 and ALiBi: the head's slope is read once
// per (batch, head) from BLOOM's slopes for 4 heads; the key loop starts at
// max(0, the first row's lastKey - 15); each score gets slope * j added and
// is -inf where j < a lane's lastKey - 15, before the causal select.
// CHECK-LABEL: func.func @prefill_window_alibi
// CHECK: scf.forall (%{{.+}}, %[[H:.+]], %{{.+}}) in
// CHECK:   %[[SLOPES:.+]] = arith.constant dense<[2.500000e-01, 6.250000e-02, 1.562500e-02, 3.906250e-03]> : tensor<4xf32>
// CHECK:   %[[SLOPE:.+]] = tensor.extract %[[SLOPES]][%[[H]]] : tensor<4xf32>
// CHECK:   %[[C15:.+]] = arith.constant 15 : index
// CHECK:   %[[START:.+]] = arith.subi %{{.+}}, %[[C15]] : index
// CHECK:   %[[BEGIN:.+]] = arith.maxsi %{{.+}}, %[[START]] : index
// CHECK:   scf.for %{{.+}} = %[[BEGIN]] to
// CHECK:     arith.sitofp %{{.+}} : i64 to f32
// CHECK:     %[[BIAS:.+]] = arith.mulf %[[SLOPE]], %{{.+}} : f32
// CHECK:     %[[BIASES:.+]] = vector.broadcast %[[BIAS]] : f32 to vector<16xf32>
// CHECK:     %[[S:.+]] = arith.addf %{{.+}}, %[[BIASES]] : vector<16xf32>
// CHECK:     %[[LOW:.+]] = arith.subi %{{.+}}, %{{.+}} : vector<16xi32>
// CHECK:     %[[IN:.+]] = arith.cmpi sge, %{{.+}}, %[[LOW]] : vector<16xi32>
// CHECK:     %[[W:.+]] = arith.select %[[IN]], %[[S]], %{{.+}} : vector<16xi1>, vector<16xf32>
// CHECK:     arith.select %{{.+}}, %[[W]], %{{.+}} : vector<16xi1>, vector<16xf32>
func.func @prefill_window_alibi(%q: tensor<?x4x100x8xf32>, %k: tensor<?x4x100x8xf32>, %v: tensor<?x4x100x8xf32>) -> tensor<?x4x100x8xf32> {
  %0 = attn.attention %q, %k, %v causal window 16 alibi scale 0.125 : tensor<?x4x100x8xf32>, tensor<?x4x100x8xf32>, tensor<?x4x100x8xf32> -> tensor<?x4x100x8xf32>
  return %0 : tensor<?x4x100x8xf32>
}

// -----

// The probabilities: the slopes are an input read at the head index; the
// scaled score gets slope * j, and j > lastKey or j < lastKey - 2 is -inf.
// CHECK-DAG: #[[HEAD:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @probs_window_alibi
// CHECK: %[[SLOPES:.+]] = arith.constant dense<[2.500000e-01, 6.250000e-02, 1.562500e-02, 3.906250e-03]> : tensor<4xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[HEAD]], #{{.+}}]{{.*}} ins(%{{.+}}, %[[SLOPES]] : tensor<?x4x?x?xf32>, tensor<4xf32>)
// CHECK: ^bb0(%[[SCORE:.+]]: f32, %[[SLOPE:.+]]: f32, %{{.+}}: f32):
// CHECK:   %[[SCALED:.+]] = arith.mulf %[[SCORE]], %{{.+}} : f32
// CHECK:   %[[J:.+]] = linalg.index 3 : index
// CHECK:   %[[BIAS:.+]] = arith.mulf %[[SLOPE]], %{{.+}} : f32
// CHECK:   %[[BIASED:.+]] = arith.addf %[[SCALED]], %[[BIAS]] : f32
// CHECK:   %[[LAST:.+]] = arith.addi
// CHECK:   %[[AFTER:.+]] = arith.cmpi ugt, %[[J]], %[[LAST]] : index
// CHECK:   %[[C2:.+]] = arith.constant 2 : index
// CHECK:   %[[FIRST:.+]] = arith.subi %[[LAST]], %[[C2]] : index
// CHECK:   %[[BEFORE:.+]] = arith.cmpi slt, %[[J]], %[[FIRST]] : index
// CHECK:   %[[HIDDEN:.+]] = arith.ori %[[AFTER]], %[[BEFORE]] : i1
// CHECK:   arith.select %[[HIDDEN]], %{{.+}}, %[[BIASED]] : f32
func.func @probs_window_alibi(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>) -> tensor<?x4x?x?xf32> {
  %0 = attn.attention_probs %q, %k causal window 3 alibi scale 0.125 : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32> -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}
