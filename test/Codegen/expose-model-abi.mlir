// RUN: attnc-opt %s -split-input-file -attnc-expose-model-abi -attnc-write-manifest -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func private @tiny
// CHECK-LABEL: func.func @attnc_model_abi_version() -> i32
// CHECK: arith.constant 1 : i32
// CHECK-LABEL: llvm.mlir.global internal constant @__attnc_manifest
// @tiny reads neither parameter: both are "read": false.
// CHECK-SAME: {\22abi_version\22:1,\22constants\22:{\22eps\22:1.0000000000000001e-05,\22width\22:16},\22dims\22:[\22batch\22,\22seq\22],\22fingerprint\22:\22abc123\22,\22inputs\22:[{\22dtype\22:\22f32\22,\22name\22:\22x\22,\22shape\22:[\22batch\22,\22seq\22,16]},{\22default\22:1,\22dtype\22:\22i64\22,\22name\22:\22mask\22,\22shape\22:[\22batch\22,\22seq\22]}],\22name\22:\22tiny\22,\22outputs\22:[{\22dtype\22:\22f32\22,\22name\22:\22y\22,\22shape\22:[\22batch\22,\22seq\22,16]}],\22params\22:[{\22dtype\22:\22f32\22,\22name\22:\22w\22,\22read\22:false,\22shape\22:[16,16],\22tensor\22:\22layer.weight\22},{\22dtype\22:\22f32\22,\22layers\22:3,\22name\22:\22blk.v\22,\22read\22:false,\22shape\22:[3,16],\22tensor\22:\22h.{i}.v\22}]}
// CHECK-LABEL: func.func @attnc_model_manifest() -> !llvm.ptr
// CHECK: llvm.mlir.addressof @__attnc_manifest
// CHECK-LABEL: func.func @attnc_model_forward(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) -> i32
// The arena (attnc-plan-memory) comes after the 2 inputs, 2 params, 1 output.
// CHECK-SAME: attributes {attn.dims = ["batch", "seq"], attnc.arena_slot = 5 : i64}
// CHECK-COUNT-2: llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK: %[[X:.+]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x?x16xf32>
// CHECK: bufferization.to_tensor %[[X]] restrict
// CHECK: builtin.unrealized_conversion_cast %{{.*}} to memref<?x?xi64>
// CHECK: %[[W:.+]] = builtin.unrealized_conversion_cast %{{.*}} to memref<16x16xf32>
// CHECK: builtin.unrealized_conversion_cast %{{.*}} to memref<3x16xf32>
// CHECK: %[[Y:.+]] = builtin.unrealized_conversion_cast %{{.*}} to memref<?x?x16xf32>
// CHECK: %[[R:.+]] = call @tiny
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[Y]]
// CHECK: return %{{.*}} : i32
func.func @tiny(%x: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 16]},
                %mask: tensor<?x?xi64> {attn.kind = "input", attn.name = "mask", attn.shape = ["batch", "seq"], attn.default = 1.0 : f64},
                %w: tensor<16x16xf32> {attn.kind = "param", attn.name = "w", attn.tensor = "layer.weight", attn.shape = [16, 16]},
                %v: tensor<3x16xf32> {attn.kind = "param", attn.name = "blk.v", attn.tensor = "h.{i}.v", attn.shape = [3, 16], attn.layers = 3 : i64})
    -> (tensor<?x?x16xf32> {attn.name = "y", attn.shape = ["batch", "seq", 16]})
    attributes {attn.model = "tiny", attn.dims = ["batch", "seq"], attn.fingerprint = "abc123",
                attn.constants = {width = 16 : i64, eps = 1.0e-5 : f64}} {
  return %x : tensor<?x?x16xf32>
}

// -----

