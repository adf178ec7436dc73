// RUN: attnc-opt %s -split-input-file -attnc-convert-attn-to-linalg | FileCheck %s

// The shape tensor holds the static sizes and, for each dynamic one, the
// size of the input dimension that dims names.
// CHECK-LABEL: func.func @reshape
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x24xf32>)
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[C12:.+]] = arith.constant 12 : index
// CHECK-DAG: %[[S:.+]] = tensor.dim %[[X]], %[[C1]]
// CHECK-DAG: %[[B:.+]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[SHAPE:.+]] = tensor.from_elements %[[S]], %[[B]], %[[C2]], %[[C12]] : tensor<4xindex>
// CHECK: %[[R:.+]] = tensor.reshape %[[X]](%[[SHAPE]]) : (tensor<?x?x24xf32>, tensor<4xindex>) -> tensor<?x?x2x12xf32>
// CHECK: return %[[R]]
func.func @reshape(%x: tensor<?x?x24xf32>) -> tensor<?x?x2x12xf32> {
  %0 = attn.reshape %x dims [1, 0] : tensor<?x?x24xf32> -> tensor<?x?x2x12xf32>
  return %0 : tensor<?x?x2x12xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_static
// CHECK: %[[SHAPE:.+]] = tensor.from_elements %{{.+}} : tensor<1xindex>
// CHECK: tensor.reshape %{{.+}}(%[[SHAPE]]) : (tensor<2x3x4xi64>, tensor<1xindex>) -> tensor<24xi64>
func.func @reshape_static(%ids: tensor<2x3x4xi64>) -> tensor<24xi64> {
  %0 = attn.reshape %ids dims [] : tensor<2x3x4xi64> -> tensor<24xi64>
  return %0 : tensor<24xi64>
}
