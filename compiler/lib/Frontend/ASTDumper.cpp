//===- ASTDumper.cpp - Print the AST with source locations ----------------===//
//
// One node per line, two spaces of indentation per level, `@line:col` last.
// Once Sema has run, expressions show their type (`: f32[...]`) or folded
// value (`= 8`), and declarations whose type or value is resolved print it
// inline instead of the subtree they were resolved from.
//
//===----------------------------------------------------------------------===//

#include "attnc/Frontend/ASTDumper.h"

#include "llvm/Support/Casting.h"

using namespace attnc;
using namespace attnc::ast;

namespace {

class Dumper {
public:
  Dumper(const llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os)
      : sourceMgr(sourceMgr), os(os) {}

  void dumpModel(const Model &model) {
    os << "Model '" << model.name << "'";
    endLine(model.loc);
    for (const DeclPtr &decl : model.decls)
      dumpDecl(*decl, 1);
  }

private:
  const llvm::SourceMgr &sourceMgr;
  llvm::raw_ostream &os;

  void indent(unsigned depth) { os.indent(2 * depth); }

  void endLine(llvm::SMLoc loc) {
    if (loc.isValid()) {
      auto [line, col] = sourceMgr.getLineAndColumn(loc);
      os << " @" << line << ":" << col;
    }
    os << "\n";
  }

  void dumpType(const Expr &e) {
    if (e.tensorType)
      os << " : " << e.tensorType->str();
    else if (e.scalar)
      os << " = " << formatScalar(*e.scalar);
  }

  /// Prints `: f32[...]` when resolved, else the type as written, below.
  void dumpTypeSpec(const TypeSpec &type, unsigned depth, bool resolvedInline) {
    if (resolvedInline)
      return;
    indent(depth);
    os << "Type '" << type.elementType << "'";
    endLine(type.loc);
    for (const ExprPtr &dim : type.dims)
      dumpExpr(*dim, depth + 1);
  }

  void dumpDecl(const Decl &decl, unsigned depth) {
    indent(depth);
    switch (decl.getKind()) {
    case Decl::Kind::Const: {
      const auto &c = llvm::cast<ConstDecl>(decl);
      os << "Const '" << c.name << "'";
      if (c.resolved)
        os << " = " << formatScalar(*c.resolved);
      if (c.overridden)
        os << " (overridden)";
      endLine(c.loc);
      if (!c.resolved)
        dumpExpr(*c.value, depth + 1);
      return;
    }
    case Decl::Kind::Dim:
      os << "Dim '" << decl.name << "'";
      endLine(decl.loc);
      return;
    case Decl::Kind::Input: {
      const auto &in = llvm::cast<InputDecl>(decl);
      os << "Input '" << in.name << "'";
      if (in.type.resolved)
        os << " : " << in.type.resolved->str();
      if (in.resolvedDefault)
        os << " = " << formatScalar(*in.resolvedDefault);
      endLine(in.loc);
      dumpTypeSpec(in.type, depth + 1, in.type.resolved.has_value());
      if (in.defaultValue && !in.resolvedDefault) {
        indent(depth + 1);
        os << "Default";
        endLine(in.defaultValue->getLoc());
        dumpExpr(*in.defaultValue, depth + 2);
      }
      return;
    }
    case Decl::Kind::Param: {
      const auto &p = llvm::cast<ParamDecl>(decl);
      os << "Param '" << p.name << "'";
      if (p.type.resolved)
        os << " : " << p.type.resolved->str();
      if (p.checkpointName)
        os << " from \"" << *p.checkpointName << "\"";
      for (const TensorSource &alternative : p.alternatives)
        os << " else \"" << alternative.name << "\"";
      // A resolved 2-D parameter always has a layout, [out, in] by default.
      std::optional<WeightLayout> layout = p.layout;
      if (!layout && p.type.resolved && p.type.resolved->rank() == 2)
        layout = WeightLayout::OutIn;
      if (layout)
        os << (*layout == WeightLayout::OutIn ? " layout [out, in]"
                                              : " layout [in, out]");
      if (p.perLayer)
        os << " (per layer)";
      endLine(p.loc);
      dumpTypeSpec(p.type, depth + 1, p.type.resolved.has_value());
      return;
    }
    case Decl::Kind::Let:
      os << "Let '" << decl.name << "'";
      endLine(decl.loc);
      dumpExpr(*llvm::cast<LetDecl>(decl).value, depth + 1);
      return;
    case Decl::Kind::Output:
      os << "Output '" << decl.name << "'";
      endLine(decl.loc);
      dumpExpr(*llvm::cast<OutputDecl>(decl).value, depth + 1);
      return;
    case Decl::Kind::Require: {
      const auto &r = llvm::cast<RequireDecl>(decl);
      os << "Require \"" << r.message << "\"";
      endLine(r.loc);
      dumpExpr(*r.cond, depth + 1);
      return;
    }
    case Decl::Kind::BlockArg: {
      const auto &arg = llvm::cast<BlockArgDecl>(decl);
      os << "BlockArg '" << arg.name << "'";
      if (arg.type)
        os << " : " << arg.type->str();
      endLine(arg.loc);
      return;
    }
    case Decl::Kind::Block: {
      const auto &b = llvm::cast<BlockDecl>(decl);
      os << "Block '" << b.name << "'";
      if (b.repeatCount)
        os << " (repeated " << b.repeatCount << " times)";
      endLine(b.loc);
      for (const auto &arg : b.args)
        dumpDecl(*arg, depth + 1);
      for (const DeclPtr &d : b.body)
        dumpDecl(*d, depth + 1);
      if (b.result) {
        indent(depth + 1);
        os << "Return";
        endLine(b.returnLoc);
        dumpExpr(*b.result, depth + 2);
      }
      return;
    }
    }
  }

