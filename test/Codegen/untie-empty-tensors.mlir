// RUN: attnc-opt %s -attnc-untie-empty-tensors | FileCheck %s

// Two unrelated results share one (CSE-merged) destination: each gets its
// own tensor.empty.
// CHECK-LABEL: func.func @shared
// CHECK-COUNT-2: tensor.empty(%{{.+}}) : tensor<?xf32>
// CHECK:         linalg.fill ins(%{{.+}} : f32) outs(%[[A:[^ ]+]] : tensor<?xf32>)
// CHECK-NOT:     outs(%[[A]] :
// CHECK:         return
func.func @shared(%n: index) -> (tensor<?xf32>, tensor<?xf32>) {
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %a = linalg.fill ins(%one : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %b = linalg.fill ins(%two : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  return %a, %b : tensor<?xf32>, tensor<?xf32>
}
