//===- TreeBuilder.cpp - Builds the AST as the grammar runs ---------------===//

#include "TreeBuilder.h"

#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

using namespace attnc;
using namespace attnc::ast;
using namespace attnc::parse;

namespace {

/// Bound the parser's recursion (parentheses, arguments, conditionals) and
/// the height of the tree it builds (which also grows through loops: `-`
/// signs, `^T`, operator chains), so that neither the parser nor the
/// recursive passes after it (Sema, MLIRGen, the destructors) can run out of
/// stack on hostile input.
constexpr unsigned kMaxNesting = 256;
constexpr unsigned kMaxHeight = 1024;

} // namespace

void TreeBuilder::recoverableError(Iter at, const llvm::Twine &message) {
  diag.error(locOf(at), message);
  failed = true;
}

void TreeBuilder::push(ExprPtr e, unsigned height) {
  if (height > kMaxHeight)
    throw SyntaxError{e->getLoc().getPointer(), "expression nested too deeply"};
  operands.push_back({std::move(e), height});
}

TreeBuilder::Operand TreeBuilder::pop() {
  assert(!operands.empty() && "grammar popped an empty operand stack");
  Operand o = std::move(operands.back());
  operands.pop_back();
  return o;
}

void TreeBuilder::enter(Iter at) {
  if (++depth > kMaxNesting)
    throw SyntaxError{at, "expression nested too deeply"};
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

void TreeBuilder::number(Range r) {
  llvm::StringRef text(r.begin(), r.size());
  bool isInteger = text.find_first_of(".eE") == llvm::StringRef::npos;
  double value = 0;
  auto [end, ec] = std::from_chars(r.begin(), r.end(), value);
  if (ec != std::errc() || end != r.end() || !std::isfinite(value)) {
    recoverableError(r.begin(), "number '" + text + "' is out of range");
    value = 0;
  } else if (isInteger && value >= 9223372036854775808.0) {
    // Integers are carried in doubles (Scalar::value); 2^63 - 1 itself
    // rounds up to 2^63, so the bound is on the double.
    recoverableError(r.begin(), "integer literal '" + text + "' is too large");
    value = 0;
  }
  push(std::make_unique<NumberExpr>(locOf(r.begin()), value, isInteger), 1);
}

void TreeBuilder::pushName(Range r) {
  names.emplace_back(std::string(r.begin(), r.end()), r.begin());
}

void TreeBuilder::makeIdent() {
  auto [name, at] = std::move(names.back());
  names.pop_back();
  push(std::make_unique<IdentExpr>(locOf(at), std::move(name)), 1);
}

void TreeBuilder::openCall() {
  auto [name, at] = std::move(names.back());
  names.pop_back();
  calls.push_back({std::make_unique<CallExpr>(locOf(at), std::move(name))});
}

void TreeBuilder::positionalArg() {
  Operand arg = pop();
  CallFrame &frame = calls.back();
  if (frame.sawKeyword)
    recoverableError(arg.expr->getLoc().getPointer(),
                     "positional argument after keyword argument");
  frame.height = std::max(frame.height, arg.height);
  frame.call->args.push_back(std::move(arg.expr));
}

void TreeBuilder::keywordArg() {
  Operand value = pop();
  auto [name, at] = std::move(names.back());
  names.pop_back();
  CallFrame &frame = calls.back();
  frame.sawKeyword = true;
  frame.height = std::max(frame.height, value.height);
  frame.call->kwargs.push_back(
      KeywordArg{locOf(at), std::move(name), std::move(value.expr)});
}

void TreeBuilder::closeCall() {
  CallFrame frame = std::move(calls.back());
  calls.pop_back();
  push(std::move(frame.call), frame.height + 1);
}

void TreeBuilder::closeRepeat() {
  // The block's arguments were collected like a call's.
  CallFrame frame = std::move(calls.back());
  calls.pop_back();
  Operand count = pop();
  Iter at = repeatLocs.back();
  repeatLocs.pop_back();
  CallExpr &call = *frame.call;
  if (!call.kwargs.empty())
    recoverableError(call.kwargs.front().loc.getPointer(),
                     "'repeat' passes arguments by position; '" +
                         call.kwargs.front().name + "' is a keyword argument");
  auto repeat = std::make_unique<RepeatExpr>(
      locOf(at), std::move(count.expr), call.callee, call.getLoc());
  repeat->args = std::move(call.args);
  push(std::move(repeat), std::max(count.height, frame.height) + 1);
}

void TreeBuilder::binary(BinaryExpr::Op op, Iter at) {
  Operand rhs = pop();
  Operand lhs = pop();
  unsigned height = std::max(lhs.height, rhs.height) + 1;
  push(std::make_unique<BinaryExpr>(locOf(at), op, std::move(lhs.expr),
                                    std::move(rhs.expr)),
       height);
}

void TreeBuilder::negate(const std::vector<Range> &minuses) {
  Operand operand = pop();
  // `- - x` is Unary(Unary(x)): wrap from the innermost sign outwards.
  for (auto it = minuses.rbegin(); it != minuses.rend(); ++it) {
    auto e = std::make_unique<UnaryExpr>(locOf(it->begin()),
                                         std::move(operand.expr));
    operand.expr = std::move(e);
    if (++operand.height > kMaxHeight)
      throw SyntaxError{minuses.front().begin(),
                        "expression nested too deeply"};
  }
  operands.push_back(std::move(operand));
}

void TreeBuilder::transpose(Iter at) {
  Operand operand = pop();
  push(std::make_unique<TransposeExpr>(locOf(at), std::move(operand.expr)),
       operand.height + 1);
}

void TreeBuilder::conditional(Iter at) {
  Operand elseExpr = pop();
  Operand thenExpr = pop();
  Operand cond = pop();
  unsigned height =
      std::max({cond.height, thenExpr.height, elseExpr.height}) + 1;
  push(std::make_unique<ConditionalExpr>(locOf(at), std::move(cond.expr),
                                         std::move(thenExpr.expr),
                                         std::move(elseExpr.expr)),
       height);
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

void TreeBuilder::addDecl(DeclPtr decl) {
  if (!block) {
    model->decls.push_back(std::move(decl));
    return;
  }
  if (block->result)
    recoverableError(decl->loc.getPointer(),
                     "'return' must be the last declaration of block '" +
                         block->name + "'");
  block->body.push_back(std::move(decl));
}

void TreeBuilder::declKeyword(Range r) {
  declLoc = r.begin();
  type = TypeSpec();
  inputDefaultValue.reset();
  layout.reset();
  from.reset();
  alternatives.clear();
}

void TreeBuilder::setDeclName(Range r) {
  declName.assign(r.begin(), r.end());
  declNameLoc = r.begin();
}

void TreeBuilder::dimName(Range r) {
  addDecl(std::make_unique<DimDecl>(
      locOf(declLoc), std::string(r.begin(), r.end()), locOf(r.begin())));
}

void TreeBuilder::typeStart(Range r) {
  type.loc = locOf(r.begin());
  type.elementType.assign(r.begin(), r.end());
}

void TreeBuilder::finishInput() {
  auto input = std::make_unique<InputDecl>(locOf(declLoc), declName,
                                           locOf(declNameLoc), std::move(type));
  input->defaultValue = std::move(inputDefaultValue);
  addDecl(std::move(input));
}

void TreeBuilder::finishParam() {
  auto param = std::make_unique<ParamDecl>(locOf(declLoc), declName,
                                           locOf(declNameLoc), std::move(type));
  param->layout = layout;
  if (layout)
    param->layoutLoc = locOf(layoutLoc);
  param->checkpointName = std::move(from);
  if (param->checkpointName)
    param->checkpointNameLoc = locOf(fromLoc);
  param->alternatives = std::move(alternatives);
  addDecl(std::move(param));
}

void TreeBuilder::checkTensorNameText() {
  size_t bad = 0;
  if (!llvm::json::isUTF8(stringText, &bad))
    recoverableError(stringLoc + 1 + bad,
                     "the checkpoint tensor name is not valid UTF-8");
}

void TreeBuilder::strayElse(Iter at) {
  throw SyntaxError{at, "'else' names an alternative to the tensor of a "
                        "'from' clause; write 'from \"<tensor>\" else "
                        "\"<alternative>\"'"};
}

void TreeBuilder::finishRequire() {
  Operand cond = pop();
  addDecl(std::make_unique<RequireDecl>(locOf(declLoc), std::move(cond.expr),
                                        std::move(stringText)));
}

void TreeBuilder::blockName(Range r) {
  auto decl = std::make_unique<BlockDecl>(
      locOf(declLoc), std::string(r.begin(), r.end()), locOf(r.begin()));
  block = decl.get();
  model->decls.push_back(std::move(decl));
}

void TreeBuilder::blockArg(Range r) {
  block->args.push_back(std::make_unique<BlockArgDecl>(
      locOf(r.begin()), std::string(r.begin(), r.end())));
}

void TreeBuilder::openBlock(Iter brace) { blockBraceLoc = brace; }

void TreeBuilder::blockReturn() {
  Operand value = pop();
  if (block->result) {
    recoverableError(declLoc, "block '" + block->name +
                                  "' has more than one 'return'");
    return;
  }
  block->result = std::move(value.expr);
  block->returnLoc = locOf(declLoc);
}

void TreeBuilder::closeBlock(Iter brace) {
  if (!block->result)
    recoverableError(brace, "block '" + block->name +
                                "' must end with 'return <expression>'");
  block = nullptr;
}

void TreeBuilder::modelName(Range r) {
  model->name.assign(r.begin(), r.end());
  model->nameLoc = locOf(r.begin());
}
