//===- AST.h - Abstract syntax tree of the attn DSL -------------*- C++ -*-===//
//
// The parser builds this tree; Sema checks it and annotates every expression
// with its type (a folded scalar or a tensor shape); MLIRGen reads the checked
// tree. Every node records the source position of its first character as an
// SMLoc pointing into the SourceMgr buffer it was parsed from, so diagnostics
// at any later stage can point back at the .attn text.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTEND_AST_H
#define ATTNC_FRONTEND_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attnc::ast {

//===----------------------------------------------------------------------===//
// Types (filled in by Sema)
//===----------------------------------------------------------------------===//

/// One tensor dimension: a static size, or a named dynamic dimension declared
/// with `dim` (such as `batch` or `seq`), whose size is known only at run time.
struct Dim {
  int64_t size = -1;  // >= 0 when static
  std::string symbol; // non-empty when dynamic

  static Dim fixed(int64_t n) { return Dim{n, {}}; }
  static Dim dynamic(std::string name) { return Dim{-1, std::move(name)}; }
  bool isStatic() const { return symbol.empty(); }
  bool operator==(const Dim &o) const {
    return size == o.size && symbol == o.symbol;
  }
  bool operator!=(const Dim &o) const { return !(*this == o); }
  std::string str() const {
    return isStatic() ? std::to_string(size) : symbol;
  }
};

enum class ElementType { F32, I32, I64 };
llvm::StringRef stringifyElementType(ElementType t);

/// What a parameter's elements are kept in. A bf16 or f16 parameter holds
/// f32 values for every rule of the language (ElementType::F32); only
/// linear() weights and embedding() tables may read it (Sema checks, see
/// TensorType::storage).
enum class StorageType { F32, BF16, F16 };
llvm::StringRef stringifyStorageType(StorageType t);

/// A compile-time scalar: constants and scalar arithmetic on them fold to this.
struct Scalar {
  double value = 0;
  bool isInteger = false;
  int64_t asInt() const { return static_cast<int64_t>(value); }
};

/// `8` for an integer, the shortest round-tripping form for a float, always
/// with a '.' or an exponent so that it reads as one: `0.125`, `2.0`, `1e-05`;
/// whole floats are written out: `500000.0`.
std::string formatScalar(const Scalar &s);

class ParamDecl;

struct TensorType {
  ElementType elementType = ElementType::F32;
  std::vector<Dim> shape;
  /// bf16 or f16 for a value that is a narrow `param` itself: its type, and
  /// every name bound to it (a `let`, a block argument). Computed values are
  /// F32. Only a linear() weight or an embedding() table accepts a narrow one.
  StorageType storage = StorageType::F32;
  /// The narrow parameter such a value reads, for messages.
  const ParamDecl *storedParam = nullptr;
  size_t rank() const { return shape.size(); }
  std::string str() const; // "f32[batch, seq, 64]", "bf16[vocab, 768]"
  bool operator==(const TensorType &o) const {
    return elementType == o.elementType && storage == o.storage &&
           shape == o.shape;
  }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
};

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

class Expr {
public:
  enum class Kind {
    Number,
    Ident,
    Call,
    Binary,
    Unary,
    Transpose,
    Conditional,
    Repeat
  };

  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
  virtual ~Expr() = default;

  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }

  // Exactly one of these is set by Sema on every expression it accepts.
  // (A dim name used as a whole dimension of a TypeSpec is the exception:
  // it has neither, only IdentExpr::decl; the branch of a ConditionalExpr
  // that was not taken is not checked at all.)
  std::optional<Scalar> scalar;
  std::optional<TensorType> tensorType;

private:
  Kind kind;
  llvm::SMLoc loc;
};
using ExprPtr = std::unique_ptr<Expr>;

/// `42`, `1e-5`, `0.125`. Integer literals have no '.', 'e' or 'E'.
class NumberExpr : public Expr {
public:
  NumberExpr(llvm::SMLoc loc, double value, bool isInteger)
      : Expr(Kind::Number, loc), value(value), isInteger(isInteger) {}
  double value;
  bool isInteger;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Number; }
};

