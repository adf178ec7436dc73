// RUN: attnc-opt %s -split-input-file -verify-diagnostics

func.func @linear_in_features(%x: tensor<?x?x16xf32>, %w: tensor<32x8xf32>) {
  // expected-error @+1 {{'attn.linear' op input has 16 features but the weight (out_in layout, 'tensor<32x8xf32>') expects 8}}
  %0 = attn.linear %x, %w layout out_in : tensor<?x?x16xf32>, tensor<32x8xf32> -> tensor<?x?x32xf32>
  return
}

// -----

func.func @linear_layout(%x: tensor<?x?x16xf32>, %w: tensor<32x16xf32>) {
  // expected-error @+1 {{'attn.linear' op input has 16 features but the weight (in_out layout, 'tensor<32x16xf32>') expects 32}}
  %0 = attn.linear %x, %w layout in_out : tensor<?x?x16xf32>, tensor<32x16xf32> -> tensor<?x?x16xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<?x16xf32>, %w: tensor<32x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'attn.linear' op bias has 16 elements but the weight has 32 output features}}
  %0 = attn.linear %x, %w, %b layout out_in : tensor<?x16xf32>, tensor<32x16xf32>, tensor<16xf32> -> tensor<?x32xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<?x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects a weight of rank 2, got rank 1 ('tensor<16xf32>')}}
  %0 = attn.linear %x, %w layout out_in : tensor<?x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<?x16xf32>, %w: tensor<32x16xf32>) {
  // expected-error @+1 {{'attn.linear' op expects a result of shape [?, 32], got 'tensor<?x16xf32>'}}
  %0 = attn.linear %x, %w layout out_in : tensor<?x16xf32>, tensor<32x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @matmul_inner(%a: tensor<2x5x8xf32>, %b: tensor<2x9x4xf32>) {
  // expected-error @+1 {{'attn.matmul' op dimension 2 of the left operand (8) does not match dimension 1 of the right operand (9)}}
  %0 = attn.matmul %a, %b : tensor<2x5x8xf32>, tensor<2x9x4xf32> -> tensor<2x5x4xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x5x8xf32>, %b: tensor<3x8x4xf32>) {
  // expected-error @+1 {{'attn.matmul' op dimension 0 of the left operand (2) does not match dimension 0 of the right operand (3)}}
  %0 = attn.matmul %a, %b : tensor<2x5x8xf32>, tensor<3x8x4xf32> -> tensor<2x5x4xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<5x8xf32>, %b: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'attn.matmul' op expects operands of equal rank, got 'tensor<5x8xf32>' and 'tensor<2x8x4xf32>'}}
  %0 = attn.matmul %a, %b : tensor<5x8xf32>, tensor<2x8x4xf32> -> tensor<2x5x4xf32>
  return
}

// -----

func.func @transpose_rank(%a: tensor<8xf32>) {
  // expected-error @+1 {{'attn.transpose' op expects an input of rank at least 2, got rank 1 ('tensor<8xf32>')}}
  %0 = attn.transpose %a : tensor<8xf32> -> tensor<8xf32>
  return
}

// -----

func.func @transpose_result(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{'attn.transpose' op expects a result of shape [8, 4], got 'tensor<4x8xf32>'}}
  %0 = attn.transpose %a : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @split_heads_divisible(%x: tensor<?x?x30xf32>) {
  // expected-error @+1 {{'attn.split_heads' op 4 heads do not divide 30 features}}
  %0 = attn.split_heads %x heads 4 : tensor<?x?x30xf32> -> tensor<?x4x?x7xf32>
  return
}

// -----

func.func @split_heads_zero(%x: tensor<?x?x32xf32>) {
  // expected-error @+1 {{'attn.split_heads' op attribute 'heads' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = attn.split_heads %x heads 0 : tensor<?x?x32xf32> -> tensor<?x4x?x8xf32>
  return
}

// -----

