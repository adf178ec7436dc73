// RUN: attnc-opt %s -attnc-kv-cache=cache-type=bf16 | FileCheck %s --check-prefixes=CHECK,BF16
// RUN: attnc-opt %s -attnc-kv-cache=cache-type=f16 | FileCheck %s --check-prefixes=CHECK,F16
// RUN: attnc-opt %s -attnc-kv-cache | FileCheck %s --check-prefix=F32
// RUN: not attnc-opt %s -attnc-kv-cache=cache-type=i8 2>&1 | FileCheck %s --check-prefix=BAD

// A cache of bf16 (f16): the new keys and values are rounded as they are
// written, and attention reads the cached prefix in that type. The forward
// function keeps f32 keys and values.
// CHECK-LABEL: func.func @dec(
// CHECK: attn.attention {{.*}} : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>
// CHECK-LABEL: func.func @dec_step(
// BF16-SAME: %[[KC:[^:]+]]: memref<?x4x?x4xbf16> {attn.kind = "kv_cache", attn.name = "k0"}
// BF16-SAME: %[[VC:[^:]+]]: memref<?x4x?x4xbf16> {attn.kind = "kv_cache", attn.name = "v0"}
// F16-SAME: memref<?x4x?x4xf16> {attn.kind = "kv_cache", attn.name = "k0"}
// CHECK: attn.split_heads
// CHECK: %[[K:.+]] = attn.split_heads %{{.+}} heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
// CHECK: %[[V:.+]] = attn.split_heads
// BF16: %[[KR:.+]] = arith.truncf %[[K]] : tensor<?x4x?x4xf32> to tensor<?x4x?x4xbf16>
// BF16: bufferization.materialize_in_destination %[[KR]] in writable
// BF16: %[[KT:.+]] = bufferization.to_tensor %{{.+}} restrict : memref<?x4x?x4xbf16
// BF16: %[[VR:.+]] = arith.truncf %[[V]] : tensor<?x4x?x4xf32> to tensor<?x4x?x4xbf16>
// BF16: %[[VT:.+]] = bufferization.to_tensor
// BF16: attn.attention %{{.+}}, %[[KT]], %[[VT]] causal {{.*}} : tensor<?x4x?x4xf32>, tensor<?x4x?x4xbf16>, tensor<?x4x?x4xbf16> -> tensor<?x4x?x4xf32>
// F16: arith.truncf %{{.+}} : tensor<?x4x?x4xf32> to tensor<?x4x?x4xf16>
// F16: attn.attention {{.*}} tensor<?x4x?x4xf16>, tensor<?x4x?x4xf16> -> tensor<?x4x?x4xf32>

// An f32 cache, the default, writes the keys as they are.
// F32-LABEL: func.func @dec_step(
// F32-SAME: memref<?x4x?x4xf32>
// F32-NOT: arith.truncf

// BAD: error: attnc-kv-cache: unknown cache-type 'i8'; expected f32, bf16 or f16
func.func @dec(%x: tensor<?x?x16xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["batch", "seq", 16]},
               %w: tensor<48x16xf32> {attn.kind = "param", attn.name = "w", attn.tensor = "qkv.weight", attn.shape = [48, 16]})
    -> (tensor<?x?x16xf32> {attn.name = "y", attn.shape = ["batch", "seq", 16]})
    attributes {attn.model = "dec", attn.dims = ["batch", "seq"]} {
  %qkv = attn.linear %x, %w layout out_in : tensor<?x?x16xf32>, tensor<48x16xf32> -> tensor<?x?x48xf32>
  %q = attn.slice %qkv[0, 16] : tensor<?x?x48xf32> -> tensor<?x?x16xf32>
  %k = attn.slice %qkv[16, 16] : tensor<?x?x48xf32> -> tensor<?x?x16xf32>
  %v = attn.slice %qkv[32, 16] : tensor<?x?x48xf32> -> tensor<?x?x16xf32>
  %qh = attn.split_heads %q heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
  %kh = attn.split_heads %k heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
  %vh = attn.split_heads %v heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
  %o = attn.attention %qh, %kh, %vh causal scale 0.5 : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32> -> tensor<?x4x?x4xf32>
  %y = attn.merge_heads %o : tensor<?x4x?x4xf32> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