/// A reference to a constant, dim, input, param or let-bound value.
class Decl;
class IdentExpr : public Expr {
public:
  IdentExpr(llvm::SMLoc loc, std::string name)
      : Expr(Kind::Ident, loc), name(std::move(name)) {}
  std::string name;
  /// Set by Sema: the declaration this name refers to.
  const Decl *decl = nullptr;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Ident; }
};

/// `name = value` inside a call's argument list.
struct KeywordArg {
  llvm::SMLoc loc; // of the keyword
  std::string name;
  ExprPtr value;
};

/// What MLIRGen builds for a builtin call: each row of the builtin table
/// (Frontend/Builtins.cpp) names its kind, so that a builtin's name is
/// written once, in its row. Every activation is `Activation`: MLIRGen
/// builds the attn op of the builtin's name (Attn_ActivationOp).
enum class BuiltinKind : uint8_t {
  None, // a block call, or a call Sema has not checked
  Sqrt, // scalar only: folded by Sema
  Activation,
  Attention,
  CausalMask,
  Concat,
  Embedding,
  LayerNorm,
  Linear,
  Max,
  Mean,
  MergeHeads,
  PaddingMask,
  Patches,
  Permute,
  Positions,
  RepeatKV,
  Reshape,
  RMSNorm,
  Rope,
  Select,
  Sinusoidal,
  Slice,
  Softmax,
  SplitHeads,
  Sum,
  Swiglu,
  Transpose,
};

/// `callee(arg, ..., key = value, ...)`; positional arguments come first.
class BlockDecl;
class CallExpr : public Expr {
public:
  CallExpr(llvm::SMLoc loc, std::string callee)
      : Expr(Kind::Call, loc), callee(std::move(callee)) {}
  std::string callee;
  std::vector<ExprPtr> args;
  std::vector<KeywordArg> kwargs;
  /// Set by Sema when the callee is a block rather than a builtin.
  const BlockDecl *block = nullptr;
  /// Set by Sema when the callee is a builtin: its row's kind.
  BuiltinKind builtin = BuiltinKind::None;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Call; }
};

/// Binary operators, by increasing precedence:
///   `==` `!=` `<` `<=` `>` `>=` (scalars only)  <  `+` `-`  <  `*` `/` `%` `@`
/// All are left associative. `@` is matrix multiplication. Like
/// TransposeExpr, loc is that of the operator, where shape errors point.
class BinaryExpr : public Expr {
public:
  enum class Op { Add, Sub, Mul, Div, Mod, MatMul, Eq, Ne, Lt, Le, Gt, Ge };
  BinaryExpr(llvm::SMLoc loc, Op op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, loc), op(op), lhs(std::move(lhs)),
        rhs(std::move(rhs)) {}
  Op op;
  ExprPtr lhs, rhs;
  static llvm::StringRef spelling(Op op);
  static bool classof(const Expr *e) { return e->getKind() == Kind::Binary; }
};

/// Prefix `-x`.
class UnaryExpr : public Expr {
public:
  UnaryExpr(llvm::SMLoc loc, ExprPtr operand)
      : Expr(Kind::Unary, loc), operand(std::move(operand)) {}
  ExprPtr operand;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Unary; }
};

/// Postfix `x^T`: swaps the last two dimensions. Binds tighter than any
/// binary operator; loc is that of the `^`.
class TransposeExpr : public Expr {
public:
  TransposeExpr(llvm::SMLoc loc, ExprPtr operand)
      : Expr(Kind::Transpose, loc), operand(std::move(operand)) {}
  ExprPtr operand;
  static bool classof(const Expr *e) {
    return e->getKind() == Kind::Transpose;
  }
};

/// `cond ? a : b` with a compile-time scalar condition; only the chosen branch
/// is checked and generated (like `if constexpr`). Lowest precedence, right
/// associative; loc is that of the `?`.
class ConditionalExpr : public Expr {
public:
  ConditionalExpr(llvm::SMLoc loc, ExprPtr cond, ExprPtr thenExpr,
                  ExprPtr elseExpr)
      : Expr(Kind::Conditional, loc), cond(std::move(cond)),
        thenExpr(std::move(thenExpr)), elseExpr(std::move(elseExpr)) {}
  ExprPtr cond, thenExpr, elseExpr;
  /// Set by Sema: the branch that was taken.
  Expr *chosen = nullptr;
  static bool classof(const Expr *e) {
    return e->getKind() == Kind::Conditional;
  }
};

