//===- ParserTest.cpp - Tests of the X3 parser of the attn DSL ------------===//

#include "FrontendTestUtils.h"

#include "llvm/ADT/StringExtras.h"

#include <random>

using namespace attnc;
using namespace attnc::ast;
using attnc::test::Compilation;
using llvm::cast;

namespace {

/// The tree of an expression as an s-expression: `(* (@ q (^T k)) s)`.
std::string sexpr(const Expr &e) {
  switch (e.getKind()) {
  case Expr::Kind::Number: {
    const auto &n = cast<NumberExpr>(e);
    return formatScalar(Scalar{n.value, n.isInteger});
  }
  case Expr::Kind::Ident:
    return cast<IdentExpr>(e).name;
  case Expr::Kind::Call: {
    const auto &c = cast<CallExpr>(e);
    std::string s = "(" + c.callee;
    for (const ExprPtr &arg : c.args)
      s += " " + sexpr(*arg);
    for (const KeywordArg &kw : c.kwargs)
      s += " " + kw.name + "=" + sexpr(*kw.value);
    return s + ")";
  }
  case Expr::Kind::Binary: {
    const auto &b = cast<BinaryExpr>(e);
    return "(" + BinaryExpr::spelling(b.op).str() + " " + sexpr(*b.lhs) + " " +
           sexpr(*b.rhs) + ")";
  }
  case Expr::Kind::Unary:
    return "(- " + sexpr(*cast<UnaryExpr>(e).operand) + ")";
  case Expr::Kind::Transpose:
    return "(^T " + sexpr(*cast<TransposeExpr>(e).operand) + ")";
  case Expr::Kind::Conditional: {
    const auto &c = cast<ConditionalExpr>(e);
    return "(? " + sexpr(*c.cond) + " " + sexpr(*c.thenExpr) + " " +
           sexpr(*c.elseExpr) + ")";
  }
  case Expr::Kind::Repeat: {
    const auto &r = cast<RepeatExpr>(e);
    std::string s = "(repeat " + sexpr(*r.count) + " " + r.block;
    for (const ExprPtr &arg : r.args)
      s += " " + sexpr(*arg);
    return s + ")";
  }
  }
  return "?";
}

/// Parses `let e = <text>` and returns its tree as an s-expression, or the
/// diagnostics if it did not parse.
std::string parseExpr(llvm::StringRef text) {
  Compilation c("model m {\n  let e = " + text.str() + "\n}\n");
  if (!c.parse())
    return "error: " + c.diagnostics();
  return sexpr(c.value("e"));
}

/// The diagnostics of a source that must fail to parse.
std::string parseError(llvm::StringRef source) {
  Compilation c(source);
  EXPECT_FALSE(c.parse()) << source.str();
  return c.diagnostics();
}

//===----------------------------------------------------------------------===//
// The examples
//===----------------------------------------------------------------------===//

TEST(ParserTest, ParsesMhaExample) {
  auto c = Compilation::example("mha.attn");
  ASSERT_TRUE(c) << "cannot read " ATTNC_EXAMPLES_DIR "/mha.attn";
  ASSERT_TRUE(c->parse()) << c->diagnostics();
  EXPECT_EQ(c->diagnostics(), "");
  const Model &m = *c->model;
  EXPECT_EQ(m.name, "mha");

  std::vector<std::pair<Decl::Kind, std::string>> expected = {
      {Decl::Kind::Const, "d_model"}, {Decl::Kind::Const, "n_head"},
      {Decl::Kind::Const, "causal"},  {Decl::Kind::Dim, "batch"},
      {Decl::Kind::Dim, "seq"},       {Decl::Kind::Input, "x"},
      {Decl::Kind::Param, "wq"},      {Decl::Kind::Param, "bq"},
      {Decl::Kind::Param, "wk"},      {Decl::Kind::Param, "bk"},
      {Decl::Kind::Param, "wv"},      {Decl::Kind::Param, "bv"},
      {Decl::Kind::Param, "wo"},      {Decl::Kind::Param, "bo"},
      {Decl::Kind::Let, "q"},         {Decl::Kind::Let, "k"},
      {Decl::Kind::Let, "v"},         {Decl::Kind::Let, "a"},
      {Decl::Kind::Output, "y"}};
  ASSERT_EQ(m.decls.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(m.decls[i]->getKind(), expected[i].first) << i;
    EXPECT_EQ(m.decls[i]->name, expected[i].second) << i;
  }

  auto &wq = c->decl<ParamDecl>("wq");
  EXPECT_EQ(wq.tensorName(), "attn.q_proj.weight");
  EXPECT_FALSE(wq.layout.has_value());
  EXPECT_EQ(wq.type.elementType, "f32");
  EXPECT_EQ(wq.type.dims.size(), 2u);

  EXPECT_EQ(sexpr(c->value("q")), "(linear x wq bq)");
  EXPECT_EQ(sexpr(c->value("a")),
            "(attention q k v heads=n_head causal=causal)");
  EXPECT_EQ(sexpr(c->value("y")), "(linear a wo bo)");
}

TEST(ParserTest, ParsesExplicitExample) {
  auto c = Compilation::example("mha_explicit.attn");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->parse()) << c->diagnostics();
  EXPECT_EQ(sexpr(c->value("head_dim")), "(/ d_model n_head)");
  EXPECT_EQ(sexpr(c->value("q")), "(split_heads (linear x wq bq) n_head)");
  EXPECT_EQ(sexpr(c->value("scores")),
            "(* (@ q (^T k)) (/ 1.0 (sqrt head_dim)))");
  EXPECT_EQ(sexpr(c->value("probs")),
            "(softmax (? causal (causal_mask scores) scores))");
  EXPECT_EQ(sexpr(c->value("a")), "(merge_heads (@ probs v))");
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

TEST(ParserTest, MultiplicationBindsTighterThanAddition) {
  EXPECT_EQ(parseExpr("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(parseExpr("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(parseExpr("(a + b) * c"), "(* (+ a b) c)");
}

TEST(ParserTest, TransposeBindsTighterThanMatMul) {
  EXPECT_EQ(parseExpr("q @ k^T * s"), "(* (@ q (^T k)) s)");
  EXPECT_EQ(parseExpr("k ^ T^T"), "(^T (^T k))");
  EXPECT_EQ(parseExpr("f(x)^T"), "(^T (f x))");
}

TEST(ParserTest, BinaryOperatorsAreLeftAssociative) {
  EXPECT_EQ(parseExpr("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(parseExpr("a / b % c @ d"), "(@ (% (/ a b) c) d)");
}

TEST(ParserTest, ComparisonsBindLooserThanArithmetic) {
  EXPECT_EQ(parseExpr("a + 1 < b * 2"), "(< (+ a 1) (* b 2))");
  EXPECT_EQ(parseExpr("a <= b == c"), "(== (<= a b) c)");
  EXPECT_EQ(parseExpr("a != b >= c > d"), "(> (>= (!= a b) c) d)");
}

TEST(ParserTest, UnaryMinus) {
  EXPECT_EQ(parseExpr("-a * b"), "(* (- a) b)");
  EXPECT_EQ(parseExpr("- -a"), "(- (- a))");
  EXPECT_EQ(parseExpr("a - -1"), "(- a (- 1))");
  EXPECT_EQ(parseExpr("-k^T"), "(- (^T k))");
}

TEST(ParserTest, ConditionalIsLowestAndRightAssociative) {
  EXPECT_EQ(parseExpr("c ? a + 1 : d ? e : f"), "(? c (+ a 1) (? d e f))");
  EXPECT_EQ(parseExpr("a == 1 ? x : y"), "(? (== a 1) x y)");
  EXPECT_EQ(parseExpr("softmax(c ? m(s) : s)"), "(softmax (? c (m s) s))");
}

TEST(ParserTest, KeywordArguments) {
  EXPECT_EQ(parseExpr("attention(q, k, v, heads = 8, causal = c == 1)"),
            "(attention q k v heads=8 causal=(== c 1))");
  // `a == b` is a positional comparison, not a keyword.
  EXPECT_EQ(parseExpr("f(a == b)"), "(f (== a b))");
  EXPECT_EQ(parseExpr("f()"), "(f)");
  EXPECT_EQ(parseExpr("f(scale=0.5)"), "(f scale=0.5)");
}

TEST(ParserTest, Numbers) {
  Compilation c("model m { let a = 42 let b = 1e-5 let c = 0.125 "
                "let d = 2E3 let e = 7.5e+1 let f = 3. }");
  ASSERT_TRUE(c.parse()) << c.diagnostics();
  auto number = [&](llvm::StringRef name) {
    return std::make_pair(cast<NumberExpr>(c.value(name)).value,
                          cast<NumberExpr>(c.value(name)).isInteger);
  };
  EXPECT_EQ(number("a"), std::make_pair(42.0, true));
  EXPECT_EQ(number("b"), std::make_pair(1e-5, false));
  EXPECT_EQ(number("c"), std::make_pair(0.125, false));
  EXPECT_EQ(number("d"), std::make_pair(2000.0, false));
  EXPECT_EQ(number("e"), std::make_pair(75.0, false));
  EXPECT_EQ(number("f"), std::make_pair(3.0, false));
}

TEST(ParserTest, CommentsAndWhitespace) {
  Compilation c("# leading comment\n"
                "model m{// after the brace\n"
                "  let a=b/c # division, then a comment\n"
                "  let d = e // f\n"
                "  let\n g\n =\n h\n"
                "}# trailing comment");
  ASSERT_TRUE(c.parse()) << c.diagnostics();
  EXPECT_EQ(sexpr(c.value("a")), "(/ b c)");
  EXPECT_EQ(sexpr(c.value("d")), "e");
  EXPECT_EQ(sexpr(c.value("g")), "h");
}

//===----------------------------------------------------------------------===//
// Declarations and locations
//===----------------------------------------------------------------------===//

TEST(ParserTest, ParamLayoutAndCheckpointName) {
  Compilation c("model m {\n"
                "  param w : f32[4, 8] layout [in, out] from \"l.weight\"\n"
                "  param u : f32[8, 4] layout [out, in]\n"
                "  param b : i64[]\n"
                "}");
  ASSERT_TRUE(c.parse()) << c.diagnostics();
  auto &w = c.decl<ParamDecl>("w");
  EXPECT_EQ(w.layout, WeightLayout::InOut);
  EXPECT_EQ(w.tensorName(), "l.weight");
  EXPECT_EQ(c.lineCol(w.layoutLoc), std::make_pair(2u, 23u));
  EXPECT_EQ(c.lineCol(w.checkpointNameLoc), std::make_pair(2u, 45u));
  auto &u = c.decl<ParamDecl>("u");
  EXPECT_EQ(u.layout, WeightLayout::OutIn);
  EXPECT_EQ(u.tensorName(), "u");
  auto &b = c.decl<ParamDecl>("b");
  EXPECT_EQ(b.type.elementType, "i64");
  EXPECT_TRUE(b.type.dims.empty());
}

TEST(ParserTest, DimListAndLocations) {
  Compilation c("model m {\n"
                "  dim batch, seq\n"
                "  let s = q @ k^T\n"
                "}");
  ASSERT_TRUE(c.parse()) << c.diagnostics();
  EXPECT_EQ(c.lineCol(c.model->loc), std::make_pair(1u, 1u));
  EXPECT_EQ(c.lineCol(c.model->nameLoc), std::make_pair(1u, 7u));
  auto &batch = c.decl<DimDecl>("batch");
  auto &seq = c.decl<DimDecl>("seq");
  EXPECT_EQ(c.lineCol(batch.loc), std::make_pair(2u, 3u));
  EXPECT_EQ(c.lineCol(seq.loc), std::make_pair(2u, 3u));
  EXPECT_EQ(c.lineCol(batch.nameLoc), std::make_pair(2u, 7u));
  EXPECT_EQ(c.lineCol(seq.nameLoc), std::make_pair(2u, 14u));

  // Operators are located at the operator, other nodes at their first
  // character.
  auto &matmul = cast<BinaryExpr>(c.value("s"));
  EXPECT_EQ(c.lineCol(matmul.getLoc()), std::make_pair(3u, 13u));
  EXPECT_EQ(c.lineCol(matmul.lhs->getLoc()), std::make_pair(3u, 11u));
  EXPECT_EQ(c.lineCol(matmul.rhs->getLoc()), std::make_pair(3u, 16u));
  auto &transpose = cast<TransposeExpr>(*matmul.rhs);
  EXPECT_EQ(c.lineCol(transpose.operand->getLoc()), std::make_pair(3u, 15u));
}

//===----------------------------------------------------------------------===//
// Requirements, input defaults, blocks, repeat
//===----------------------------------------------------------------------===//

TEST(ParserTest, ParsesGpt2Example) {
  auto c = Compilation::example("gpt2.attn");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->parse()) << c->diagnostics();
  auto &require = *cast<RequireDecl>(c->model->decls[7].get());
  EXPECT_EQ(require.message, "n_head must divide n_embd");
  EXPECT_EQ(sexpr(*require.cond), "(== (% n_embd n_head) 0)");
  EXPECT_EQ(c->lineCol(require.loc), std::make_pair(18u, 3u));

  auto &layer = c->decl<BlockDecl>("layer");
  ASSERT_EQ(layer.args.size(), 1u);
  EXPECT_EQ(layer.args[0]->name, "x");
  EXPECT_EQ(c->lineCol(layer.args[0]->loc), std::make_pair(30u, 15u));
  ASSERT_EQ(layer.body.size(), 17u);
  EXPECT_EQ(cast<ParamDecl>(*layer.body[0]).tensorName(), "h.{i}.ln_1.weight");
  EXPECT_EQ(cast<ParamDecl>(*layer.body[2]).layout, WeightLayout::InOut);
  EXPECT_EQ(layer.body[12]->name, "h");
  EXPECT_EQ(sexpr(*cast<LetDecl>(*layer.body[13]).value),
            "(linear h c_attn_w c_attn_b)");
  EXPECT_EQ(sexpr(*layer.result),
            "(+ x2 (linear (gelu_tanh (linear m c_fc_w c_fc_b)) mlp_w "
            "mlp_b))");
  EXPECT_EQ(c->lineCol(layer.returnLoc), std::make_pair(50u, 5u));

  // The block's own `let h` is in its body; the model's is this one.
  EXPECT_EQ(sexpr(c->value("h")), "(repeat n_layer layer x)");
  EXPECT_EQ(c->lineCol(c->decl("h").loc), std::make_pair(54u, 3u));
}

TEST(ParserTest, ParsesEveryExample) {
  for (const char *file : {"mha.attn", "mha_explicit.attn", "gpt2.attn",
                           "bert.attn", "llama.attn", "translator.attn"}) {
    auto c = Compilation::example(file);
    ASSERT_TRUE(c) << file;
    EXPECT_TRUE(c->parse()) << file << ": " << c->diagnostics();
    EXPECT_EQ(c->diagnostics(), "") << file;
  }
}

TEST(ParserTest, RequireAndInputDefault) {
  Compilation c("model m {\n"
                "  require a % b == 0 , \"b must divide a\"\n"
                "  input mask : i64[2] = 1\n"
                "  input ids : i64[2]\n"
                "  input bias : f32[2] = -0.5 * k\n"
                "}");
  ASSERT_TRUE(c.parse()) << c.diagnostics();
  auto &require = *cast<RequireDecl>(c.model->decls[0].get());
  EXPECT_EQ(require.name, "");
  EXPECT_EQ(require.message, "b must divide a");
  EXPECT_EQ(sexpr(*require.cond), "(== (% a b) 0)");
  EXPECT_EQ(sexpr(*c.decl<InputDecl>("mask").defaultValue), "1");
  EXPECT_EQ(c.decl<InputDecl>("ids").defaultValue, nullptr);
  EXPECT_EQ(sexpr(*c.decl<InputDecl>("bias").defaultValue), "(* (- 0.5) k)");
  EXPECT_EQ(c.lineCol(c.decl<InputDecl>("mask").defaultValue->getLoc()),
            std::make_pair(3u, 25u));
}

TEST(ParserTest, BlockDeclaration) {
  Compilation c("model m {\n"
                "  block none() {\n"
                "    return w\n"
                "  }\n"
                "  block b(x, memory) {\n"
                "    const n = 2\n"
                "    param w : f32[n] from \"b.{i}.w\"\n"
                "    let h = x * n\n"
                "    return h + memory\n"
                "  }\n"
                "  let after = 1\n"
                "}");
  ASSERT_TRUE(c.parse()) << c.diagnostics();
  ASSERT_EQ(c.model->decls.size(), 3u);
  auto &none = c.decl<BlockDecl>("none");
  EXPECT_TRUE(none.args.empty());
  EXPECT_TRUE(none.body.empty());
  auto &b = c.decl<BlockDecl>("b");
  EXPECT_EQ(c.lineCol(b.loc), std::make_pair(5u, 3u));
  EXPECT_EQ(c.lineCol(b.nameLoc), std::make_pair(5u, 9u));
  ASSERT_EQ(b.args.size(), 2u);
  EXPECT_EQ(b.args[1]->name, "memory");
  EXPECT_EQ(c.lineCol(b.args[1]->nameLoc), std::make_pair(5u, 14u));
  ASSERT_EQ(b.body.size(), 3u);
  EXPECT_EQ(b.body[0]->getKind(), Decl::Kind::Const);
  EXPECT_EQ(b.body[1]->getKind(), Decl::Kind::Param);
  EXPECT_EQ(cast<ParamDecl>(*b.body[1]).tensorName(), "b.{i}.w");
  EXPECT_EQ(b.body[2]->getKind(), Decl::Kind::Let);
  EXPECT_EQ(sexpr(*b.result), "(+ h memory)");
  EXPECT_EQ(c.lineCol(b.returnLoc), std::make_pair(9u, 5u));
  // Declarations after the block belong to the model again.
  EXPECT_EQ(c.model->decls[2]->name, "after");
}

TEST(ParserTest, RepeatExpression) {
  EXPECT_EQ(parseExpr("repeat n layer(x)"), "(repeat n layer x)");
  // The count is any expression; it ends where the block name begins.
  EXPECT_EQ(parseExpr("repeat n - 1 layer(x, memory)"),
            "(repeat (- n 1) layer x memory)");
  EXPECT_EQ(parseExpr("repeat (a ? 2 : 3) b(x)"), "(repeat (? a 2 3) b x)");
  EXPECT_EQ(parseExpr("norm(repeat 2 b(x)) + repeat 3 c(repeat 1 d(y))"),
            "(+ (norm (repeat 2 b x)) (repeat 3 c (repeat 1 d y)))");
  EXPECT_EQ(parseExpr("repeat 2 b()"), "(repeat 2 b)");

  Compilation c("model m {\n  let h = repeat 12 layer(x)\n}");
  ASSERT_TRUE(c.parse()) << c.diagnostics();
  auto &repeat = cast<RepeatExpr>(c.value("h"));
  EXPECT_EQ(c.lineCol(repeat.getLoc()), std::make_pair(2u, 11u));
  EXPECT_EQ(c.lineCol(repeat.blockLoc), std::make_pair(2u, 21u));
  EXPECT_EQ(repeat.block, "layer");
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST(ParserErrorTest, MissingEqualsAfterConstantName) {
  EXPECT_EQ(parseError("model m {\n  const x 3\n}\n"),
            "<buffer>:2:11: error: expected '=' after constant name\n"
            "  const x 3\n"
            "          ^\n");
}

TEST(ParserErrorTest, MissingExpression) {
  // At the end of the line that lacks it, not at the next line's token.
  EXPECT_EQ(parseError("model m {\n  let a =\n}\n"),
            "<buffer>:2:10: error: expected an expression\n"
            "  let a =\n"
            "         ^\n");
  EXPECT_EQ(parseError("model m { let a = b * }"),
            "<buffer>:1:23: error: expected an expression\n"
            "model m { let a = b * }\n"
            "                      ^\n");
}

TEST(ParserErrorTest, MissingBracket) {
  EXPECT_EQ(parseError("model m { input x : f32[3, 4 }"),
            "<buffer>:1:30: error: expected ']'\n"
            "model m { input x : f32[3, 4 }\n"
            "                             ^\n");
}

TEST(ParserErrorTest, UnclosedModelPointsAtTheBrace) {
  EXPECT_EQ(parseError("model mha {\n  const a = 1\n"),
            "<buffer>:2:14: error: expected '}' to close model 'mha'\n"
            "  const a = 1\n"
            "             ^\n"
            "<buffer>:1:11: note: to match this '{'\n"
            "model mha {\n"
            "          ^\n");
}

TEST(ParserErrorTest, UnexpectedDeclaration) {
  EXPECT_EQ(parseError("model m {\n  xyz = 3\n}"),
            "<buffer>:2:3: error: unexpected 'xyz'; expected a declaration "
            "(const, require, dim, input, param, let, output, block)\n"
            "  xyz = 3\n"
            "  ^\n");
}

TEST(ParserErrorTest, UnterminatedString) {
  EXPECT_EQ(parseError("model m {\n  param w : f32[2] from \"w.weight\n}"),
            "<buffer>:2:25: error: unterminated string\n"
            "  param w : f32[2] from \"w.weight\n"
            "                        ^\n");
}

TEST(ParserErrorTest, TrailingCharacters) {
  EXPECT_EQ(parseError("model m { }\nmodel n { }"),
            "<buffer>:2:1: error: trailing characters after the model\n"
            "model n { }\n"
            "^\n");
}

TEST(ParserErrorTest, EmptyFile) {
  EXPECT_EQ(parseError(""), "<buffer>:1:1: error: expected 'model'\n\n^\n");
  EXPECT_EQ(parseError("# only a comment\n"),
            "<buffer>:2:1: error: expected 'model'\n\n^\n");
}

TEST(ParserErrorTest, ReservedWordAsName) {
  EXPECT_EQ(parseError("model m { let from = 1 }"),
            "<buffer>:1:15: error: expected a value name; 'from' is a "
            "reserved word\n"
            "model m { let from = 1 }\n"
            "              ^\n");
}

TEST(ParserErrorTest, PositionalAfterKeyword) {
  EXPECT_EQ(parseError("model m { let a = f(x, k = 1, y) }"),
            "<buffer>:1:31: error: positional argument after keyword "
            "argument\n"
            "model m { let a = f(x, k = 1, y) }\n"
            "                              ^\n");
}

TEST(ParserErrorTest, LayoutSpelling) {
  EXPECT_EQ(parseError("model m { param w : f32[2, 2] layout [in, in] }"),
            "<buffer>:1:43: error: expected 'out'\n"
            "model m { param w : f32[2, 2] layout [in, in] }\n"
            "                                          ^\n");
}

TEST(ParserErrorTest, EveryExpectationHasAName) {
  // Each of these fails at a different expectation point; none may print a
  // rule as X3's mangled type name.
  for (const char *source :
       {"model m { dim 3 }", "model m { param w : 3 }",
        "model m { input x : f32[3, ] }", "model m { input x : f32 }",
        "model m { let a = f(x, y = ) }", "model m { let a = -}",
        "model m { param w : f32[2] layout [] }", "model m { let a = (1 }",
        "model m { output = 1 }", "model m { let a = b ? c : }"}) {
    std::string message = parseError(source);
    EXPECT_EQ(message.find("boost"), std::string::npos) << message;
    EXPECT_NE(message.find(": error: expected "), std::string::npos) << message;
  }
}

TEST(ParserErrorTest, NulByte) {
  std::string source("model m {\0 }", 12);
  std::string expected = "<buffer>:1:10: error: unexpected '\\x00'; expected "
                         "a declaration (const, require, dim, input, param, "
                         "let, output, block)\n";
  expected += source + "\n         ^\n";
  EXPECT_EQ(parseError(source), expected);
}

TEST(ParserErrorTest, DeepNestingIsAnErrorNotACrash) {
  for (llvm::StringRef open : {"(", "-", "f(", "c ? ", "-("}) {
    std::string text;
    for (int i = 0; i < 100000; ++i)
      text += open;
    text += "x";
    Compilation c("model m { let a = " + text + " }");
    EXPECT_FALSE(c.parse());
    EXPECT_NE(c.diagnostics().find("error: expression nested too deeply"),
              std::string::npos)
        << open.str();
  }
  std::string chain = "x";
  for (int i = 0; i < 100000; ++i)
    chain += " + x^T";
  Compilation c("model m { let a = " + chain + " }");
  EXPECT_FALSE(c.parse());
  EXPECT_NE(c.diagnostics().find("error: expression nested too deeply"),
            std::string::npos);
}

TEST(ParserErrorTest, ModeratelyDeepNestingIsFine) {
  std::string text = "x";
  for (int i = 0; i < 200; ++i)
    text = "(" + text + ")";
  EXPECT_EQ(parseExpr(text), "x");
}

TEST(ParserErrorTest, NewReservedWords) {
  for (const char *word : {"require", "block", "return", "repeat"}) {
    std::string message =
        parseError(std::string("model m { let ") + word + " = 1 }");
    EXPECT_NE(message.find(std::string("expected a value name; '") + word +
                           "' is a reserved word"),
              std::string::npos)
        << message;
  }
}

TEST(ParserErrorTest, BlockMustEndWithReturn) {
  EXPECT_EQ(parseError("model m {\n  block b(x) {\n    let y = x\n  }\n}"),
            "<buffer>:4:3: error: block 'b' must end with 'return "
            "<expression>'\n"
            "  }\n"
            "  ^\n");
  EXPECT_EQ(parseError("model m { block b(x) { return x let y = x } }"),
            "<buffer>:1:33: error: 'return' must be the last declaration of "
            "block 'b'\n"
            "model m { block b(x) { return x let y = x } }\n"
            "                                ^\n");
}

TEST(ParserErrorTest, ModelDeclarationInBlock) {
  EXPECT_EQ(parseError("model m { block b(x) { output y = x return x } }"),
            "<buffer>:1:24: error: unexpected 'output' in block 'b'; a block "
            "holds const, param and let declarations and ends with "
            "'return'\n"
            "model m { block b(x) { output y = x return x } }\n"
            "                       ^\n");
  // Blocks do not nest.
  EXPECT_NE(parseError("model m { block b(x) { block c(y) { return y } "
                       "return x } }")
                .find("error: unexpected 'block' in block 'b'"),
            std::string::npos);
}

TEST(ParserErrorTest, UnclosedBlockPointsAtItsBrace) {
  EXPECT_EQ(parseError("model m {\n  block b(x) {\n    return x\n"),
            "<buffer>:3:13: error: expected '}' to close block 'b'\n"
            "    return x\n"
            "            ^\n"
            "<buffer>:2:14: note: to match this '{'\n"
            "  block b(x) {\n"
            "             ^\n");
}

TEST(ParserErrorTest, RepeatErrors) {
  EXPECT_EQ(parseError("model m { let h = repeat 2 layer(x, k = y) }"),
            "<buffer>:1:37: error: 'repeat' passes arguments by position; "
            "'k' is a keyword argument\n"
            "model m { let h = repeat 2 layer(x, k = y) }\n"
            "                                    ^\n");
  EXPECT_NE(parseError("model m { let h = repeat layer(x) }")
                .find("error: expected a block name"),
            std::string::npos);
  EXPECT_NE(parseError("model m { let h = repeat }")
                .find("error: expected a layer count after 'repeat'"),
            std::string::npos);
  EXPECT_NE(parseError("model m { let h = repeat 2 layer }")
                .find("error: expected '(' after the block name"),
            std::string::npos);
}

TEST(ParserErrorTest, RequireNeedsAMessage) {
  EXPECT_EQ(parseError("model m { require a > 0 }"),
            "<buffer>:1:25: error: expected ',' and a message after the "
            "condition\n"
            "model m { require a > 0 }\n"
            "                        ^\n");
  EXPECT_NE(parseError("model m { require a > 0, 1 }")
                .find("error: expected a string: the message when the "
                      "requirement fails"),
            std::string::npos);
  EXPECT_NE(parseError("model m { require a > 0, \"open }")
                .find("error: unterminated string"),
            std::string::npos);
}

TEST(ParserErrorTest, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  const char *pieces[] = {"model", " m",     " {",   "}",  "(",    ")",  "[",
                          "]",     "let",    " a",   "=",  "1.5e", "\"", "#",
                          "\n",    "^T",     "@",    ",",  "?",    ":",  "\xff",
                          "param", "layout", "from", "//", "-",    "0",
                          "block", " b(x)", "return", "repeat", "require",
                          "input", " : f32[2]", " = 1", "\"s\""};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (int i = 0, n = rng() % 48; i < n; ++i) {
      if (rng() % 8 == 0)
        text += char(rng() % 256);
      else
        text += pieces[rng() % std::size(pieces)];
    }
    Compilation c(text);
    if (c.parse())
      EXPECT_EQ(c.diagnostics(), "");
    else
      EXPECT_NE(c.diagnostics().find("error: "), std::string::npos) << text;
    EXPECT_EQ(c.diagnostics().find("boost"), std::string::npos) << text;
  }
}

} // namespace
