//===- FrontendTestUtils.h - Helpers for the front-end tests ---*- C++ -*-===//
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
#include <functional>
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

/// "f32[batch, 8]", "= 3", or "<none>" for an unchecked expression.
inline std::string typeOf(const ast::Expr &e) {
  if (e.tensorType)
    return e.tensorType->str();
  if (e.scalar)
    return "= " + ast::formatScalar(*e.scalar);
  return "<none>";
}

/// Only the `file:line:col: error: message` (and note) lines of the
/// diagnostics, without the source lines and carets.
inline std::string errorLines(const std::string &diagnostics) {
  std::string lines;
  llvm::SmallVector<llvm::StringRef> all;
  llvm::StringRef(diagnostics).split(all, '\n');
  for (llvm::StringRef line : all)
    if (line.contains(": error: ") || line.contains(": note: ") ||
        line.starts_with("error: ") || line.starts_with("note: "))
      lines += line.str() + "\n";
  return lines;
}

/// The error lines for a model made of the preamble and `body` (whose first
/// line is line 5), which must fail to check.
inline std::string semaErrors(llvm::StringRef body,
                              llvm::ArrayRef<ConstOverride> overrides = {}) {
  Compilation c(withPreamble(body));
  EXPECT_TRUE(c.parse()) << c.diagnostics();
  if (!c.model)
    return "parse error";
  EXPECT_FALSE(checkModel(*c.model, overrides, c.diag)) << body.str();
  return errorLines(c.diagnostics());
}

/// Calls `f` on every expression of the model that Sema checked: the values
/// of constants that were not overridden, requirements, input defaults,
/// lets, outputs, and the bodies of the blocks something uses.
inline void forEachCheckedExpr(const ast::Model &model,
                               const std::function<void(const ast::Expr &)> &f) {
  using namespace ast;
  std::function<void(const Expr &)> walk = [&](const Expr &e) {
    f(e);
    if (auto *call = llvm::dyn_cast<CallExpr>(&e)) {
      for (const ExprPtr &arg : call->args)
        walk(*arg);
      for (const KeywordArg &kw : call->kwargs)
        walk(*kw.value);
    } else if (auto *bin = llvm::dyn_cast<BinaryExpr>(&e)) {
      walk(*bin->lhs);
      walk(*bin->rhs);
    } else if (auto *un = llvm::dyn_cast<UnaryExpr>(&e)) {
      walk(*un->operand);
    } else if (auto *tr = llvm::dyn_cast<TransposeExpr>(&e)) {
      walk(*tr->operand);
    } else if (auto *cond = llvm::dyn_cast<ConditionalExpr>(&e)) {
      walk(*cond->cond);
      walk(*cond->chosen); // the other branch is not checked
    } else if (auto *repeat = llvm::dyn_cast<RepeatExpr>(&e)) {
      walk(*repeat->count);
      for (const ExprPtr &arg : repeat->args)
        walk(*arg);
    }
  };
  std::function<void(const Decl &)> walkDecl = [&](const Decl &d) {
    if (auto *c = llvm::dyn_cast<ConstDecl>(&d); c && !c->overridden)
      walk(*c->value);
    else if (auto *r = llvm::dyn_cast<RequireDecl>(&d))
      walk(*r->cond);
    else if (auto *in = llvm::dyn_cast<InputDecl>(&d); in && in->defaultValue)
      walk(*in->defaultValue);
    else if (auto *let = llvm::dyn_cast<LetDecl>(&d))
      walk(*let->value);
    else if (auto *out = llvm::dyn_cast<OutputDecl>(&d))
      walk(*out->value);
    else if (auto *block = llvm::dyn_cast<BlockDecl>(&d); block && block->used) {
      for (const DeclPtr &bd : block->body)
        walkDecl(*bd);
      walk(*block->result);
    }
  };
  for (const DeclPtr &d : model.decls)
    walkDecl(*d);
}

} // namespace attnc::test

#endif
