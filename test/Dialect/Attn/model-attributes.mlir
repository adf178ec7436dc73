// The model/ABI contract attributes (ModelAttributes.h, VectorTarget.h) are
// checked by the dialect, once, after every pass; no pass checks them again.
// RUN: attnc-opt %s -split-input-file -verify-diagnostics

// A model function as MLIRGen and the graph passes write it: accepted.
module attributes {attn.target = {cpu = "x86-64-v3", features = ["avx2"], f32_lanes = 8 : i64, vector_registers = 16 : i64}} {
  func.func @ok(%x: tensor<?x4xf32> {attn.kind = "input", attn.name = "x", attn.shape = ["seq", 4], attn.default = 0.0 : f64},
                %ids: tensor<?xi64> {attn.kind = "input", attn.name = "ids", attn.shape = ["seq"], attn.index_bound = 8 : i64},
                %a: tensor<2x8x4xf32> {attn.kind = "param", attn.name = "a", attn.tensor = "h.{i}.a", attn.layers = 2 : i64, attn.shape = [2, 8, 4]},
                %b: tensor<2x4x4xf32> {attn.kind = "param", attn.name = "b", attn.tensor = ["b", "c"], attn.layers = 2 : i64, attn.shape = [2, 4, 4]},
                %ab: tensor<2x12x4xf32> {attn.kind = "packed", attn.name = "a+b", attn.shape = [2, 12, 4], attn.pack_of = ["a", "b"], attn.pack_axis = 1 : i64},
                %p: tensor<2x1x4x48xf32> {attn.kind = "packed", attn.name = "panels(a)", attn.shape = [2, 1, 4, 48], attn.pack_of = ["a"], attn.pack_axis = 1 : i64, attn.pack_out_axis = 1 : i64})
      -> (tensor<?x4xf32> {attn.name = "y", attn.shape = ["seq", 4]})
      attributes {attn.model = "ok", attn.dims = ["seq"], attn.constants = {n = 2 : i64}, attn.fingerprint = "abc"} {
    return %x : tensor<?x4xf32>
  }
}

// -----

