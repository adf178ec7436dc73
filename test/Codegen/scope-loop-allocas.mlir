// RUN: attnc-opt %s -attnc-scope-loop-allocas | FileCheck %s

// A loop body that allocates on the stack frees it every iteration; values
// the loop carries leave the scope as its results.
// CHECK-LABEL: func.func @carried
// CHECK:         scf.for {{.+}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (f32) {
// CHECK-NEXT:      %[[R:.+]] = memref.alloca_scope -> (f32) {
// CHECK-NEXT:        %[[A:.+]] = memref.alloca() : memref<1000xf32>
// CHECK:             %[[S:.+]] = arith.addf %[[ACC]], %{{.+}} : f32
// CHECK-NEXT:        memref.alloca_scope.return %[[S]] : f32
// CHECK:           scf.yield %[[R]] : f32
func.func @carried(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %a = memref.alloca() : memref<1000xf32>
    %x = memref.load %a[%i] : memref<1000xf32>
    %s = arith.addf %acc, %x : f32
    scf.yield %s : f32
  }
  return %r : f32
}

// Only the innermost loop that executes the alloca is wrapped; an alloca
// already in a scope, or outside loops, is left alone.
// CHECK-LABEL: func.func @nested
// CHECK:         memref.alloca() : memref<4xf32>
// CHECK:         scf.for
// CHECK-NOT:       memref.alloca_scope
// CHECK:           scf.for
// CHECK-NEXT:        memref.alloca_scope {
// CHECK-NEXT:          scf.if
// CHECK-NEXT:            memref.alloca() : memref<8xf32>
// CHECK:           memref.alloca_scope {
// CHECK-NEXT:        memref.alloca() : memref<16xf32>
func.func @nested(%n: index, %c: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %top = memref.alloca() : memref<4xf32>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      scf.if %c {
        %a = memref.alloca() : memref<8xf32>
      }
    }
    memref.alloca_scope {
      %b = memref.alloca() : memref<16xf32>
    }
  }
  return
}
