//===- SemaImpl.h - Name resolution and shape checking ----------*- C++ -*-===//
//
// Internal to Sema: the checker's state, shared by Sema.cpp (declarations,
// overrides, requirements), SemaExpr.cpp (expressions) and SemaBlocks.cpp
// (blocks, calls of blocks, repeat, per-layer parameters).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LIB_FRONTEND_SEMAIMPL_H
#define ATTNC_LIB_FRONTEND_SEMAIMPL_H

#include "attnc/Frontend/Sema.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <cstdint>
#include <memory>
#include <optional>

namespace attnc::sema {

/// The names visible at one point. A block's scope holds its arguments and
/// declarations; its parent is the part of the model the block sees.
struct Scope {
  llvm::StringMap<const ast::Decl *> names;
  /// The same names in declaration order, for deterministic suggestions.
  llvm::SmallVector<llvm::StringRef> order;
  const Scope *parent = nullptr;
  /// The block this scope belongs to; null for the model.
  const ast::BlockDecl *block = nullptr;
  /// Every declaration of this scope, also those not reached yet, to tell a
  /// use before the declaration from a name that does not exist.
  llvm::StringMap<const ast::Decl *> all;

  const ast::Decl *lookup(llvm::StringRef name) const {
    for (const Scope *s = this; s; s = s->parent) {
      auto it = s->names.find(name);
      if (it != s->names.end())
        return it->second;
    }
    return nullptr;
  }
};

class Sema {
public:
  Sema(ast::Model &model, llvm::ArrayRef<ConstOverride> overrides,
       DiagnosticReporter &diag)
      : model(model), overrides(overrides), diag(diag) {}

  bool run();

private:
  ast::Model &model;
  llvm::ArrayRef<ConstOverride> overrides;
  DiagnosticReporter &diag;

  Scope modelScope;
  /// The scope being checked: the model's or a block's.
  Scope *scope = &modelScope;
  /// Declarations whose value or type failed to check; uses fail silently.
  llvm::DenseSet<const ast::Decl *> poisoned;
  /// Valid overrides, by constant name.
  llvm::StringMap<std::pair<const ConstOverride *, ast::Scalar>> overrideValues;
  /// Where `{i}` appears in the tensor name of a block's parameter.
  llvm::DenseMap<const ast::ParamDecl *, llvm::SMLoc> layerIndexLocs;

  /// What Sema learns about a block from its uses.
  struct BlockInfo {
    ast::BlockDecl *decl = nullptr;
    /// The model names the block sees, and the block's own.
    Scope outer, inner;
    enum class State { Unchecked, Checking, Checked, Failed };
    State state = State::Unchecked;
    std::optional<ast::TensorType> result;
    /// The use whose argument types the block was checked with.
    llvm::SmallVector<llvm::SMLoc> firstArgLocs;
    llvm::SMLoc firstDirectCall, firstRepeatCount;
    bool anyUse = false;
    /// Expression nodes one inlined call of the block emits, its callees
    /// included.
    uint64_t size = 0;
    /// Whether a repeat names the block (even one that failed to check).
    bool anyRepeat = false;
  };
  llvm::DenseMap<const ast::BlockDecl *, std::unique_ptr<BlockInfo>> blocks;
  bool requirementFailed = false;
  /// How many block bodies are being checked, one inside the other.
  unsigned checkingDepth = 0;
  static constexpr unsigned kMaxBlockNesting = 64;
  /// Expression nodes checked so far in the current body (or the model),
  /// counting each call of a block as the size of its inlined body: blocks
  /// called directly are inlined, so a chain of blocks that each call the
  /// next twice grows exponentially.
  uint64_t inlinedSize = 0;
  static constexpr uint64_t kMaxInlinedSize = uint64_t(1) << 22;
  /// Set while checking a block that nothing uses: nothing it uses counts as
  /// used.
  bool inUnusedBlock = false;

  bool error(llvm::SMLoc loc, const llvm::Twine &message) {
    diag.error(loc, message);
    return false;
  }

  //===--- Sema.cpp -------------------------------------------------------===//

  void collectOverrides();
  std::string describeOverride(const ConstOverride &o) const;
  void declare(const ast::Decl &decl);
  /// Checks a declaration of the model or of a block body.
  void checkDecl(ast::Decl &decl);
  void checkConst(ast::ConstDecl &c);
  void checkInput(ast::InputDecl &input);
  void checkParam(ast::ParamDecl &param);
  void checkRequire(ast::RequireDecl &r);
  void checkValueDecl(ast::Decl &decl, ast::Expr &value);
  bool resolveType(ast::Decl &owner, ast::TypeSpec &type);
  std::optional<ast::Dim> resolveDim(ast::Expr &dim);
  /// Whether `type`'s static dimensions hold at most 2^60 elements, so that
  /// byte sizes fit in 64 bits wherever they are computed.
  bool checkTensorSize(llvm::SMLoc loc, const ast::TensorType &type);
  /// Checks the `{...}` placeholders of a parameter's tensor names (from
  /// and every else), and that its alternatives are distinct and per layer
  /// exactly when the first name is.
  bool checkTensorName(ast::ParamDecl &param);
  /// Checks one name; `layerIndex` is set to the position of its `{i}`.
  bool checkTensorPattern(const ast::ParamDecl &param,
                          const ast::TensorSource &source,
                          llvm::SMLoc &layerIndex);
  std::optional<bool> staticIsInteger(const ast::Expr &e) const;

  //===--- SemaExpr.cpp ---------------------------------------------------===//

  bool check(ast::Expr &e);
  bool checkExprKind(ast::Expr &e);
  bool checkIdent(ast::IdentExpr &e);
  bool checkCall(ast::CallExpr &e);
  bool checkBinary(ast::BinaryExpr &e);
  bool checkMixed(ast::BinaryExpr &e);
  bool checkUnary(ast::UnaryExpr &e);
  bool checkTranspose(ast::TransposeExpr &e);
  bool checkConditional(ast::ConditionalExpr &e);
  /// Reports a name that the current scope does not hold, saying why:
  /// declared later, not visible from a block, or unknown (with a
  /// suggestion among `extraCandidates` and the scope's names, only its
  /// blocks if `blocksOnly`).
  void reportUnknownName(llvm::StringRef name, llvm::SMLoc loc,
                         const llvm::Twine &message,
                         llvm::ArrayRef<llvm::StringRef> extraCandidates,
                         bool blocksOnly);

  //===--- SemaBlocks.cpp -------------------------------------------------===//

  void declareBlock(ast::BlockDecl &block);
  bool checkRepeat(ast::RepeatExpr &e);
  bool checkBlockCall(ast::CallExpr &e, BlockInfo &info, bool argsOk);
  /// Checks one use (a call or a repeat) of a block with checked arguments;
  /// the first use checks the body. Returns the block's result type.
  std::optional<ast::TensorType> useBlock(BlockInfo &info,
                                          llvm::ArrayRef<ast::ExprPtr> args,
                                          llvm::SMLoc loc, bool argsOk);
  bool checkBlockBody(BlockInfo &info);
  /// After the model: checks blocks nothing used, decides which parameters
  /// are per layer.
  void finishBlocks();
  BlockInfo &infoOf(const ast::BlockDecl &block) { return *blocks[&block]; }
};

} // namespace attnc::sema

#endif // ATTNC_LIB_FRONTEND_SEMAIMPL_H
