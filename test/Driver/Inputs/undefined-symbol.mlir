// A model that calls a function no library defines (as LLVM's call of a
// compiler-rt routine would be): linking the shared library must fail.
func.func private @attnc_test_undefined(f32) -> f32
func.func @m(%x: tensor<4xf32> {attn.kind = "input", attn.name = "x", attn.shape = [4]})
    -> (tensor<4xf32> {attn.name = "y", attn.shape = [4]})
    attributes {attn.model = "m", attn.dims = []} {
  %c0 = arith.constant 0 : index
  %e = tensor.extract %x[%c0] : tensor<4xf32>
  %r = func.call @attnc_test_undefined(%e) : (f32) -> f32
  %y = tensor.insert %r into %x[%c0] : tensor<4xf32>
  return %y : tensor<4xf32>
}