func.func @split_heads_result(%x: tensor<?x?x32xf32>) {
  // expected-error @+1 {{'attn.split_heads' op expects a result of shape [?, 4, ?, 8], got 'tensor<?x4x?x16xf32>'}}
  %0 = attn.split_heads %x heads 4 : tensor<?x?x32xf32> -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @merge_heads_rank(%x: tensor<?x?x32xf32>) {
  // expected-error @+1 {{'attn.merge_heads' op expects an input [batch, heads, seq, head_dim] of rank 4, got rank 3 ('tensor<?x?x32xf32>')}}
  %0 = attn.merge_heads %x : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
  return
}

// -----

func.func @merge_heads_dynamic(%x: tensor<?x?x?x8xf32>) {
  // expected-error @+1 {{'attn.merge_heads' op expects static head and head_dim dimensions, got 'tensor<?x?x?x8xf32>'}}
  %0 = attn.merge_heads %x : tensor<?x?x?x8xf32> -> tensor<?x?x?xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x32xf32>) {
  // expected-error @+1 {{'attn.attention' op dimension 3 of the query (64) does not match dimension 3 of the key (32)}}
  %0 = attn.attention %q, %k, %k scale 1.0 : tensor<1x4x?x64xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32> -> tensor<1x4x?x32xf32>
  return
}

// -----

func.func @attention_kv_length(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x7x8xf32>, %v: tensor<1x4x6x8xf32>) {
  // expected-error @+1 {{'attn.attention' op dimension 2 of the key (7) does not match dimension 2 of the value (6)}}
  %0 = attn.attention %q, %k, %v scale 1.0 : tensor<1x4x5x8xf32>, tensor<1x4x7x8xf32>, tensor<1x4x6x8xf32> -> tensor<1x4x5x8xf32>
  return
}

// -----

// Keys and values come from one KV cache: one element type.
func.func @attention_kv_types(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x7x8xbf16>, %v: tensor<1x4x7x8xf16>) {
  // expected-error @+1 {{'attn.attention' op expects keys and values of one element type, got 'bf16' and 'f16'}}
  %0 = attn.attention %q, %k, %v scale 1.0 : tensor<1x4x5x8xf32>, tensor<1x4x7x8xbf16>, tensor<1x4x7x8xf16> -> tensor<1x4x5x8xf32>
  return
}

// -----

// The query stays f32.
func.func @attention_query_type(%q: tensor<1x4x5x8xbf16>, %k: tensor<1x4x7x8xbf16>) {
  // expected-error @+1 {{'attn.attention' op operand #0 must be ranked tensor of 32-bit float values}}
  %0 = attn.attention %q, %k, %k scale 1.0 : tensor<1x4x5x8xbf16>, tensor<1x4x7x8xbf16>, tensor<1x4x7x8xbf16> -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @attention_rank(%q: tensor<4x5x8xf32>) {
  // expected-error @+1 {{'attn.attention' op expects a query of rank 4, got rank 3 ('tensor<4x5x8xf32>')}}
  %0 = attn.attention %q, %q, %q scale 1.0 : tensor<4x5x8xf32>, tensor<4x5x8xf32>, tensor<4x5x8xf32> -> tensor<4x5x8xf32>
  return
}

// -----

func.func @attention_probs_result(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x7x8xf32>) {
  // expected-error @+1 {{'attn.attention_probs' op expects a result of shape [1, 4, 5, 7], got 'tensor<1x4x5x5xf32>'}}
  %0 = attn.attention_probs %q, %k scale 1.0 : tensor<1x4x5x8xf32>, tensor<1x4x7x8xf32> -> tensor<1x4x5x5xf32>
  return
}

// -----

func.func @attention_probs_groups(%q: tensor<1x4x5x8xf32>, %k: tensor<1x3x5x8xf32>) {
  // expected-error @+1 {{'attn.attention_probs' op 3 key/value heads do not divide 4 query heads}}
  %0 = attn.attention_probs %q, %k scale 1.0 : tensor<1x4x5x8xf32>, tensor<1x3x5x8xf32> -> tensor<1x4x5x5xf32>
  return
}

// -----

func.func @attention_probs_mask(%q: tensor<2x4x5x8xf32>, %m: tensor<2x6xi64>) {
  // expected-error @+1 {{'attn.attention_probs' op dimension 1 of the mask (6) does not match dimension 2 of the key (5)}}
  %0 = attn.attention_probs %q, %q mask %m scale 1.0 : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x6xi64> -> tensor<2x4x5x5xf32>
  return
}

// -----

func.func @softmax_type(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'attn.softmax' op requires the same type for all operands and results}}
  %0 = "attn.softmax"(%x) : (tensor<4x8xf32>) -> tensor<4x9xf32>
  return
}

