// A two-layer decoder in the attn dialect (grouped-query attention, a layer
// loop over stacked weights), used by the KV-cache tests.
func.func @dec(%ids: tensor<?x?xi64> {attn.kind = "input", attn.name = "input_ids", attn.shape = ["batch", "seq"]},
               %wte: tensor<50x16xf32> {attn.kind = "param", attn.name = "wte", attn.tensor = "wte", attn.shape = [50, 16]},
               %wqkv: tensor<2x32x16xf32> {attn.kind = "param", attn.name = "layer.qkv", attn.tensor = "h.{i}.qkv", attn.shape = [2, 32, 16], attn.layers = 2 : i64})
    -> (tensor<?x?x50xf32> {attn.name = "logits", attn.shape = ["batch", "seq", 50]})
    attributes {attn.model = "dec", attn.dims = ["batch", "seq"]} {
  %x = attn.embedding %wte[%ids] : tensor<50x16xf32>, tensor<?x?xi64> -> tensor<?x?x16xf32>
  %p = attn.positions %ids : tensor<?x?xi64> -> tensor<?x?xi64>
  %pe = attn.sinusoidal %p : tensor<?x?xi64> -> tensor<?x?x16xf32>
  %x1 = attn.add %x, %pe : tensor<?x?x16xf32>
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c1 = arith.constant 1 : index
  %h = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %x1) -> (tensor<?x?x16xf32>) {
    %w = tensor.extract_slice %wqkv[%i, 0, 0] [1, 32, 16] [1, 1, 1] : tensor<2x32x16xf32> to tensor<32x16xf32>
    %qkv = attn.linear %acc, %w layout out_in : tensor<?x?x16xf32>, tensor<32x16xf32> -> tensor<?x?x32xf32>
    %q = attn.slice %qkv[0, 16] : tensor<?x?x32xf32> -> tensor<?x?x16xf32>
    %k = attn.slice %qkv[16, 8] : tensor<?x?x32xf32> -> tensor<?x?x8xf32>
    %v = attn.slice %qkv[24, 8] : tensor<?x?x32xf32> -> tensor<?x?x8xf32>
    %qh = attn.split_heads %q heads 4 : tensor<?x?x16xf32> -> tensor<?x4x?x4xf32>
    %kh = attn.split_heads %k heads 2 : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
    %vh = attn.split_heads %v heads 2 : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
    %o = attn.attention %qh, %kh, %vh causal scale 0.5 : tensor<?x4x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x4x?x4xf32>
    %m = attn.merge_heads %o : tensor<?x4x?x4xf32> -> tensor<?x?x16xf32>
    %r = attn.add %acc, %m : tensor<?x?x16xf32>
    scf.yield %r : tensor<?x?x16xf32>
  }
  %logits = attn.linear %h, %wte layout out_in : tensor<?x?x16xf32>, tensor<50x16xf32> -> tensor<?x?x50xf32>
  return %logits : tensor<?x?x50xf32>
}
