//===- FrontendTestUtils.h - Helpers for the front-end unit tests -*- C++
//-*-===//
#ifndef ATTNC_TEST_UNITTESTS_FRONTEND_FRONTENDTESTUTILS_H
#define ATTNC_TEST_UNITTESTS_FRONTEND_FRONTENDTESTUTILS_H

#include "attnc/Frontend/AST.h"
#include "attnc/Frontend/ASTDumper.h"
#include "attnc/Frontend/Diagnostics.h"
#include "attnc/Frontend/Parser.h"
#include "attnc/Frontend/Sema.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <memory>
#include <string>

namespace attnc::test {

/// One source buffer run through the front end, with every diagnostic
/// captured as text. Buffers made from a string are named "<buffer>".
class Compilation {
public:
  explicit Compilation(llvm::StringRef source, unsigned errorLimit = 20)
      : Compilation(llvm::MemoryBuffer::getMemBufferCopy(source, "<buffer>"),
                    errorLimit) {}
  Compilation(std::unique_ptr<llvm::MemoryBuffer> buffer, unsigned errorLimit)
      : diag(sourceMgr, os, errorLimit) {
    bufferId = sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  }

  /// Reads a file of examples/ (ATTNC_EXAMPLES_DIR); null if it is missing.
  static std::unique_ptr<Compilation> example(llvm::StringRef name) {
    auto buffer = llvm::MemoryBuffer::getFile(
        (llvm::Twine(ATTNC_EXAMPLES_DIR) + "/" + name).str());
    if (!buffer)
      return nullptr;
    return std::make_unique<Compilation>(std::move(*buffer), 20);
  }

  bool parse() {
    model = parseModel(bufferId, diag);
    return model != nullptr;
  }
  bool check(llvm::ArrayRef<ConstOverride> overrides = {}) {
    return parse() && checkModel(*model, overrides, diag);
  }
  std::string dump() {
    std::string text;
    llvm::raw_string_ostream out(text);
    dumpAST(*model, sourceMgr, out);
    return text;
  }
  const std::string &diagnostics() const { return output; }

  template <typename D = ast::Decl> D &decl(llvm::StringRef name) {
    for (ast::DeclPtr &d : model->decls)
      if (d->name == name)
        return *llvm::cast<D>(d.get());
    ADD_FAILURE() << "no declaration named " << name.str();
    std::abort();
  }
  /// The value expression of a let or output.
  ast::Expr &value(llvm::StringRef name) {
    ast::Decl &d = decl(name);
    if (auto *let = llvm::dyn_cast<ast::LetDecl>(&d))
      return *let->value;
    if (auto *out = llvm::dyn_cast<ast::OutputDecl>(&d))
      return *out->value;
    return *llvm::cast<ast::ConstDecl>(&d)->value;
  }
  std::pair<unsigned, unsigned> lineCol(llvm::SMLoc loc) const {
    return sourceMgr.getLineAndColumn(loc, bufferId);
  }

  llvm::SourceMgr sourceMgr;
  std::string output;
  llvm::raw_string_ostream os{output};
  DiagnosticReporter diag;
  unsigned bufferId = 0;
  std::unique_ptr<ast::Model> model;
};

/// Wraps declarations into a model with the usual preamble.
inline std::string withPreamble(llvm::StringRef body) {
  return ("model m {\n"
          "  const d_model = 256\n"
          "  dim batch, seq\n"
          "  input x : f32[batch, seq, d_model]\n" +
          body + "\n}\n")
      .str();
}

} // namespace attnc::test

#endif
