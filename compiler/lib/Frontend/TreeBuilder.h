//===- TreeBuilder.h - Builds the AST as the grammar runs ------*- C++ -*-===//
//
// Internal to the parser: the semantic actions of the X3 grammar
// (Parser.cpp) call into a TreeBuilder, which keeps the operand stack of
// finished subexpressions and the declaration being parsed, and appends
// finished declarations to the model or to the block being parsed.
//
// Built with exceptions, like Parser.cpp: the builder throws SyntaxError to
// stop the parse (nesting limits); parseModel() catches it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LIB_FRONTEND_TREEBUILDER_H
#define ATTNC_LIB_FRONTEND_TREEBUILDER_H

#include "attnc/Frontend/AST.h"
#include "attnc/Frontend/Diagnostics.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/JSON.h"

#include <boost/range/iterator_range.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attnc::parse {

using Iter = const char *;
using Range = boost::iterator_range<Iter>;

inline llvm::SMLoc locOf(Iter p) { return llvm::SMLoc::getFromPointer(p); }

/// An error found by the grammar's own checks rather than by an expectation
/// point; parsing stops.
struct SyntaxError {
  Iter where;
  std::string message;
};

class TreeBuilder {
public:
  explicit TreeBuilder(DiagnosticReporter &diag)
      : diag(diag), model(std::make_unique<ast::Model>()) {}

  DiagnosticReporter &diag;
  std::unique_ptr<ast::Model> model;
  /// Set when a recoverable error was reported; the parse goes on so that
  /// later syntax errors are found too, but no tree is returned.
  bool failed = false;

  void recoverableError(Iter at, const llvm::Twine &message);

  //===--- Expressions ----------------------------------------------------===//

  void number(Range r);
  void pushName(Range r);
  void makeIdent();
  void openCall();
  void positionalArg();
  void keywordArg();
  void closeCall();
  void binary(ast::BinaryExpr::Op op, Iter at);
  void negate(const std::vector<Range> &minuses);
  void transpose(Iter at);
  void conditional(Iter at);
  void repeatKeyword(Iter at) { repeatLocs.push_back(at); }
  void closeRepeat();

  /// Counts recursion through the expression rule and stops it before the
  /// stack runs out.
  void enter(Iter at);
  void leave() { --depth; }

  //===--- Declarations ---------------------------------------------------===//

  void declKeyword(Range r);
  void setDeclName(Range r);
  template <typename D> void finishValueDecl() {
    Operand value = pop();
    addDecl(std::make_unique<D>(locOf(declLoc), declName, locOf(declNameLoc),
                                std::move(value.expr)));
  }
  void dimName(Range r);
  void typeStart(Range r);
  void typeDim() { type.dims.push_back(pop().expr); }
  void inputDefault() { inputDefaultValue = pop().expr; }
  void finishInput();
  void setLayout(ast::WeightLayout l) { layout = l; }
  void layoutKeyword(Iter at) { layoutLoc = at; }
  void string(Iter quote, std::string text) {
    stringLoc = quote;
    stringText = std::move(text);
  }
  void fromClause() {
    checkTensorNameText();
    from = std::move(stringText);
    fromLoc = stringLoc;
  }
  void elseClause() {
    checkTensorNameText();
    alternatives.push_back({std::move(stringText), locOf(stringLoc)});
  }
  /// `else` with no `from` before it: stops the parse.
  [[noreturn]] void strayElse(Iter at);
  void finishParam();
  void finishRequire();

  void blockName(Range r);
  void blockArg(Range r);
  void openBlock(Iter brace);
  void blockReturn();
  void closeBlock(Iter brace);
  /// The block being parsed, if any (blocks do not nest).
  ast::BlockDecl *currentBlock() const { return block; }
  Iter blockBrace() const { return blockBraceLoc; }

  void modelKeyword(Iter at) { model->loc = locOf(at); }
  void modelName(Range r);
  void openModel(Iter brace) { modelBraceLoc = brace; }
  Iter modelBrace() const { return modelBraceLoc; }

private:
  // Finished subexpressions, with the height of each subtree.
  struct Operand {
    ast::ExprPtr expr;
    unsigned height;
  };
  std::vector<Operand> operands;
  // Identifiers waiting to become an IdentExpr, a callee or a keyword.
  std::vector<std::pair<std::string, Iter>> names;
  struct CallFrame {
    std::unique_ptr<ast::CallExpr> call;
    unsigned height = 0; // of the tallest argument
    bool sawKeyword = false;
  };
  std::vector<CallFrame> calls;
  std::vector<Iter> repeatLocs;
  unsigned depth = 0;

  // The declaration being parsed (declarations only nest in blocks).
  Iter declLoc = nullptr;
  std::string declName;
  Iter declNameLoc = nullptr;
  ast::TypeSpec type;
  ast::ExprPtr inputDefaultValue;
  std::optional<ast::WeightLayout> layout;
  Iter layoutLoc = nullptr;
  std::optional<std::string> from;
  Iter fromLoc = nullptr;
  std::vector<ast::TensorSource> alternatives;
  std::string stringText;
  Iter stringLoc = nullptr;

  ast::BlockDecl *block = nullptr;
  Iter blockBraceLoc = nullptr;
  Iter modelBraceLoc = nullptr;

  /// The name goes into the model's JSON manifest, which must be UTF-8.
  void checkTensorNameText();
  void push(ast::ExprPtr e, unsigned height);
  Operand pop();
  /// Appends to the block being parsed, or to the model.
  void addDecl(ast::DeclPtr decl);
};

} // namespace attnc::parse

#endif // ATTNC_LIB_FRONTEND_TREEBUILDER_H
