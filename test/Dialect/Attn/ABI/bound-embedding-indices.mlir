// RUN: attnc-opt %s -split-input-file -attnc-bound-embedding-indices | FileCheck %s

// An input indexing two tables is bounded by the smaller; ids computed from
// an input, and a table of unknown rows, bound nothing.
// CHECK-LABEL: func.func @tables
// CHECK-SAME: (%{{[^:]+}}: tensor<?xi64> {attn.index_bound = 50 : i64}, %{{[^:]+}}: tensor<?xi64>, %{{[^:]+}}: tensor<?xi64>, %{{[^:]+}}: tensor<100x16xf32>,
func.func @tables(%ids: tensor<?xi64>, %other: tensor<?xi64>, %free: tensor<?xi64>,
                  %wte: tensor<100x16xf32>, %wpe: tensor<50x16xf32>, %dyn: tensor<?x16xf32>)
    -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>) {
  %0 = attn.embedding %wte[%ids] : tensor<100x16xf32>, tensor<?xi64> -> tensor<?x16xf32>
  %1 = attn.embedding %wpe[%ids] : tensor<50x16xf32>, tensor<?xi64> -> tensor<?x16xf32>
  %c = arith.constant dense<1> : tensor<1xi64>
  %shifted = tensor.concat dim(0) %other, %c : (tensor<?xi64>, tensor<1xi64>) -> tensor<?xi64>
  %2 = attn.embedding %wte[%shifted] : tensor<100x16xf32>, tensor<?xi64> -> tensor<?x16xf32>
  %3 = attn.embedding %dyn[%free] : tensor<?x16xf32>, tensor<?xi64> -> tensor<?x16xf32>
  return %0, %1, %2, %3 : tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>
}