// expected-error @+1 {{'attn.kind' must be one of "input" "param" "packed" "kv_cache" "position", not "weight"}}
func.func @bad_kind(%x: tensor<4xf32> {attn.kind = "weight"}) {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.name' must be a string}}
func.func @bad_name(%x: tensor<4xf32> {attn.name = 3 : i64}) {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.shape' has 1 entries for 'tensor<?x16xf32>' of rank 2}}
func.func @shape_rank(%x: tensor<?x16xf32> {attn.shape = ["seq"]}) attributes {attn.dims = ["seq"]} {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.shape' entry 1 is 8 : i64 where 'tensor<?x16xf32>' has 16}}
func.func @shape_static(%x: tensor<?x16xf32> {attn.shape = ["seq", 8]}) attributes {attn.dims = ["seq"]} {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.shape' entry 0 is "seq" where 'tensor<4x16xf32>' has a static size}}
func.func @shape_named_static(%x: tensor<4x16xf32> {attn.shape = ["seq", 16]}) attributes {attn.dims = ["seq"]} {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.shape' entry 0 is 4 : i64 where 'tensor<?x16xf32>' has a dynamic size}}
func.func @shape_dynamic(%x: tensor<?x16xf32> {attn.shape = [4, 16]}) attributes {attn.dims = ["seq"]} {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.shape' names the dim "seq", which the function's 'attn.dims' does not declare}}
func.func @shape_undeclared(%x: tensor<?x16xf32> {attn.shape = ["seq", 16]}) attributes {attn.dims = ["batch"]} {
  return
}

// -----

// expected-error @+1 {{result 0: 'attn.shape' must be an array of sizes and dim names}}
func.func @shape_form() -> (tensor<4xf32> {attn.shape = [-1]}) {
  %0 = tensor.empty() : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{argument 0: 'attn.shape' needs a ranked tensor or memref, not 'index'}}
func.func @shape_scalar(%x: index {attn.shape = [4]}) {
  return
}

// -----

// attn.last_position: only on a step function's result with one row.
// expected-error @+1 {{result 0: 'attn.last_position' must be a unit attribute on a result of the step function whose axis 1 has size 1}}
func.func @last_position_not_step() -> (tensor<2x1x4xf32> {attn.last_position}) {
  %0 = tensor.empty() : tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// expected-error @+1 {{result 0: 'attn.last_position' must be a unit attribute on a result of the step function whose axis 1 has size 1}}
func.func @last_position_rows() -> (tensor<2x3x4xf32> {attn.last_position}) attributes {attn.step_of = "m"} {
  %0 = tensor.empty() : tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// expected-error @+1 {{argument 0: 'attn.last_position' must be a unit attribute on a result of the step function whose axis 1 has size 1}}
func.func @last_position_argument(%x: tensor<2x1x4xf32> {attn.last_position}) attributes {attn.step_of = "m"} {
  return
}

// -----

func.func @last_position_ok() -> (tensor<2x1x4xf32> {attn.last_position}) attributes {attn.step_of = "m"} {
  %0 = tensor.empty() : tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// expected-error @+1 {{result 0: 'attn.kind' is not an attribute of a result}}
func.func @result_kind() -> (tensor<4xf32> {attn.kind = "input"}) {
  %0 = tensor.empty() : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{argument 0: 'attn.tensor' must be a string or a non-empty array of strings}}
func.func @bad_sources(%w: tensor<8x4xf32> {attn.tensor = ["w.weight", 3]}) {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.layers' must be a positive integer}}
func.func @bad_layers(%w: tensor<8x4xf32> {attn.layers = 0 : i64}) {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.index_bound' must be a positive integer}}
func.func @bad_bound(%w: tensor<8xi64> {attn.index_bound = "8"}) {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.default' must be a float}}
func.func @bad_default(%w: tensor<8xf32> {attn.default = 1 : i64}) {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.weight' is not an attribute of an argument}}
func.func @unknown_arg_attr(%w: tensor<8xf32> {attn.weight = 1 : i64}) {
  return
}

// -----

// expected-error @+1 {{argument 0: 'attn.kind' "packed" needs 'attn.pack_of' and 'attn.pack_axis'}}
func.func @pack_incomplete(%w: tensor<8xf32> {attn.kind = "packed", attn.pack_of = ["a"]}) {
  return
}

// -----

// expected-error @+1 {{argument 1: 'attn.pack_of' packs "c", which is not a parameter of the function}}
func.func @bad_pack(%a: tensor<8x4xf32> {attn.kind = "param", attn.name = "a"},
                    %ac: tensor<12x4xf32> {attn.kind = "packed", attn.name = "a+c", attn.pack_of = ["a", "c"], attn.pack_axis = 0 : i64}) {
  return
}

// -----

// expected-error @+1 {{argument 1: 'attn.pack_axis' must be an integer in [0, 2) for 'tensor<12x4xf32>'}}
func.func @pack_axis(%a: tensor<8x4xf32> {attn.kind = "param", attn.name = "a"},
                     %p: tensor<12x4xf32> {attn.kind = "packed", attn.name = "p", attn.pack_of = ["a"], attn.pack_axis = 2 : i64}) {
  return
}

// -----

// Panels [out / 48, in, 48] are one rank above their members [out, in]: the
// output axis is one of the members' last two.
// expected-error @+1 {{argument 1: 'attn.pack_out_axis' must be an integer in [0, 2) for 'tensor<1x4x48xf32>'}}
func.func @pack_out_axis(%a: tensor<8x4xf32> {attn.kind = "param", attn.name = "a"},
                         %p: tensor<1x4x48xf32> {attn.kind = "packed", attn.name = "p", attn.pack_of = ["a"], attn.pack_axis = 0 : i64, attn.pack_out_axis = 2 : i64}) {
  return
}

// -----

// expected-error @+1 {{'attn.model' must be a string}}
func.func @model_name() attributes {attn.model = 1 : i64} {
  return
}

// -----

// expected-error @+1 {{'attn.dims' must be an array of dim names}}
func.func @dims() attributes {attn.dims = ["seq", 2]} {
  return
}

// -----

// expected-error @+1 {{'attn.constants' must be a dictionary}}
func.func @constants() attributes {attn.constants = [1]} {
  return
}

// -----

// expected-error @+1 {{'attn.step_of' must be a string}}
func.func @step_of() attributes {attn.step_of = 1 : i64} {
  return
}

// -----

// expected-error @+1 {{'attn.model' must be on a function}}
module attributes {attn.model = "m"} {
}

// -----

// expected-error @+1 {{'attn.layer' is not an attribute of an operation}}
module attributes {attn.layer = 1 : i64} {
}

// -----

// expected-error @+1 {{'attn.target' must be on a module}}
func.func @target() attributes {attn.target = {}} {
  return
}

// -----

// expected-error @+1 {{'attn.target' f32_lanes must be a positive integer}}
module attributes {attn.target = {f32_lanes = 0 : i64}} {
}

// -----

// expected-error @+1 {{'attn.target' vector_registers must be an integer of at least 4}}
module attributes {attn.target = {vector_registers = 2 : i64}} {
}

// -----

// expected-error @+1 {{'attn.target' features must be an array of strings}}
module attributes {attn.target = {features = "avx2"}} {
}

// -----

// The code generator's instruction: a unit attribute, on a module only.
module attributes {attn.no_machine_scheduler} {
}

// -----

// expected-error @+1 {{'attn.no_machine_scheduler' must be a unit attribute of a module}}
module attributes {attn.no_machine_scheduler = 1 : i64} {
}

// -----

// expected-error @+1 {{'attn.no_machine_scheduler' must be a unit attribute of a module}}
func.func @scheduler() attributes {attn.no_machine_scheduler} {
  return
}

// -----

// A prefetch distance: a positive integer, on a loop.
func.func @prefetch(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
  } {attn.prefetch_ahead = 2 : i64}
  return
}

// -----

func.func @prefetch_zero(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{'attn.prefetch_ahead' must be a positive integer on a loop}}
  scf.for %i = %c0 to %n step %c1 {
  } {attn.prefetch_ahead = 0 : i64}
  return
}

// -----

// expected-error @+1 {{'attn.prefetch_ahead' must be a positive integer on a loop}}
func.func @prefetch_function() attributes {attn.prefetch_ahead = 1 : i64} {
  return
}
