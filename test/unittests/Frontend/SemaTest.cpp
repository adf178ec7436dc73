//===- SemaTest.cpp - Tests of name resolution and shape checking ---------===//

#include "FrontendTestUtils.h"

#include <cmath>
#include <functional>

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

//===----------------------------------------------------------------------===//
// The examples
//===----------------------------------------------------------------------===//

TEST(SemaTest, ChecksMhaExample) {
  auto c = Compilation::example("mha.attn");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->check()) << c->diagnostics();
  EXPECT_EQ(c->diagnostics(), "");

  auto &dModel = c->decl<ConstDecl>("d_model");
  ASSERT_TRUE(dModel.resolved);
  EXPECT_EQ(dModel.resolved->value, 256);
  EXPECT_TRUE(dModel.resolved->isInteger);

  EXPECT_EQ(c->decl<InputDecl>("x").type.resolved->str(),
            "f32[batch, seq, 256]");
  EXPECT_EQ(c->decl<ParamDecl>("wq").type.resolved->str(), "f32[256, 256]");
  EXPECT_EQ(c->decl<ParamDecl>("bq").type.resolved->str(), "f32[256]");
  for (llvm::StringRef let : {"q", "k", "v", "a", "y"})
    EXPECT_EQ(typeOf(c->value(let)), "f32[batch, seq, 256]") << let.str();

  auto &attention = cast<CallExpr>(c->value("a"));
  EXPECT_EQ(typeOf(*attention.kwargs[0].value), "= 8");
  auto &q = cast<IdentExpr>(*attention.args[0]);
  EXPECT_EQ(q.decl, &c->decl("q"));
  auto &heads = cast<IdentExpr>(*attention.kwargs[0].value);
  EXPECT_EQ(heads.decl, &c->decl("n_head"));

  auto &x = c->decl<InputDecl>("x");
  auto &batch = cast<IdentExpr>(*x.type.dims[0]);
  EXPECT_EQ(batch.decl, &c->decl("batch"));
}

TEST(SemaTest, ChecksExplicitExample) {
  auto c = Compilation::example("mha_explicit.attn");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->check()) << c->diagnostics();
  EXPECT_EQ(c->decl<ConstDecl>("head_dim").resolved->value, 32);
  EXPECT_EQ(typeOf(c->value("q")), "f32[batch, 8, seq, 32]");
  EXPECT_EQ(typeOf(c->value("scores")), "f32[batch, 8, seq, seq]");
  EXPECT_EQ(typeOf(c->value("probs")), "f32[batch, 8, seq, seq]");
  EXPECT_EQ(typeOf(c->value("a")), "f32[batch, seq, 256]");
  EXPECT_EQ(typeOf(c->value("y")), "f32[batch, seq, 256]");

  auto &scale = *cast<BinaryExpr>(c->value("scores")).rhs;
  ASSERT_TRUE(scale.scalar);
  EXPECT_DOUBLE_EQ(scale.scalar->value, 1.0 / std::sqrt(32.0));
  EXPECT_FALSE(scale.scalar->isInteger);

  auto &cond =
      cast<ConditionalExpr>(*cast<CallExpr>(c->value("probs")).args[0]);
  EXPECT_EQ(cond.chosen, cond.thenExpr.get());
}

TEST(SemaTest, EveryCheckedExpressionHasExactlyOneType) {
  for (const char *file : {"mha.attn", "mha_explicit.attn"}) {
    auto c = Compilation::example(file);
    ASSERT_TRUE(c && c->check()) << file;
    unsigned count = 0;
    forEachCheckedExpr(*c->model, [&](const Expr &e) {
      ++count;
      EXPECT_NE(e.scalar.has_value(), e.tensorType.has_value())
          << file << " " << c->lineCol(e.getLoc()).first;
    });
    EXPECT_GT(count, 20u);
  }
}

//===----------------------------------------------------------------------===//
// Overrides
//===----------------------------------------------------------------------===//

TEST(SemaTest, OverridesReplaceConstants) {
  auto c = Compilation::example("mha_explicit.attn");
  ASSERT_TRUE(c);
  ConstOverride overrides[] = {{"causal", "0"}, {"d_model", "128"}};
  ASSERT_TRUE(c->check(overrides)) << c->diagnostics();
  EXPECT_TRUE(c->decl<ConstDecl>("causal").overridden);
  EXPECT_EQ(c->decl<ConstDecl>("head_dim").resolved->value, 16);
  auto &cond =
      cast<ConditionalExpr>(*cast<CallExpr>(c->value("probs")).args[0]);
  EXPECT_EQ(cond.chosen, cond.elseExpr.get());
  EXPECT_FALSE(cond.thenExpr->tensorType) << "the untaken branch is unchecked";
  EXPECT_EQ(typeOf(c->value("y")), "f32[batch, seq, 128]");
}

