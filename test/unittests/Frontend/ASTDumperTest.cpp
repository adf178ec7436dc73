//===- ASTDumperTest.cpp - Tests of the AST printer -----------------------===//

#include "FrontendTestUtils.h"

using attnc::test::Compilation;

namespace {

const char *kModel = "model tiny {\n"
                     "  const n = 2 * 2\n"
                     "  dim seq\n"
                     "  input x : f32[seq, seq, n]\n"
                     "  param w : f32[n, n] layout [in, out] from \"w.t\"\n"
                     "  param b : f32[n]\n"
                     "  let h = attention(x, x, x, heads = 2)\n"
                     "  output y = n > 2 ? -linear(x, w, b)^T : h\n"
                     "}\n";

TEST(ASTDumperTest, DumpsParsedTree) {
  Compilation c(kModel);
  ASSERT_TRUE(c.parse()) << c.diagnostics();
  EXPECT_EQ(c.dump(), "Model 'tiny' @1:1\n"
                      "  Const 'n' @2:3\n"
                      "    Binary '*' @2:15\n"
                      "      Number 2 @2:13\n"
                      "      Number 2 @2:17\n"
                      "  Dim 'seq' @3:3\n"
                      "  Input 'x' @4:3\n"
                      "    Type 'f32' @4:13\n"
                      "      Ident 'seq' @4:17\n"
                      "      Ident 'seq' @4:22\n"
                      "      Ident 'n' @4:27\n"
                      "  Param 'w' from \"w.t\" layout [in, out] @5:3\n"
                      "    Type 'f32' @5:13\n"
                      "      Ident 'n' @5:17\n"
                      "      Ident 'n' @5:20\n"
                      "  Param 'b' @6:3\n"
                      "    Type 'f32' @6:13\n"
                      "      Ident 'n' @6:17\n"
                      "  Let 'h' @7:3\n"
                      "    Call 'attention' @7:11\n"
                      "      Ident 'x' @7:21\n"
                      "      Ident 'x' @7:24\n"
                      "      Ident 'x' @7:27\n"
                      "      Keyword 'heads' @7:30\n"
                      "        Number 2 @7:38\n"
                      "  Output 'y' @8:3\n"
                      "    Conditional @8:20\n"
                      "      Binary '>' @8:16\n"
                      "        Ident 'n' @8:14\n"
                      "        Number 2 @8:18\n"
                      "      Unary '-' @8:22\n"
                      "        Transpose @8:38\n"
                      "          Call 'linear' @8:23\n"
                      "            Ident 'x' @8:30\n"
                      "            Ident 'w' @8:33\n"
                      "            Ident 'b' @8:36\n"
                      "      Ident 'h' @8:43\n");
}

TEST(ASTDumperTest, DumpsCheckedTreeWithTypes) {
  Compilation c(kModel);
  ASSERT_TRUE(c.check()) << c.diagnostics();
  // Resolved declarations print their type or value inline; the branch not
  // taken has no type.
  EXPECT_EQ(c.dump(), "Model 'tiny' @1:1\n"
                      "  Const 'n' = 4 @2:3\n"
                      "  Dim 'seq' @3:3\n"
                      "  Input 'x' : f32[seq, seq, 4] @4:3\n"
                      "  Param 'w' : f32[4, 4] from \"w.t\" layout [in, out] "
                      "@5:3\n"
                      "  Param 'b' : f32[4] @6:3\n"
                      "  Let 'h' @7:3\n"
                      "    Call 'attention' : f32[seq, seq, 4] @7:11\n"
                      "      Ident 'x' : f32[seq, seq, 4] @7:21\n"
                      "      Ident 'x' : f32[seq, seq, 4] @7:24\n"
                      "      Ident 'x' : f32[seq, seq, 4] @7:27\n"
                      "      Keyword 'heads' @7:30\n"
                      "        Number 2 = 2 @7:38\n"
                      "  Output 'y' @8:3\n"
                      "    Conditional (then) : f32[seq, 4, seq] @8:20\n"
                      "      Binary '>' = 1 @8:16\n"
                      "        Ident 'n' = 4 @8:14\n"
                      "        Number 2 = 2 @8:18\n"
                      "      Unary '-' : f32[seq, 4, seq] @8:22\n"
                      "        Transpose : f32[seq, 4, seq] @8:38\n"
                      "          Call 'linear' : f32[seq, seq, 4] @8:23\n"
                      "            Ident 'x' : f32[seq, seq, 4] @8:30\n"
                      "            Ident 'w' : f32[4, 4] @8:33\n"
                      "            Ident 'b' : f32[4] @8:36\n"
                      "      Ident 'h' @8:43\n");
}

TEST(ASTDumperTest, DefaultLayoutAndOverride) {
  Compilation c("model m {\n"
                "  const eps = 1e-5\n"
                "  input x : f32[2, 3]\n"
                "  param w : f32[3, 3]\n"
                "  output y = linear(x, w) * eps\n"
                "}\n");
  attnc::ConstOverride overrides[] = {{"eps", "0.5"}};
  ASSERT_TRUE(c.check(overrides)) << c.diagnostics();
  std::string dump = c.dump();
  EXPECT_NE(dump.find("  Const 'eps' = 0.5 (overridden) @2:3\n"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("  Param 'w' : f32[3, 3] layout [out, in] @4:3\n"),
            std::string::npos)
      << dump;
}

const char *kLayers = "model stack {\n"
                      "  const n = 2\n"
                      "  require n > 0, \"layers\"\n"
                      "  dim seq\n"
                      "  input x : f32[seq, 4]\n"
                      "  input m : i64[seq, 4] = 1\n"
                      "  block layer(h) {\n"
                      "    param w : f32[4, 4] from \"l.{i}.w\"\n"
                      "    return linear(h, w)\n"
                      "  }\n"
                      "  block twice(h) {\n"
                      "    return h + h\n"
                      "  }\n"
                      "  output y = twice(repeat n layer(x))\n"
                      "}\n";

TEST(ASTDumperTest, DumpsParsedBlocksAndRepeat) {
  Compilation c(kLayers);
  ASSERT_TRUE(c.parse()) << c.diagnostics();
  EXPECT_EQ(c.dump(), "Model 'stack' @1:1\n"
                      "  Const 'n' @2:3\n"
                      "    Number 2 @2:13\n"
                      "  Require \"layers\" @3:3\n"
                      "    Binary '>' @3:13\n"
                      "      Ident 'n' @3:11\n"
                      "      Number 0 @3:15\n"
                      "  Dim 'seq' @4:3\n"
                      "  Input 'x' @5:3\n"
                      "    Type 'f32' @5:13\n"
                      "      Ident 'seq' @5:17\n"
                      "      Number 4 @5:22\n"
                      "  Input 'm' @6:3\n"
                      "    Type 'i64' @6:13\n"
                      "      Ident 'seq' @6:17\n"
                      "      Number 4 @6:22\n"
                      "    Default @6:27\n"
                      "      Number 1 @6:27\n"
                      "  Block 'layer' @7:3\n"
                      "    BlockArg 'h' @7:15\n"
                      "    Param 'w' from \"l.{i}.w\" @8:5\n"
                      "      Type 'f32' @8:15\n"
                      "        Number 4 @8:19\n"
                      "        Number 4 @8:22\n"
                      "    Return @9:5\n"
                      "      Call 'linear' @9:12\n"
                      "        Ident 'h' @9:19\n"
                      "        Ident 'w' @9:22\n"
                      "  Block 'twice' @11:3\n"
                      "    BlockArg 'h' @11:15\n"
                      "    Return @12:5\n"
                      "      Binary '+' @12:14\n"
                      "        Ident 'h' @12:12\n"
                      "        Ident 'h' @12:16\n"
                      "  Output 'y' @14:3\n"
                      "    Call 'twice' @14:14\n"
                      "      Repeat 'layer' @14:20\n"
                      "        Ident 'n' @14:27\n"
                      "        Ident 'x' @14:35\n");
}

TEST(ASTDumperTest, DumpsCheckedBlocksAndRepeat) {
  Compilation c(kLayers);
  ASSERT_TRUE(c.check()) << c.diagnostics();
  // Blocks show their repeat count, arguments their types, parameters
  // whether they are per layer, calls whether they call a block.
  EXPECT_EQ(c.dump(), "Model 'stack' @1:1\n"
                      "  Const 'n' = 2 @2:3\n"
                      "  Require \"layers\" @3:3\n"
                      "    Binary '>' = 1 @3:13\n"
                      "      Ident 'n' = 2 @3:11\n"
                      "      Number 0 = 0 @3:15\n"
                      "  Dim 'seq' @4:3\n"
                      "  Input 'x' : f32[seq, 4] @5:3\n"
                      "  Input 'm' : i64[seq, 4] = 1 @6:3\n"
                      "  Block 'layer' (repeated 2 times) @7:3\n"
                      "    BlockArg 'h' : f32[seq, 4] @7:15\n"
                      "    Param 'w' : f32[4, 4] from \"l.{i}.w\" layout [out, in] "
                      "(per layer) @8:5\n"
                      "    Return @9:5\n"
                      "      Call 'linear' : f32[seq, 4] @9:12\n"
                      "        Ident 'h' : f32[seq, 4] @9:19\n"
                      "        Ident 'w' : f32[4, 4] @9:22\n"
                      "  Block 'twice' @11:3\n"
                      "    BlockArg 'h' : f32[seq, 4] @11:15\n"
                      "    Return @12:5\n"
                      "      Binary '+' : f32[seq, 4] @12:14\n"
                      "        Ident 'h' : f32[seq, 4] @12:12\n"
                      "        Ident 'h' : f32[seq, 4] @12:16\n"
                      "  Output 'y' @14:3\n"
                      "    Call 'twice' (block) : f32[seq, 4] @14:14\n"
                      "      Repeat 'layer' : f32[seq, 4] @14:20\n"
                      "        Ident 'n' = 2 @14:27\n"
                      "        Ident 'x' : f32[seq, 4] @14:35\n");
}

} // namespace
