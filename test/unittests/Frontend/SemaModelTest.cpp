//===- SemaModelTest.cpp - Tests of Sema on whole models ------------------===//
//
// Blocks, repeat, per-layer parameters, requirements and input defaults: the
// annotations MLIRGen relies on, and the errors for their misuse.
//
//===----------------------------------------------------------------------===//

#include "FrontendTestUtils.h"

using namespace attnc;
using namespace attnc::ast;
using attnc::test::Compilation;
using attnc::test::errorLines;
using attnc::test::forEachCheckedExpr;
using attnc::test::semaErrors;
using attnc::test::typeOf;
using attnc::test::withPreamble;
using llvm::cast;

namespace {

/// The expression of `let name` (or `return` for "return") in a block.
Expr &blockValue(BlockDecl &block, llvm::StringRef name) {
  if (name == "return")
    return *block.result;
  for (DeclPtr &d : block.body)
    if (d->name == name)
      return *cast<LetDecl>(*d).value;
  ADD_FAILURE() << "no let named " << name.str();
  std::abort();
}

template <typename D> D &blockDecl(BlockDecl &block, llvm::StringRef name) {
  for (DeclPtr &d : block.body)
    if (d->name == name)
      return cast<D>(*d);
  ADD_FAILURE() << "no declaration named " << name.str();
  std::abort();
}

//===----------------------------------------------------------------------===//
// The examples
//===----------------------------------------------------------------------===//

TEST(SemaModelTest, EveryExampleChecksCleanly) {
  for (const char *file : {"mha.attn", "mha_explicit.attn", "gpt2.attn",
                           "bert.attn", "llama.attn", "translator.attn"}) {
    auto c = Compilation::example(file);
    ASSERT_TRUE(c) << file;
    ASSERT_TRUE(c->check()) << file << ": " << c->diagnostics();
    EXPECT_EQ(c->diagnostics(), "") << file;
    unsigned count = 0;
    forEachCheckedExpr(*c->model, [&](const Expr &e) {
      ++count;
      EXPECT_NE(e.scalar.has_value(), e.tensorType.has_value())
          << file << ":" << c->lineCol(e.getLoc()).first;
    });
    EXPECT_GT(count, 20u) << file;
  }
}

TEST(SemaModelTest, Gpt2Annotations) {
  auto c = Compilation::example("gpt2.attn");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->check()) << c->diagnostics();
  auto &layer = c->decl<BlockDecl>("layer");
  EXPECT_TRUE(layer.used);
  EXPECT_EQ(layer.repeatCount, 12);
  ASSERT_TRUE(layer.args[0]->type);
  EXPECT_EQ(layer.args[0]->type->str(), "f32[batch, seq, 768]");

  auto &lnWeight = blockDecl<ParamDecl>(layer, "ln_1_w");
  EXPECT_TRUE(lnWeight.perLayer);
  EXPECT_EQ(lnWeight.block, &layer);
  EXPECT_EQ(lnWeight.type.resolved->str(), "f32[768]");
  EXPECT_EQ(blockDecl<ParamDecl>(layer, "c_attn_w").type.resolved->str(),
            "f32[768, 2304]");
  auto &wte = c->decl<ParamDecl>("wte");
  EXPECT_EQ(wte.block, nullptr);
  EXPECT_FALSE(wte.perLayer);

  // Inside the block, names resolve to the block's argument, its own
  // parameters and lets, and the model's constants.
  auto &h = cast<CallExpr>(blockValue(layer, "h"));
  EXPECT_EQ(cast<IdentExpr>(*h.args[0]).decl, layer.args[0].get());
  EXPECT_EQ(cast<IdentExpr>(*h.args[1]).decl, &lnWeight);
  EXPECT_EQ(cast<IdentExpr>(*h.kwargs[0].value).decl,
            &c->decl("layer_norm_epsilon"));
  EXPECT_EQ(h.block, nullptr);
  auto &a = cast<CallExpr>(blockValue(layer, "a"));
  EXPECT_EQ(typeOf(*a.args[1]), "f32[batch, seq, 768]");
  EXPECT_EQ(typeOf(*cast<CallExpr>(*a.args[2]).args[1]), "= 1536");
  EXPECT_EQ(typeOf(*layer.result), "f32[batch, seq, 768]");

  auto &repeat = cast<RepeatExpr>(c->value("h"));
  EXPECT_EQ(repeat.decl, &layer);
  EXPECT_EQ(repeat.resolvedCount, 12);
  EXPECT_EQ(typeOf(repeat), "f32[batch, seq, 768]");
  EXPECT_EQ(typeOf(c->value("logits")), "f32[batch, seq, 50257]");
}

