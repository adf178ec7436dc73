// RUN: attnc-opt %s -split-input-file -attnc-weight-storage=type=bf16 | FileCheck %s
// RUN: attnc-opt %s -split-input-file -attnc-weight-storage=type=f16 | FileCheck %s --check-prefix=F16
// RUN: attnc-opt %s -split-input-file -attnc-weight-storage=type=bf16 -attnc-pack-weights | FileCheck %s --check-prefix=PACK
// RUN: not attnc-opt %s -split-input-file -attnc-weight-storage=type=int4 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: attnc-weight-storage: unknown type 'int4'; expected f32, bf16 or f16

// An embedding tied to the output projection and a linear weight become
// bf16; the norm's weight, the bias and a matrix also read by a matmul stay
// f32.
// CHECK-LABEL: func.func @tied
// CHECK-SAME: %{{[^:]+}}: tensor<100x16xbf16> {attn.kind = "param", attn.name = "wte"
// CHECK-SAME: %{{[^:]+}}: tensor<16x16xbf16> {attn.kind = "param", attn.name = "w"
// CHECK-SAME: %{{[^:]+}}: tensor<16xf32> {attn.kind = "param", attn.name = "b"
// CHECK-SAME: %{{[^:]+}}: tensor<16xf32> {attn.kind = "param", attn.name = "g"
// CHECK-SAME: %{{[^:]+}}: tensor<16x16xf32> {attn.kind = "param", attn.name = "m"
// CHECK: attn.embedding %{{.+}} : tensor<100x16xbf16>, tensor<?xi64> -> tensor<?x16xf32>
// CHECK: attn.linear %{{.+}} layout out_in : tensor<?x16xf32>, tensor<16x16xbf16>, tensor<16xf32> -> tensor<?x16xf32>
// CHECK: attn.linear %{{.+}} layout out_in : tensor<?x16xf32>, tensor<100x16xbf16> -> tensor<?x100xf32>
// F16-LABEL: func.func @tied
// F16-SAME: tensor<100x16xf16>
// F16-SAME: tensor<16x16xf16>
// F16-SAME: tensor<16x16xf32>
// The packs are bf16 too.
// PACK-LABEL: func.func @tied
// PACK-SAME: tensor<1x16x48xbf16> {attn.kind = "packed", attn.name = "panels(w)"
// PACK-SAME: tensor<3x16x48xbf16> {attn.kind = "packed", attn.name = "panels(wte)"
// PACK: attn.linear %{{.+}} layout panels : tensor<?x16xf32>, tensor<1x16x48xbf16>, tensor<16xf32> -> tensor<?x16xf32>
// PACK: attn.linear %{{.+}} layout panels : tensor<?x16xf32>, tensor<3x16x48xbf16> -> tensor<?x100xf32>
func.func @tied(%ids: tensor<?xi64> {attn.kind = "input", attn.name = "ids", attn.shape = ["seq"]},
                %wte: tensor<100x16xf32> {attn.kind = "param", attn.name = "wte", attn.tensor = "wte", attn.shape = [100, 16]},
                %w: tensor<16x16xf32> {attn.kind = "param", attn.name = "w", attn.tensor = "w", attn.shape = [16, 16]},
                %b: tensor<16xf32> {attn.kind = "param", attn.name = "b", attn.tensor = "b", attn.shape = [16]},
                %g: tensor<16xf32> {attn.kind = "param", attn.name = "g", attn.tensor = "g", attn.shape = [16]},
                %m: tensor<16x16xf32> {attn.kind = "param", attn.name = "m", attn.tensor = "m", attn.shape = [16, 16]})
    -> (tensor<?x100xf32>, tensor<?x16xf32>)
    attributes {attn.model = "tied", attn.dims = ["seq"]} {
  %e = attn.embedding %wte[%ids] : tensor<100x16xf32>, tensor<?xi64> -> tensor<?x16xf32>
  %n = attn.rmsnorm %e, %g eps 1.0e-05 : tensor<?x16xf32>, tensor<16xf32>
  %h = attn.linear %n, %w, %b layout out_in : tensor<?x16xf32>, tensor<16x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  %y = attn.linear %h, %wte layout out_in : tensor<?x16xf32>, tensor<100x16xf32> -> tensor<?x100xf32>
  %p = attn.linear %h, %m layout out_in : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  %q = attn.matmul %p, %m : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
  return %y, %q : tensor<?x100xf32>, tensor<?x16xf32>
}

// -----

// A stacked weight becomes bf16 with its layer slices; stacked biases stay.
// CHECK-LABEL: func.func @layers
// CHECK-SAME: %{{[^:]+}}: tensor<3x16x40xbf16> {attn.kind = "param"
// CHECK-SAME: %{{[^:]+}}: tensor<3x40xf32> {attn.kind = "param"
// CHECK: tensor.extract_slice %{{.+}} : tensor<3x16x40xbf16> to tensor<16x40xbf16>
// CHECK: attn.linear %{{.+}} layout in_out : tensor<?x?x16xf32>, tensor<16x40xbf16>, tensor<40xf32> -> tensor<?x?x40xf32>
// PACK-LABEL: func.func @layers
// PACK-SAME: tensor<3x1x16x48xbf16> {attn.kind = "packed"
// PACK: tensor.extract_slice %{{.+}} : tensor<3x1x16x48xbf16> to tensor<1x16x48xbf16>
func.func @layers(%x: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 16]},
                  %wq: tensor<3x16x40xf32> {attn.kind = "param", attn.name = "wq", attn.tensor = "h.{i}.q", attn.shape = [3, 16, 40], attn.layers = 3 : i64},
                  %bq: tensor<3x40xf32> {attn.kind = "param", attn.name = "bq", attn.tensor = "h.{i}.bq", attn.shape = [3, 40], attn.layers = 3 : i64})
    -> tensor<?x?x16xf32> attributes {attn.model = "layers", attn.dims = ["batch", "seq"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %h = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %x) -> (tensor<?x?x16xf32>) {
    %sw = tensor.extract_slice %wq[%i, 0, 0] [1, 16, 40] [1, 1, 1] : tensor<3x16x40xf32> to tensor<16x40xf32>
    %sb = tensor.extract_slice %bq[%i, 0] [1, 40] [1, 1] : tensor<3x40xf32> to tensor<40xf32>
    %y = attn.linear %acc, %sw, %sb layout in_out : tensor<?x?x16xf32>, tensor<16x40xf32>, tensor<40xf32> -> tensor<?x?x40xf32>
    %r = attn.slice %y[0, 16] : tensor<?x?x40xf32> -> tensor<?x?x16xf32>
    scf.yield %r : tensor<?x?x16xf32>
  }
  return %h : tensor<?x?x16xf32>
}