  void dumpExpr(const Expr &e, unsigned depth) {
    indent(depth);
    switch (e.getKind()) {
    case Expr::Kind::Number: {
      const auto &n = llvm::cast<NumberExpr>(e);
      os << "Number " << formatScalar(Scalar{n.value, n.isInteger});
      dumpType(e);
      endLine(e.getLoc());
      return;
    }
    case Expr::Kind::Ident:
      os << "Ident '" << llvm::cast<IdentExpr>(e).name << "'";
      dumpType(e);
      endLine(e.getLoc());
      return;
    case Expr::Kind::Call: {
      const auto &call = llvm::cast<CallExpr>(e);
      os << "Call '" << call.callee << "'";
      if (call.block)
        os << " (block)";
      dumpType(e);
      endLine(e.getLoc());
      for (const ExprPtr &arg : call.args)
        dumpExpr(*arg, depth + 1);
      for (const KeywordArg &kw : call.kwargs) {
        indent(depth + 1);
        os << "Keyword '" << kw.name << "'";
        endLine(kw.loc);
        dumpExpr(*kw.value, depth + 2);
      }
      return;
    }
    case Expr::Kind::Binary: {
      const auto &bin = llvm::cast<BinaryExpr>(e);
      os << "Binary '" << BinaryExpr::spelling(bin.op) << "'";
      dumpType(e);
      endLine(e.getLoc());
      dumpExpr(*bin.lhs, depth + 1);
      dumpExpr(*bin.rhs, depth + 1);
      return;
    }
    case Expr::Kind::Unary:
      os << "Unary '-'";
      dumpType(e);
      endLine(e.getLoc());
      dumpExpr(*llvm::cast<UnaryExpr>(e).operand, depth + 1);
      return;
    case Expr::Kind::Transpose:
      os << "Transpose";
      dumpType(e);
      endLine(e.getLoc());
      dumpExpr(*llvm::cast<TransposeExpr>(e).operand, depth + 1);
      return;
    case Expr::Kind::Conditional: {
      const auto &c = llvm::cast<ConditionalExpr>(e);
      os << "Conditional";
      if (c.chosen)
        os << (c.chosen == c.thenExpr.get() ? " (then)" : " (else)");
      dumpType(e);
      endLine(e.getLoc());
      dumpExpr(*c.cond, depth + 1);
      dumpExpr(*c.thenExpr, depth + 1);
      dumpExpr(*c.elseExpr, depth + 1);
      return;
    }
    case Expr::Kind::Repeat: {
      const auto &r = llvm::cast<RepeatExpr>(e);
      os << "Repeat '" << r.block << "'";
      dumpType(e);
      endLine(e.getLoc());
      dumpExpr(*r.count, depth + 1);
      for (const ExprPtr &arg : r.args)
        dumpExpr(*arg, depth + 1);
      return;
    }
    }
  }
};

} // namespace

void attnc::dumpAST(const Model &model, const llvm::SourceMgr &sourceMgr,
                    llvm::raw_ostream &os) {
  Dumper(sourceMgr, os).dumpModel(model);
}