/// `repeat count block(x, rest...)`: applies the block `count` times, feeding
/// each result back as `x`; `rest` is the same for every layer. loc is that
/// of the `repeat` keyword.
class RepeatExpr : public Expr {
public:
  RepeatExpr(llvm::SMLoc loc, ExprPtr count, std::string block,
             llvm::SMLoc blockLoc)
      : Expr(Kind::Repeat, loc), count(std::move(count)),
        block(std::move(block)), blockLoc(blockLoc) {}
  ExprPtr count;
  std::string block;
  llvm::SMLoc blockLoc;
  std::vector<ExprPtr> args;
  /// Set by Sema.
  const BlockDecl *decl = nullptr;
  int64_t resolvedCount = 0;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Repeat; }
};

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

class Decl {
public:
  enum class Kind { Const, Dim, Input, Param, Let, Output, Require, Block, BlockArg };
  Decl(Kind kind, llvm::SMLoc loc, std::string name, llvm::SMLoc nameLoc)
      : kind(kind), loc(loc), name(std::move(name)), nameLoc(nameLoc) {}
  virtual ~Decl() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; } // of the keyword
  Kind kind;
  llvm::SMLoc loc;
  std::string name;
  llvm::SMLoc nameLoc;
};
using DeclPtr = std::unique_ptr<Decl>;

/// `const name = expr` (a compile-time scalar; `-D name=value` overrides it).
class ConstDecl : public Decl {
public:
  ConstDecl(llvm::SMLoc loc, std::string name, llvm::SMLoc nameLoc,
            ExprPtr value)
      : Decl(Kind::Const, loc, std::move(name), nameLoc),
        value(std::move(value)) {}
  ExprPtr value;
  /// Set by Sema: the final value, after overrides.
  std::optional<Scalar> resolved;
  bool overridden = false;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Const; }
};

/// `dim batch, seq` declares dynamic dimension names. The parser creates one
/// DimDecl per name (loc = the `dim` keyword, nameLoc = the name).
class DimDecl : public Decl {
public:
  DimDecl(llvm::SMLoc loc, std::string name, llvm::SMLoc nameLoc)
      : Decl(Kind::Dim, loc, std::move(name), nameLoc) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Dim; }
};

/// `f32[batch, seq, d_model]` as written; Sema resolves it.
struct TypeSpec {
  llvm::SMLoc loc;
  std::string elementType; // "f32", "i32", "i64"; parameters also "bf16",
                           // "f16" (validated by Sema)
  std::vector<ExprPtr> dims;
  /// Set by Sema.
  std::optional<TensorType> resolved;
};

/// `input name : type [= default]`; with a default the input is optional
/// (the runtime fills it with that value when the caller omits it).
class InputDecl : public Decl {
public:
  InputDecl(llvm::SMLoc loc, std::string name, llvm::SMLoc nameLoc,
            TypeSpec type)
      : Decl(Kind::Input, loc, std::move(name), nameLoc),
        type(std::move(type)) {}
  TypeSpec type;
  ExprPtr defaultValue; // null when the input is required
  /// Set by Sema when defaultValue is present.
  std::optional<Scalar> resolvedDefault;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Input; }
};

/// How a 2-D weight is stored in the checkpoint.
enum class WeightLayout { OutIn, InOut };

/// A checkpoint tensor name as written in `from "..."` or `else "..."`; loc
/// is that of the opening quote.
struct TensorSource {
  std::string name;
  llvm::SMLoc loc;
};

