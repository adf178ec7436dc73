// RUN: attnc-opt %s | attnc-opt | FileCheck %s

// CHECK-LABEL: func.func @vit_embedding
// CHECK:         attn.patches %{{.*}} size 16 : tensor<?x3x224x224xf32> -> tensor<?x196x768xf32>
// CHECK:         attn.concat %{{.*}}, %{{.*}} axis 1 : tensor<1x1x768xf32>, tensor<?x196x768xf32> -> tensor<?x197x768xf32>
// CHECK:         attn.expand %{{.*}} like %{{.*}} : tensor<1x197x768xf32>, tensor<?x197x768xf32> -> tensor<?x197x768xf32>
// CHECK:         attn.select %{{.*}}[1, 0] : tensor<?x197x768xf32> -> tensor<?x768xf32>
func.func @vit_embedding(%img: tensor<?x3x224x224xf32>, %cls: tensor<1x1x768xf32>,
                         %pos: tensor<1x197x768xf32>) -> tensor<?x768xf32> {
  %p = attn.patches %img size 16 : tensor<?x3x224x224xf32> -> tensor<?x196x768xf32>
  %x = attn.concat %cls, %p axis 1 : tensor<1x1x768xf32>, tensor<?x196x768xf32> -> tensor<?x197x768xf32>
  %e = attn.expand %pos like %x : tensor<1x197x768xf32>, tensor<?x197x768xf32> -> tensor<?x197x768xf32>
  %s = attn.add %x, %e : tensor<?x197x768xf32>
  %c = attn.select %s[1, 0] : tensor<?x197x768xf32> -> tensor<?x768xf32>
  return %c : tensor<?x768xf32>
}

// CHECK-LABEL: func.func @activations
// CHECK:         attn.tanh
// CHECK:         attn.exp
// CHECK:         attn.sigmoid
func.func @activations(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %a = attn.tanh %x : tensor<?x8xf32>
  %b = attn.exp %a : tensor<?x8xf32>
  %c = attn.sigmoid %b : tensor<?x8xf32>
  return %c : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @expand_ranks
// CHECK:         attn.expand %{{.*}} like %{{.*}} : tensor<8xf32>, tensor<?x1xf32> -> tensor<?x8xf32>
func.func @expand_ranks(%b: tensor<8xf32>, %x: tensor<?x1xf32>) -> tensor<?x8xf32> {
  %e = attn.expand %b like %x : tensor<8xf32>, tensor<?x1xf32> -> tensor<?x8xf32>
  return %e : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @reductions
// CHECK:         attn.sum %{{.*}} : tensor<?x7x16xf32> -> tensor<?x7xf32>
// CHECK:         attn.mean %{{.*}} : tensor<?x7xf32> -> tensor<?xf32>
// CHECK:         attn.max %{{.*}} : tensor<?x7x16xf32> -> tensor<?x7xf32>
func.func @reductions(%x: tensor<?x7x16xf32>) -> (tensor<?xf32>, tensor<?x7xf32>) {
  %s = attn.sum %x : tensor<?x7x16xf32> -> tensor<?x7xf32>
  %m = attn.mean %s : tensor<?x7xf32> -> tensor<?xf32>
  %x2 = attn.max %x : tensor<?x7x16xf32> -> tensor<?x7xf32>
  return %m, %x2 : tensor<?xf32>, tensor<?x7xf32>
}

// CHECK-LABEL: func.func @permute
// CHECK:         attn.permute %{{.*}} dims [0, 2, 1, 3] : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
// CHECK:         attn.permute %{{.*}} dims [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
func.func @permute(%x: tensor<?x?x12x64xf32>, %y: tensor<2x3x4xf32>)
    -> (tensor<?x12x?x64xf32>, tensor<4x2x3xf32>) {
  %a = attn.permute %x dims [0, 2, 1, 3] : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
  %b = attn.permute %y dims [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  return %a, %b : tensor<?x12x?x64xf32>, tensor<4x2x3xf32>
}