// -----

func.func @not_f32(%x: tensor<4x8xi32>) {
  // expected-error @+1 {{'attn.softmax' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4x8xi32>'}}
  %0 = attn.softmax %x : tensor<4x8xi32>
  return
}

// -----

func.func @padding_mask_rank(%s: tensor<?x?x?xf32>, %m: tensor<?x?xi64>) {
  // expected-error @+1 {{'attn.padding_mask' op expects scores [batch, heads, queries, keys] of rank 4, got rank 3 ('tensor<?x?x?xf32>')}}
  %0 = attn.padding_mask %s, %m : tensor<?x?x?xf32>, tensor<?x?xi64>
  return
}

// -----

func.func @padding_mask_keys(%s: tensor<2x4x3x5xf32>, %m: tensor<2x6xi64>) {
  // expected-error @+1 {{'attn.padding_mask' op dimension 1 of the mask (6) does not match dimension 3 of the scores (5)}}
  %0 = attn.padding_mask %s, %m : tensor<2x4x3x5xf32>, tensor<2x6xi64>
  return
}

// -----

func.func @padding_mask_batch(%s: tensor<2x4x3x5xf32>, %m: tensor<3x5xi64>) {
  // expected-error @+1 {{'attn.padding_mask' op dimension 0 of the mask (3) does not match dimension 0 of the scores (2)}}
  %0 = attn.padding_mask %s, %m : tensor<2x4x3x5xf32>, tensor<3x5xi64>
  return
}

// -----

func.func @padding_mask_element(%s: tensor<2x4x3x5xf32>, %m: tensor<2x5xi8>) {
  // expected-error @+1 {{'attn.padding_mask' op expects an f32, i32 or i64 mask, got 'tensor<2x5xi8>'}}
  %0 = attn.padding_mask %s, %m : tensor<2x4x3x5xf32>, tensor<2x5xi8>
  return
}

// -----

func.func @repeat_kv_result(%k: tensor<?x2x?x8xf32>) {
  // expected-error @+1 {{'attn.repeat_kv' op expects a result of shape [?, 8, ?, 8], got 'tensor<?x6x?x8xf32>'}}
  %0 = attn.repeat_kv %k times 4 : tensor<?x2x?x8xf32> -> tensor<?x6x?x8xf32>
  return
}

// -----

func.func @repeat_kv_times(%k: tensor<?x2x?x8xf32>) {
  // expected-error @+1 {{'attn.repeat_kv' op attribute 'times' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = attn.repeat_kv %k times 0 : tensor<?x2x?x8xf32> -> tensor<?x0x?x8xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{'attn.reshape' op expects the static sizes to hold as many elements: 24 in 'tensor<?x?x24xf32>', 25 in 'tensor<?x?x5x5xf32>'}}
  %0 = attn.reshape %x dims [0, 1] : tensor<?x?x24xf32> -> tensor<?x?x5x5xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{'attn.reshape' op expects the same element type, got 'tensor<4x6xf32>' and 'tensor<24xi64>'}}
  %0 = attn.reshape %x dims [] : tensor<4x6xf32> -> tensor<24xi64>
  return
}

// -----

func.func @reshape_dims_length(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{'attn.reshape' op expects one entry in 'dims' per dynamic dimension of the result (2), got 1}}
  %0 = attn.reshape %x dims [0] : tensor<?x?x24xf32> -> tensor<?x?x4x6xf32>
  return
}

// -----