TEST(SemaModelTest, Gpt2WithOverrides) {
  auto c = Compilation::example("gpt2.attn");
  ASSERT_TRUE(c);
  ConstOverride overrides[] = {{"n_layer", "2"},    {"n_embd", "64"},
                               {"n_head", "4"},     {"vocab_size", "100"},
                               {"n_positions", "64"}};
  ASSERT_TRUE(c->check(overrides)) << c->diagnostics();
  auto &layer = c->decl<BlockDecl>("layer");
  EXPECT_EQ(layer.repeatCount, 2);
  EXPECT_EQ(blockDecl<ParamDecl>(layer, "c_fc_w").type.resolved->str(),
            "f32[64, 256]");
  EXPECT_EQ(typeOf(c->value("logits")), "f32[batch, seq, 100]");
}

TEST(SemaModelTest, TranslatorRepeatsTwoBlocks) {
  auto c = Compilation::example("translator.attn");
  ASSERT_TRUE(c);
  ConstOverride overrides[] = {{"num_decoder_layers", "3"}};
  ASSERT_TRUE(c->check(overrides)) << c->diagnostics();
  auto &encoder = c->decl<BlockDecl>("encoder_layer");
  auto &decoder = c->decl<BlockDecl>("decoder_layer");
  EXPECT_EQ(encoder.repeatCount, 6);
  EXPECT_EQ(decoder.repeatCount, 3);
  EXPECT_EQ(decoder.args[0]->type->str(), "f32[batch, tgt_seq, 512]");
  EXPECT_EQ(decoder.args[1]->type->str(), "f32[batch, src_seq, 512]");
  // Cross-attention: target queries, source keys.
  EXPECT_EQ(typeOf(blockValue(decoder, "c")), "f32[batch, tgt_seq, 512]");
  EXPECT_EQ(typeOf(c->value("logits")), "f32[batch, tgt_seq, 8000]");
}

TEST(SemaModelTest, LlamaGroupedQueryAttention) {
  auto c = Compilation::example("llama.attn");
  ASSERT_TRUE(c);
  ConstOverride overrides[] = {{"num_key_value_heads", "8"}};
  ASSERT_TRUE(c->check(overrides)) << c->diagnostics();
  auto &layer = c->decl<BlockDecl>("layer");
  EXPECT_EQ(layer.args[1]->type->str(), "i64[batch, seq]");
  EXPECT_EQ(blockDecl<ParamDecl>(layer, "k_w").type.resolved->str(),
            "f32[1024, 4096]");
  EXPECT_EQ(typeOf(blockValue(layer, "q")), "f32[batch, 32, seq, 128]");
  EXPECT_EQ(typeOf(blockValue(layer, "k")), "f32[batch, 8, seq, 128]");
  EXPECT_EQ(typeOf(blockValue(layer, "x2")), "f32[batch, seq, 4096]");
}

TEST(SemaModelTest, BertMaskAndDefaults) {
  auto c = Compilation::example("bert.attn");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->check()) << c->diagnostics();
  auto &mask = c->decl<InputDecl>("attention_mask");
  ASSERT_TRUE(mask.resolvedDefault);
  EXPECT_EQ(mask.resolvedDefault->value, 1);
  EXPECT_EQ(c->decl<InputDecl>("token_type_ids").resolvedDefault->value, 0);
  EXPECT_FALSE(c->decl<InputDecl>("input_ids").resolvedDefault);
  auto &layer = c->decl<BlockDecl>("layer");
  auto &attention = cast<CallExpr>(blockValue(layer, "a"));
  EXPECT_EQ(cast<IdentExpr>(*attention.kwargs[1].value).decl,
            layer.args[1].get());
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

