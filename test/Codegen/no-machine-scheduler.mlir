// RUN: attnc-opt %s -split-input-file -attnc-lower-contractions | FileCheck %s

// attnc-lower-contractions asks the code generator to run without LLVM's
// machine scheduler (attn.no_machine_scheduler, CodegenHints.h) where it
// widens an int8 weight for an f32 input: next to the int8 tiles the
// scheduler pushed the widened f32 tiles out of their registers.
// CHECK: module attributes {attn.no_machine_scheduler}
// CHECK-LABEL: func.func @int8_weights
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#s = affine_map<(m, n, k) -> (n floordiv 48, k floordiv 32, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @int8_weights(%a: memref<?x80xf32>, %p: memref<2x80x48xi8>, %s: memref<2x3x48xf32>, %c: memref<?x96xf32>) {
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

// f32 weights (and every other kind of product) keep the scheduler: causal
// attention is 3-4% faster with it.
// CHECK-NOT: attn.no_machine_scheduler
// CHECK-LABEL: func.func @f32_weights
// CHECK-NOT: attn.no_machine_scheduler
#a = affine_map<(m, n, k) -> (m, k)>
#p = affine_map<(m, n, k) -> (n floordiv 48, k, n mod 48)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @f32_weights(%a: memref<?x64xf32>, %p: memref<2x64x48xf32>, %c: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<?x64xf32>, memref<2x64x48xf32>) outs(%c : memref<?x96xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}