func.func @reshape_lost_dynamic(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{'attn.reshape' op expects as many dynamic dimensions in the result as in the input, got 'tensor<?x?x24xf32>' -> 'tensor<?x24xf32>'}}
  %0 = attn.reshape %x dims [0] : tensor<?x?x24xf32> -> tensor<?x24xf32>
  return
}

// -----

func.func @reshape_static_dim(%x: tensor<?x4x6xf32>) {
  // expected-error @+1 {{'attn.reshape' op expects 'dims' to name dynamic dimensions of the input, got 1 for 'tensor<?x4x6xf32>'}}
  %0 = attn.reshape %x dims [1] : tensor<?x4x6xf32> -> tensor<?x24xf32>
  return
}

// -----

func.func @reshape_twice(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{'attn.reshape' op uses input dimension 0 twice}}
  %0 = attn.reshape %x dims [0, 0] : tensor<?x?x24xf32> -> tensor<?x?x24xf32>
  return
}

// -----

// The shape rules (ShapeRuleOpInterface): each op's declared result is
// compared with its rule, one message for all.
func.func @attention_result(%q: tensor<1x4x5x8xf32>, %k: tensor<1x2x7x8xf32>, %v: tensor<1x2x7x16xf32>) {
  // expected-error @+1 {{'attn.attention' op expects a result of shape [1, 4, 5, 16], got 'tensor<1x4x5x8xf32>'}}
  %0 = attn.attention %q, %k, %v scale 1.0 : tensor<1x4x5x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x16xf32> -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @merge_heads_result(%x: tensor<?x4x?x8xf32>) {
  // expected-error @+1 {{'attn.merge_heads' op expects a result of shape [?, ?, 32], got 'tensor<?x?x16xf32>'}}
  %0 = attn.merge_heads %x : tensor<?x4x?x8xf32> -> tensor<?x?x16xf32>
  return
}

// -----

func.func @embedding_result(%t: tensor<100x16xf32>, %ids: tensor<2x?xi64>) {
  // expected-error @+1 {{'attn.embedding' op expects a result of shape [2, ?, 16], got 'tensor<3x?x16xf32>'}}
  %0 = attn.embedding %t[%ids] : tensor<100x16xf32>, tensor<2x?xi64> -> tensor<3x?x16xf32>
  return
}

// -----

func.func @positions_result(%ids: tensor<2x5xi64>) {
  // expected-error @+1 {{'attn.positions' op expects a result of shape [2, 5], got 'tensor<2x6xi64>'}}
  %0 = attn.positions %ids : tensor<2x5xi64> -> tensor<2x6xi64>
  return
}

// -----

func.func @slice_result(%x: tensor<?x32xf32>) {
  // expected-error @+1 {{'attn.slice' op expects a result of shape [?, 8], got 'tensor<?x16xf32>'}}
  %0 = attn.slice %x[0, 8] : tensor<?x32xf32> -> tensor<?x16xf32>
  return
}

// -----

// An int8 weight: panels with their block scales (docs/abi.md).
func.func @linear_int8_without_scales(%x: tensor<?x40xf32>, %w: tensor<1x40x48xi8>) {
  // expected-error @+1 {{'attn.linear' op an i8 weight needs its scales}}
  %0 = attn.linear %x, %w layout panels : tensor<?x40xf32>, tensor<1x40x48xi8> -> tensor<?x48xf32>
  return
}

// -----

func.func @linear_scales_of_f32(%x: tensor<?x40xf32>, %w: tensor<1x40x48xf32>, %s: tensor<1x2x48xf32>) {
  // expected-error @+1 {{'attn.linear' op only an i8 weight takes scales}}
  %0 = attn.linear %x, %w scales %s layout panels : tensor<?x40xf32>, tensor<1x40x48xf32> scales tensor<1x2x48xf32> -> tensor<?x48xf32>
  return
}

// -----

func.func @linear_int8_scales_shape(%x: tensor<?x40xf32>, %w: tensor<1x40x48xi8>, %s: tensor<1x1x48xf32>) {
  // expected-error @+1 {{'attn.linear' op the scales of an i8 weight 'tensor<1x40x48xi8>' must be [1, 2, 48], found 'tensor<1x1x48xf32>'}}
  %0 = attn.linear %x, %w scales %s layout panels : tensor<?x40xf32>, tensor<1x40x48xi8> scales tensor<1x1x48xf32> -> tensor<?x48xf32>
  return
}

// -----

func.func @linear_int8_not_panels(%x: tensor<?x40xf32>, %w: tensor<48x40xi8>, %s: tensor<1x2x48xf32>) {
  // expected-error @+1 {{'attn.linear' op an i8 weight must be in layout panels, panel_quads or panel_quads_f32, found out_in}}
  %0 = attn.linear %x, %w scales %s layout out_in : tensor<?x40xf32>, tensor<48x40xi8> scales tensor<1x2x48xf32> -> tensor<?x48xf32>
  return
}

// -----

func.func @embedding_i8_without_scales(%t: tensor<3x40x48xi8>, %ids: tensor<?xi64>) {
  // expected-error @+1 {{'attn.embedding' op an i8 table needs its scales and rows}}
  %0 = attn.embedding %t[%ids] : tensor<3x40x48xi8>, tensor<?xi64> -> tensor<?x40xf32>
  return
}

// -----

func.func @embedding_f32_with_scales(%t: tensor<100x40xf32>, %s: tensor<3x2x48xf32>, %ids: tensor<?xi64>) {
  // expected-error @+1 {{'attn.embedding' op only an i8 table takes scales and rows}}
  %0 = attn.embedding %t[%ids] scales %s rows 100 : tensor<100x40xf32>, tensor<?xi64> scales tensor<3x2x48xf32> -> tensor<?x40xf32>
  return
}

// -----

func.func @embedding_i8_scales(%t: tensor<3x40x48xi8>, %s: tensor<3x1x48xf32>, %ids: tensor<?xi64>) {
  // expected-error @+1 {{'attn.embedding' op the scales of an i8 weight 'tensor<3x40x48xi8>' must be [3, 2, 48], found 'tensor<3x1x48xf32>'}}
  %0 = attn.embedding %t[%ids] scales %s rows 100 : tensor<3x40x48xi8>, tensor<?xi64> scales tensor<3x1x48xf32> -> tensor<?x40xf32>
  return
}

// -----

func.func @embedding_i8_rows(%t: tensor<3x40x48xi8>, %s: tensor<3x2x48xf32>, %ids: tensor<?xi64>) {
  // expected-error @+1 {{'attn.embedding' op an i8 table of 200 rows must be [ceil(200 / width), features, width], found 'tensor<3x40x48xi8>'}}
  %0 = attn.embedding %t[%ids] scales %s rows 200 : tensor<3x40x48xi8>, tensor<?xi64> scales tensor<3x2x48xf32> -> tensor<?x40xf32>
  return
}

// -----

// Quads of a tied int8 x int8 projection: ceil(E / 4) rows of 4 features.
func.func @embedding_i8_quads(%t: tensor<3x11x48x4xi8>, %s: tensor<3x2x48xf16>, %ids: tensor<?xi64>) {
  // expected-error @+1 {{'attn.embedding' op an i8 table in quads of 40 features must be [panels, ceil(40 / 4), width, 4], found 'tensor<3x11x48x4xi8>'}}
  %0 = attn.embedding %t[%ids] scales %s rows 100 : tensor<3x11x48x4xi8>, tensor<?xi64> scales tensor<3x2x48xf16> -> tensor<?x40xf32>
  return
}

// -----

func.func @embedding_i8_quads_rows(%t: tensor<3x10x48x4xi8>, %s: tensor<3x2x48xf16>, %ids: tensor<?xi64>) {
  // expected-error @+1 {{'attn.embedding' op an i8 table of 200 rows must be [ceil(200 / width), features, width, 4], found 'tensor<3x10x48x4xi8>'}}
  %0 = attn.embedding %t[%ids] scales %s rows 200 : tensor<3x10x48x4xi8>, tensor<?xi64> scales tensor<3x2x48xf16> -> tensor<?x40xf32>
  return
}