/// `param name : type [layout [in, out] | layout [out, in]]
///  [from "tensor" {else "tensor"}]`
/// The checkpoint tensor name defaults to the parameter's name. Each `else`
/// names an alternative the runtime reads when the checkpoint has none of
/// the names before it (a tied parameter: `from "lm_head.weight" else
/// "model.embed_tokens.weight"`). The layout only matters for a 2-D
/// parameter used as a linear() weight; the default is [out, in], as
/// torch.nn.Linear stores it.
class ParamDecl : public Decl {
public:
  ParamDecl(llvm::SMLoc loc, std::string name, llvm::SMLoc nameLoc,
            TypeSpec type)
      : Decl(Kind::Param, loc, std::move(name), nameLoc),
        type(std::move(type)) {}
  TypeSpec type;
  std::optional<std::string> checkpointName;
  llvm::SMLoc checkpointNameLoc;
  /// The `else` alternatives, in the order the runtime tries them.
  std::vector<TensorSource> alternatives;
  std::optional<WeightLayout> layout;
  llvm::SMLoc layoutLoc;
  /// Set by Sema: the block declaring this parameter (null at model scope),
  /// and whether it is per layer (its tensor name has `{i}`; only allowed in
  /// a block that is used by `repeat`).
  const BlockDecl *block = nullptr;
  bool perLayer = false;
  /// Set by Sema from the declared element type.
  StorageType storage = StorageType::F32;
  std::string tensorName() const { return checkpointName.value_or(name); }
  /// tensorName() and then the alternatives.
  std::vector<std::string> tensorSources() const {
    std::vector<std::string> sources{tensorName()};
    for (const TensorSource &a : alternatives)
      sources.push_back(a.name);
    return sources;
  }
  static bool classof(const Decl *d) { return d->getKind() == Kind::Param; }
};

/// `let name = expr`
class LetDecl : public Decl {
public:
  LetDecl(llvm::SMLoc loc, std::string name, llvm::SMLoc nameLoc,
          ExprPtr value)
      : Decl(Kind::Let, loc, std::move(name), nameLoc),
        value(std::move(value)) {}
  ExprPtr value;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Let; }
};

/// `output name = expr`
class OutputDecl : public Decl {
public:
  OutputDecl(llvm::SMLoc loc, std::string name, llvm::SMLoc nameLoc,
             ExprPtr value)
      : Decl(Kind::Output, loc, std::move(name), nameLoc),
        value(std::move(value)) {}
  ExprPtr value;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Output; }
};

/// `require cond, "message"`: a constraint on the constants. name is empty.
class RequireDecl : public Decl {
public:
  RequireDecl(llvm::SMLoc loc, ExprPtr cond, std::string message)
      : Decl(Kind::Require, loc, "", loc), cond(std::move(cond)),
        message(std::move(message)) {}
  ExprPtr cond;
  std::string message;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Require; }
};

/// One argument of a block; loc and nameLoc are the name's position.
class BlockArgDecl : public Decl {
public:
  BlockArgDecl(llvm::SMLoc loc, std::string name)
      : Decl(Kind::BlockArg, loc, std::move(name), loc) {}
  /// Set by Sema: the type every call passes (all calls must agree).
  std::optional<TensorType> type;
  static bool classof(const Decl *d) { return d->getKind() == Kind::BlockArg; }
};

/// `block name(arg, ...) { (const | param | let)* return expr }`
class BlockDecl : public Decl {
public:
  BlockDecl(llvm::SMLoc loc, std::string name, llvm::SMLoc nameLoc)
      : Decl(Kind::Block, loc, std::move(name), nameLoc) {}
  std::vector<std::unique_ptr<BlockArgDecl>> args;
  std::vector<DeclPtr> body; // ConstDecl, ParamDecl, LetDecl
  ExprPtr result;            // the `return` expression
  llvm::SMLoc returnLoc;
  /// Set by Sema: the layer count when the block is used by `repeat` (every
  /// repeat of one block must use the same count), 0 otherwise.
  int64_t repeatCount = 0;
  /// Set by Sema: whether any call or repeat uses the block (the parameters
  /// of unused blocks are not part of the compiled model).
  bool used = false;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Block; }
};

/// `model name { decl* }` — one per file.
struct Model {
  llvm::SMLoc loc;
  std::string name;
  llvm::SMLoc nameLoc;
  std::vector<DeclPtr> decls;
};

} // namespace attnc::ast

#endif // ATTNC_FRONTEND_AST_H