TEST(SemaModelTest, BlockCalledTwiceIsCheckedOnce) {
  Compilation c(withPreamble("  block mlp(h) {\n"
                             "    param w : f32[d_model, d_model]\n"
                             "    return linear(h, w)\n"
                             "  }\n"
                             "  let a = mlp(x)\n"
                             "  output y = mlp(a) + mlp(x)"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  auto &mlp = c.decl<BlockDecl>("mlp");
  EXPECT_TRUE(mlp.used);
  EXPECT_EQ(mlp.repeatCount, 0);
  EXPECT_FALSE(blockDecl<ParamDecl>(mlp, "w").perLayer);
  auto &call = cast<CallExpr>(c.value("a"));
  EXPECT_EQ(call.block, &mlp);
  EXPECT_EQ(typeOf(call), "f32[batch, seq, 256]");
}

TEST(SemaModelTest, UnusedBlockIsNotUsed) {
  Compilation c(withPreamble("  block b(h) {\n"
                             "    return h\n"
                             "  }\n"
                             "  output y = x"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  EXPECT_FALSE(c.decl<BlockDecl>("b").used);
  EXPECT_NE(c.diagnostics().find("warning: block 'b' is never used"),
            std::string::npos);
}

TEST(SemaModelTest, BlockCalledOnlyFromAnUnusedBlockIsNotUsed) {
  Compilation c(withPreamble("  block inner(h) {\n"
                             "    param w : f32[d_model, d_model]\n"
                             "    return linear(h, w)\n"
                             "  }\n"
                             "  block outer(h) {\n"
                             "    return inner(h)\n"
                             "  }\n"
                             "  output y = x"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  EXPECT_FALSE(c.decl<BlockDecl>("inner").used);
  EXPECT_FALSE(c.decl<BlockDecl>("outer").used);
}

TEST(SemaModelTest, BlockScopeShadowsTheModel) {
  Compilation c(withPreamble("  const n = 2\n"
                             "  block b(n) {\n"
                             "    const d_model = 3\n"
                             "    return n * d_model\n"
                             "  }\n"
                             "  output y = b(x)"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  EXPECT_EQ(typeOf(c.value("y")), "f32[batch, seq, 256]");
  auto &ret = cast<BinaryExpr>(*c.decl<BlockDecl>("b").result);
  EXPECT_EQ(typeOf(*ret.rhs), "= 3");
}

TEST(SemaModelTest, BlockErrors) {
  EXPECT_EQ(semaErrors("  block b(h, m) {\n"
                       "    return h + m\n"
                       "  }\n"
                       "  input z : f32[batch, seq, 4]\n"
                       "  let a = b(x, x)\n"
                       "  let c = b(z, x)\n"
                       "  let e = b(x)\n"
                       "  let f = b(x, 2)\n"
                       "  output y = x"),
            "<buffer>:10:13: error: argument 'h' of block 'b' is f32[batch, "
            "seq, 4] here but f32[batch, seq, 256] in its first use; every "
            "use of a block passes the same types\n"
            "<buffer>:9:13: note: first used here with f32[batch, seq, 256]\n"
            "<buffer>:11:11: error: block 'b' takes 2 arguments, got 1\n"
            "<buffer>:5:9: note: 'b' is declared here\n"
            "<buffer>:12:16: error: argument 'm' of block 'b' must be a "
            "tensor, got the scalar 2\n");
}

TEST(SemaModelTest, RecursionIsAnError) {
  EXPECT_EQ(semaErrors("  block b(h) {\n"
                       "    let g = b(h)\n"
                       "    return g\n"
                       "  }\n"
                       "  output y = b(x)"),
            "<buffer>:6:13: error: block 'b' uses itself; blocks cannot be "
            "recursive\n");
}

TEST(SemaModelTest, BlocksSeeOnlyConstantsDimsParamsAndBlocks) {
  std::string errors = semaErrors("  let q = x\n"
                                  "  block b(h) {\n"
                                  "    return h + q\n"
                                  "  }\n"
                                  "  output y = b(x)");
  EXPECT_EQ(errors, "<buffer>:7:16: error: use of undeclared name 'q'; a "
                    "block sees the model's constants, dims, parameters and "
                    "blocks, not its inputs, lets or outputs: pass 'q' to "
                    "block 'b' as an argument\n"
                    "<buffer>:5:7: note: 'q' is declared here\n");
}

//===----------------------------------------------------------------------===//
// Repeat and per-layer parameters
//===----------------------------------------------------------------------===//

TEST(SemaModelTest, RepeatAnnotations) {
  Compilation c(withPreamble("  dim src\n"
                             "  input m : f32[batch, src, d_model]\n"
                             "  block layer(h, memory) {\n"
                             "    param w : f32[d_model, d_model] from "
                             "\"l.{i}.w\"\n"
                             "    param s : f32[d_model] from \"shared\"\n"
                             "    let c = attention(h, memory, memory, heads "
                             "= 4)\n"
                             "    return layernorm(h + linear(c, w), s, s)\n"
                             "  }\n"
                             "  let a = repeat 3 layer(x, m)\n"
                             "  output y = repeat 3 layer(a, m)"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  auto &layer = c.decl<BlockDecl>("layer");
  EXPECT_EQ(layer.repeatCount, 3);
  EXPECT_TRUE(blockDecl<ParamDecl>(layer, "w").perLayer);
  EXPECT_FALSE(blockDecl<ParamDecl>(layer, "s").perLayer);
  auto &repeat = cast<RepeatExpr>(c.value("y"));
  EXPECT_EQ(repeat.decl, &layer);
  EXPECT_EQ(repeat.resolvedCount, 3);
  EXPECT_EQ(typeOf(repeat), "f32[batch, seq, 256]");
}

TEST(SemaModelTest, RepeatErrors) {
  EXPECT_EQ(
      semaErrors("  block b(h) {\n"
                 "    param w : f32[8, d_model] from \"l.{i}\"\n"
                 "    return linear(h, w)\n"
                 "  }\n"
                 "  block same(h) {\n"
                 "    return h\n"
                 "  }\n"
                 "  let a = repeat 0 same(x)\n"
                 "  let c = repeat 2 b(x)\n"
                 "  let e = repeat 2 same(x)\n"
                 "  let f = repeat 3 same(x)\n"
                 "  output y = repeat 2 sam(x)"),
      "<buffer>:12:18: error: repeat count must be at least 1, got 0\n"
      "<buffer>:13:11: error: repeat: block 'b' returns f32[batch, seq, 8] "
      "but its first argument 'h' is f32[batch, seq, 256]; repeat feeds each "
      "result back as the first argument\n"
      "<buffer>:15:18: error: block 'same' is repeated 3 times here but 2 "
      "times before; every repeat of a block uses the same count (its "
      "per-layer parameters are one stack)\n"
      "<buffer>:14:18: note: first repeated here\n"
      "<buffer>:16:23: error: no block named 'sam'; did you mean 'same'?\n");
}

TEST(SemaModelTest, LayerIndexErrors) {
  EXPECT_EQ(semaErrors("  param m : f32[4] from \"m.{i}\"\n"
                       "  block b(h) {\n"
                       "    param w : f32[4] from \"b.{i}.{j}\"\n"
                       "    return h\n"
                       "  }\n"
                       "  block direct(h) {\n"
                       "    param w : f32[4] from \"d.{i}\"\n"
                       "    return h\n"
                       "  }\n"
                       "  let a = repeat 2 b(x)\n"
                       "  output y = direct(a)"),
            "<buffer>:5:28: error: '{i}' (the layer index) is only allowed "
            "in the parameters of a block used by 'repeat'; 'm' is a "
            "parameter of the model\n"
            "<buffer>:7:34: error: unknown placeholder '{j}' in tensor name; "
            "the only one is '{i}', the layer index in a repeated block\n"
            "<buffer>:11:30: error: '{i}' (the layer index) is only allowed "
            "in a block used by 'repeat'; block 'direct' is only called "
            "directly\n"
            "<buffer>:15:14: note: called here\n");
}

//===----------------------------------------------------------------------===//
// Requirements and input defaults
//===----------------------------------------------------------------------===//

TEST(SemaModelTest, RequirementHolds) {
  Compilation c(withPreamble("  const h = 8\n"
                             "  require d_model % h == 0, \"h | d_model\"\n"
                             "  output y = x"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
}

TEST(SemaModelTest, RequirementFailsAfterOverride) {
  ConstOverride overrides[] = {{"d_model", "100"}};
  EXPECT_EQ(semaErrors("  const n_head = 12\n"
                       "  require d_model % n_head == 0, \"n_head must "
                       "divide d_model\"\n"
                       "  output y = split_heads(x, n_head)",
                       overrides),
            "<buffer>:6:3: error: requirement failed: n_head must divide "
            "d_model\n"
            "<buffer>:6:11: note: d_model = 100, n_head = 12\n");
}

TEST(SemaModelTest, InputDefaults) {
  Compilation c(withPreamble("  const pad = 3\n"
                             "  input m : i64[batch, seq] = pad - 4\n"
                             "  input s : f32[batch, seq] = 1 / 8.0\n"
                             "  output y = x"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  auto &m = c.decl<InputDecl>("m");
  ASSERT_TRUE(m.resolvedDefault);
  EXPECT_EQ(m.resolvedDefault->value, -1);
  EXPECT_TRUE(m.resolvedDefault->isInteger);
  EXPECT_EQ(c.decl<InputDecl>("s").resolvedDefault->value, 0.125);
}

TEST(SemaModelTest, InputDefaultErrors) {
  EXPECT_EQ(semaErrors("  input a : f32[batch] = x\n"
                       "  input b : i32[batch] = 1.5\n"
                       "  input c : i32[batch] = 3000000000\n"
                       "  output y = x"),
            "<buffer>:5:26: error: the default of input 'a' must be a scalar "
            "constant, got the tensor f32[batch, seq, 256]\n"
            "<buffer>:6:26: error: input 'b' holds i32; its default must be "
            "an integer, got 1.5\n"
            "<buffer>:7:26: error: the default of input 'c', 3000000000, "
            "does not fit in i32\n");
}

} // namespace