TEST(SemaTest, OverrideErrors) {
  auto c = Compilation::example("mha.attn");
  ASSERT_TRUE(c);
  ConstOverride overrides[] = {
      {"n_haed", "2"}, {"d_model", "abc"}, {"n_head", "2.5"}};
  EXPECT_FALSE(c->check(overrides));
  EXPECT_EQ(c->diagnostics(),
            "error: -D n_haed: no constant named 'n_haed' in model 'mha'; "
            "did you mean 'n_head'?\n"
            "error: -D d_model=abc: expected a number\n"
            "error: -D n_head=2.5: constant 'n_head' is an integer\n");
}

TEST(SemaTest, OverrideIsNotEvaluated) {
  Compilation c(withPreamble("  const bad = 1 / 0\n  output y = x * bad"));
  ConstOverride overrides[] = {{"bad", "2"}};
  ASSERT_TRUE(c.check(overrides)) << c.diagnostics();
  EXPECT_EQ(c.decl<ConstDecl>("bad").resolved->value, 2);
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

TEST(SemaTest, UndeclaredNameWithSuggestion) {
  Compilation c(withPreamble("  const h = d_modle / 2\n  output y = x"));
  ASSERT_TRUE(c.parse());
  EXPECT_FALSE(checkModel(*c.model, {}, c.diag));
  EXPECT_EQ(c.diagnostics(),
            "<buffer>:5:13: error: use of undeclared name 'd_modle'; did you "
            "mean 'd_model'?\n"
            "  const h = d_modle / 2\n"
            "            ^\n");
}

TEST(SemaTest, UseBeforeDeclaration) {
  EXPECT_EQ(semaErrors("  output y = z\n  let z = x"),
            "<buffer>:5:14: error: use of undeclared name 'z'\n"
            "<buffer>:6:7: note: 'z' is declared here, after its use\n");
}

TEST(SemaTest, UnknownFunction) {
  EXPECT_EQ(semaErrors("  output y = sofmax(x)"),
            "<buffer>:5:14: error: unknown function 'sofmax'; did you mean "
            "'softmax'?\n");
}

TEST(SemaTest, Redefinition) {
  EXPECT_EQ(semaErrors("  let q = x\n  let q = x\n  output y = q"),
            "<buffer>:6:7: error: redefinition of 'q'\n"
            "<buffer>:5:7: note: 'q' previously declared here\n");
}

TEST(SemaTest, NoCascadingErrors) {
  EXPECT_EQ(semaErrors("  let a = softmax(undefined)\n"
                       "  let b = a @ a^T\n"
                       "  const c = 1 / 0\n"
                       "  input i : f32[c]\n"
                       "  output y = merge_heads(b) * c + i"),
            "<buffer>:5:19: error: use of undeclared name 'undefined'\n"
            "<buffer>:7:15: error: division by zero in constant expression\n");
}

TEST(SemaTest, ModelNeedsInputsAndOutputs) {
  Compilation c("model empty {\n  const a = 1\n}");
  EXPECT_FALSE(c.check());
  EXPECT_EQ(errorLines(c.diagnostics()),
            "<buffer>:1:7: error: model 'empty' has no inputs\n"
            "<buffer>:1:7: error: model 'empty' has no outputs\n");
}

//===----------------------------------------------------------------------===//
// Constants, types and declarations
//===----------------------------------------------------------------------===//

TEST(SemaTest, ConstantFolding) {
  Compilation c(withPreamble("  const a = 7 / 2\n"
                             "  const b = -7 % 3\n"
                             "  const c = 7.0 / 2\n"
                             "  const d = (a > 2) + (b == -1) * 10\n"
                             "  const e = sqrt(16)\n"
                             "  const f = a < 0 ? 1 : 2.5\n"
                             "  output y = x"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  auto value = [&](llvm::StringRef name) {
    return formatScalar(*c.decl<ConstDecl>(name).resolved);
  };
  EXPECT_EQ(value("a"), "3");
  EXPECT_EQ(value("b"), "-1");
  EXPECT_EQ(value("c"), "3.5");
  EXPECT_EQ(value("d"), "11");
  EXPECT_EQ(value("e"), "4.0");
  EXPECT_EQ(value("f"), "2.5");
}

TEST(SemaTest, ConstantErrors) {
  EXPECT_EQ(semaErrors("  const a = 1 / 0\n"
                       "  const b = 4611686018427387904 * 2\n"
                       "  const c = 7.5 % 2\n"
                       "  const d = seq\n"
                       "  const e = x\n"
                       "  output y = x"),
            "<buffer>:5:15: error: division by zero in constant expression\n"
            "<buffer>:6:33: error: integer overflow in constant expression\n"
            "<buffer>:7:17: error: '%' needs integer operands, got 7.5 % 2\n"
            "<buffer>:8:13: error: dimension 'seq' can only be used as a "
            "whole dimension of a type, not as a value\n"
            "<buffer>:9:13: error: constant 'e' must be a scalar, got the "
            "tensor f32[batch, seq, 256]\n");
}

TEST(SemaTest, TypeErrors) {
  EXPECT_EQ(semaErrors("  input a : f16[2]\n"
                       "  input b : f32[0, 2.5]\n"
                       "  param w : f32[seq, 4]\n"
                       "  param v : f32[4] layout [in, out]\n"
                       "  output y = x"),
            "<buffer>:5:13: error: only a parameter may be stored as f16; "
            "'a' is computed in f32\n"
            "<buffer>:6:17: error: dimension must be a positive integer, got "
            "0\n"
            "<buffer>:6:20: error: dimension must be a positive integer, got "
            "2.5\n"
            "<buffer>:7:17: error: parameter 'w' must have a static shape; "
            "'seq' is dynamic\n"
            "<buffer>:8:20: error: a layout is only allowed on a 2-D "
            "parameter; 'v' is f32[4]\n");
}

TEST(SemaTest, OutputMustBeATensor) {
  EXPECT_EQ(semaErrors("  output y = 3"),
            "<buffer>:5:10: error: output 'y' must be a tensor, got a "
            "scalar\n");
}

//===----------------------------------------------------------------------===//
// Tensor operations
//===----------------------------------------------------------------------===//

TEST(SemaTest, MatMulInnerDimensions) {
  Compilation c(withPreamble("  input k : f32[batch, 8, seq, 16]\n"
                             "  let q = split_heads(x, 8)\n"
                             "  output s = q @ k^T"));
  ASSERT_TRUE(c.parse());
  EXPECT_FALSE(checkModel(*c.model, {}, c.diag));
  EXPECT_EQ(c.diagnostics(),
            "<buffer>:7:16: error: matmul: inner dimensions differ: "
            "f32[batch, 8, seq, 32] @ f32[batch, 8, 16, seq] (32 vs 16)\n"
            "  output s = q @ k^T\n"
            "               ^\n");
}

TEST(SemaTest, LinearHonorsLayout) {
  Compilation c(withPreamble("  param a : f32[256, 64] layout [in, out]\n"
                             "  param b : f32[32, 64]\n"
                             "  param bias : f32[64]\n"
                             "  let h = linear(x, a, bias)\n"
                             "  output y = linear(h, b)"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  EXPECT_EQ(typeOf(c.value("h")), "f32[batch, seq, 64]");
  EXPECT_EQ(typeOf(c.value("y")), "f32[batch, seq, 32]");
}

TEST(SemaTest, BuiltinShapes) {
  Compilation c(withPreamble("  dim kv\n"
                             "  input m : f32[batch, kv, d_model]\n"
                             "  let h = split_heads(x, 4)\n"
                             "  let t = transpose(h)\n"
                             "  let s = softmax(h @ t) * 0.5\n"
                             "  let c = causal_mask(-s)\n"
                             "  let a3 = attention(x, m, m, heads = 8)\n"
                             "  let a4 = attention(h, h, h, causal = 1)\n"
                             "  output y = merge_heads(a4) / 2 - a3"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  EXPECT_EQ(typeOf(c.value("h")), "f32[batch, 4, seq, 64]");
  EXPECT_EQ(typeOf(c.value("t")), "f32[batch, 4, 64, seq]");
  EXPECT_EQ(typeOf(c.value("s")), "f32[batch, 4, seq, seq]");
  EXPECT_EQ(typeOf(c.value("c")), "f32[batch, 4, seq, seq]");
  EXPECT_EQ(typeOf(c.value("a3")), "f32[batch, seq, 256]");
  EXPECT_EQ(typeOf(c.value("a4")), "f32[batch, 4, seq, 64]");
  EXPECT_EQ(typeOf(c.value("y")), "f32[batch, seq, 256]");
}

TEST(SemaTest, CallErrors) {
  EXPECT_EQ(
      semaErrors("  input n : i32[batch, seq]\n"
                 "  let a = softmax(x, x)\n"
                 "  let b = attention(x, x, x, head = 8)\n"
                 "  let c = attention(x, x, x, heads = 8, heads = 8)\n"
                 "  let d = softmax(3)\n"
                 "  let e = split_heads(x, 6)\n"
                 "  let f = softmax(n)\n"
                 "  let g = x + 1\n"
                 "  output y = x"),
      "<buffer>:6:11: error: softmax expects 1 argument, got 2\n"
      "<buffer>:7:30: error: attention has no parameter 'head'; did you "
      "mean 'heads'?\n"
      "<buffer>:8:41: error: attention: parameter 'heads' given twice\n"
      "<buffer>:9:19: error: softmax: argument 1 must be a tensor, got the "
      "scalar 3\n"
      "<buffer>:10:11: error: split_heads: 6 heads do not divide width 256\n"
      "<buffer>:11:19: error: expected an f32 tensor, got i32[batch, seq]\n"
      "<buffer>:12:13: error: cannot add a scalar to a tensor\n");
}

TEST(SemaTest, DynamicWidthCannotBeSplit) {
  EXPECT_EQ(semaErrors("  dim w\n"
                       "  input z : f32[batch, seq, w]\n"
                       "  output y = split_heads(z, 2)"),
            "<buffer>:7:26: error: split_heads: the width must be static to "
            "split it into heads, got f32[batch, seq, w]\n");
}

TEST(SemaTest, ModelBuiltinShapes) {
  Compilation c(withPreamble("  input ids : i64[batch, seq]\n"
                             "  input ids32 : i32[batch, seq]\n"
                             "  input pad : f32[batch, seq] = 1\n"
                             "  param w : f32[d_model]\n"
                             "  param table : f32[100, d_model]\n"
                             "  param kv : f32[64, d_model]\n"
                             "  let ln = layernorm(x, w, w, eps = 1e-6)\n"
                             "  let rms = rmsnorm(x, w)\n"
                             "  let act = swiglu(gelu(x), silu(relu(x)))\n"
                             "  let e = embedding(table, ids32)\n"
                             "  let p = positions(ids)\n"
                             "  let s = sinusoidal(p, 16)\n"
                             "  let r = rope(split_heads(x, 8), p)\n"
                             "  let sl = slice(x, 128, 64)\n"
                             "  let g = attention(x, linear(x, kv), "
                             "linear(x, kv), heads = 8, kv_heads = 2, "
                             "mask = pad)\n"
                             "  output y = x"));
  ASSERT_TRUE(c.check()) << c.diagnostics();
  EXPECT_EQ(typeOf(c.value("ln")), "f32[batch, seq, 256]");
  EXPECT_EQ(typeOf(c.value("rms")), "f32[batch, seq, 256]");
  EXPECT_EQ(typeOf(c.value("act")), "f32[batch, seq, 256]");
  EXPECT_EQ(typeOf(c.value("e")), "f32[batch, seq, 256]");
  EXPECT_EQ(typeOf(c.value("p")), "i64[batch, seq]");
  EXPECT_EQ(typeOf(c.value("s")), "f32[batch, seq, 16]");
  EXPECT_EQ(typeOf(c.value("r")), "f32[batch, 8, seq, 32]");
  EXPECT_EQ(typeOf(c.value("sl")), "f32[batch, seq, 64]");
  EXPECT_EQ(typeOf(c.value("g")), "f32[batch, seq, 256]");
}

TEST(SemaTest, IntegerTensorsOnlyWhereAllowed) {
  EXPECT_EQ(semaErrors("  input ids : i64[batch, seq]\n"
                       "  param table : f32[100, d_model]\n"
                       "  let a = embedding(table, x)\n"
                       "  let b = rmsnorm(ids, table)\n"
                       "  let c = sinusoidal(x, 4)\n"
                       "  let d = ids * 2\n"
                       "  output y = x"),
            "<buffer>:7:28: error: embedding: 'ids' must be an i32 or i64 "
            "tensor, got f32[batch, seq, 256]\n"
            "<buffer>:8:19: error: expected an f32 tensor, got i64[batch, "
            "seq]\n"
            "<buffer>:9:22: error: sinusoidal: 'positions' must be an i64 "
            "tensor, got f32[batch, seq, 256]\n"
            "<buffer>:10:11: error: expected an f32 tensor, got i64[batch, "
            "seq]\n");
}

} // namespace
