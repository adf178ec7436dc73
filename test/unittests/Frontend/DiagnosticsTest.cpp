//===- DiagnosticsTest.cpp - Tests of the diagnostic reporter -------------===//

#include "FrontendTestUtils.h"

using namespace attnc;
using attnc::test::Compilation;

namespace {

llvm::SMLoc at(Compilation &c, size_t offset) {
  return llvm::SMLoc::getFromPointer(
      c.sourceMgr.getMemoryBuffer(c.bufferId)->getBufferStart() + offset);
}

TEST(DiagnosticsTest, PrintsLocationLineAndCaret) {
  Compilation c("model m {\n  let a = b\n}\n");
  c.diag.error(at(c, 20), "something is wrong");
  c.diag.note(at(c, 16), "because of this");
  c.diag.warning(at(c, 0), "and this is odd");
  EXPECT_EQ(c.diagnostics(), "<buffer>:2:11: error: something is wrong\n"
                             "  let a = b\n"
                             "          ^\n"
                             "<buffer>:2:7: note: because of this\n"
                             "  let a = b\n"
                             "      ^\n"
                             "<buffer>:1:1: warning: and this is odd\n"
                             "model m {\n"
                             "^\n");
  EXPECT_EQ(c.diag.errorCount(), 1u);
}

TEST(DiagnosticsTest, NoLocationPrintsJustTheMessage) {
  Compilation c("model m {}");
  c.diag.error(llvm::SMLoc(), "-D x: no constant named 'x' in model 'm'");
  EXPECT_EQ(c.diagnostics(),
            "error: -D x: no constant named 'x' in model 'm'\n");
}

TEST(DiagnosticsTest, StopsAfterTheErrorLimit) {
  Compilation c("model m {}", /*errorLimit=*/2);
  for (int i = 0; i < 5; ++i) {
    c.diag.error(llvm::SMLoc(), "error " + llvm::Twine(i));
    c.diag.note(llvm::SMLoc(), "note " + llvm::Twine(i));
  }
  EXPECT_EQ(c.diagnostics(), "error: error 0\n"
                             "note: note 0\n"
                             "error: error 1\n"
                             "note: note 1\n"
                             "error: too many errors emitted, stopping now\n");
  EXPECT_EQ(c.diag.errorCount(), 5u);
  EXPECT_TRUE(c.diag.limitReached());
}

TEST(DiagnosticsTest, ZeroMeansNoLimit) {
  Compilation c("model m {}", /*errorLimit=*/0);
  for (int i = 0; i < 50; ++i)
    c.diag.error(llvm::SMLoc(), "e");
  EXPECT_FALSE(c.diag.limitReached());
  EXPECT_EQ(c.diagnostics().find("too many"), std::string::npos);
}

TEST(DiagnosticsTest, SemaStopsPrintingAtTheLimit) {
  std::string body;
  for (int i = 0; i < 30; ++i)
    body += "  let a" + std::to_string(i) + " = nope\n";
  Compilation c(attnc::test::withPreamble(body + "  output y = x"), 3);
  EXPECT_FALSE(c.check());
  llvm::StringRef text = c.diagnostics();
  EXPECT_EQ(text.count("error: use of undeclared name 'nope'"), 3u);
  EXPECT_TRUE(text.ends_with("error: too many errors emitted, stopping now\n"));
}

} // namespace