// expected-error @+1 {{expected one function marked 'attn.model', found 0}}
module {
  func.func @not_a_model(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

// A parameter packed from others (attnc-fuse-projections): listed in the
// manifest's "packed_params", its buffer after the outputs, the arena after
// it.
// CHECK-LABEL: llvm.mlir.global internal constant @__attnc_manifest
// CHECK-SAME: \22packed_params\22:[{\22axis\22:0,\22dtype\22:\22f32\22,\22name\22:\22a+b\22,\22of\22:[\22a\22,\22b\22],\22shape\22:[12,4]}]
// CHECK-LABEL: func.func @attnc_model_forward
// CHECK-SAME: attnc.arena_slot = 5 : i64
// CHECK: llvm.getelementptr %{{.+}}[3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[PACK:.+]] = llvm.getelementptr %{{.+}}[4] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[PTR:.+]] = llvm.load %[[PACK]]
// CHECK: llvm.insertvalue %[[PTR]]
// CHECK: %[[M:.+]] = builtin.unrealized_conversion_cast %{{.+}} to memref<12x4xf32>
// CHECK: %[[T:.+]] = bufferization.to_tensor %[[M]] restrict
// CHECK: call @packed(%{{.+}}, %{{.+}}, %{{.+}}, %[[T]])
func.func @packed(%x: tensor<?x4xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 4]},
                  %a: tensor<8x4xf32> {attn.kind = "param", attn.name = "a", attn.tensor = "a.weight", attn.shape = [8, 4]},
                  %b: tensor<4x4xf32> {attn.kind = "param", attn.name = "b", attn.tensor = "b.weight", attn.shape = [4, 4]},
                  %ab: tensor<12x4xf32> {attn.kind = "packed", attn.name = "a+b", attn.shape = [12, 4], attn.pack_of = ["a", "b"], attn.pack_axis = 0 : i64})
    -> (tensor<?x12xf32> {attn.name = "y", attn.shape = ["seq", 12]})
    attributes {attn.model = "packed", attn.dims = ["seq"]} {
  %y = attn.linear %x, %ab layout out_in : tensor<?x4xf32>, tensor<12x4xf32> -> tensor<?x12xf32>
  return %y : tensor<?x12xf32>
}

// -----

// A parameter with `else` alternatives: attn.tensor lists every name, the
// manifest keeps the first as "tensor" and the others as "tensor_else".
// CHECK-LABEL: llvm.mlir.global internal constant @__attnc_manifest
// CHECK-SAME: \22params\22:[{\22dtype\22:\22f32\22,\22name\22:\22embed\22,\22read\22:false,\22shape\22:[8,4],\22tensor\22:\22embed.weight\22},{\22dtype\22:\22f32\22,\22name\22:\22head\22,\22read\22:false,\22shape\22:[8,4],\22tensor\22:\22lm_head.weight\22,\22tensor_else\22:[\22lm.weight\22,\22embed.weight\22]}]
func.func @tied(%x: tensor<?x4xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 4]},
                %embed: tensor<8x4xf32> {attn.kind = "param", attn.name = "embed", attn.tensor = "embed.weight", attn.shape = [8, 4]},
                %head: tensor<8x4xf32> {attn.kind = "param", attn.name = "head", attn.tensor = ["lm_head.weight", "lm.weight", "embed.weight"], attn.shape = [8, 4]})
    -> (tensor<?x4xf32> {attn.name = "y", attn.shape = ["seq", 4]})
    attributes {attn.model = "tied", attn.dims = ["seq"]} {
  return %x : tensor<?x4xf32>
}

// -----

module {
  // expected-error @+1 {{argument 0 lacks the attn.kind/attn.name/attn.shape attributes of a model argument}}
  func.func @unannotated(%x: tensor<?x16xf32>) -> (tensor<?x16xf32> {attn.name = "y", attn.shape = ["seq", 16]})
      attributes {attn.model = "unannotated", attn.dims = ["seq"]} {
    return %x : tensor<?x16xf32>
  }
}

// -----

module {
  // expected-error @+1 {{result 0 lacks the attn.name/attn.shape attributes of a model output}}
  func.func @unnamed(%x: tensor<?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 16]}) -> tensor<?x16xf32>
      attributes {attn.model = "unnamed", attn.dims = ["seq"]} {
    return %x : tensor<?x16xf32>
  }
}
