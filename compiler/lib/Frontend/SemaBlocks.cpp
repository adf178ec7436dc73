//===- SemaBlocks.cpp - Blocks, their calls, and repeat -------------------===//
//
// A block is checked once, at its first use, with the argument types that
// use passes; every later use must pass the same types and gets the same
// result type, so that the checked body is valid for all of them (MLIRGen
// emits the body once per call, or once inside the loop of a repeat). A
// block nothing uses is checked at the end with its arguments unknown, which
// still finds the mistakes that do not depend on them.
//
// Whether a parameter is per layer (`{i}` in its tensor name) is settled
// after the whole model, when every use of its block is known.
//
//===----------------------------------------------------------------------===//

#include "SemaImpl.h"

#include "Builtins.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/SaveAndRestore.h"

#include <algorithm>
#include <utility>

using namespace attnc;
using namespace attnc::ast;
using namespace attnc::sema;
using llvm::SMLoc;
using llvm::Twine;

static std::string arguments(size_t n) {
  return std::to_string(n) + (n == 1 ? " argument" : " arguments");
}

void Sema::declareBlock(BlockDecl &block) {
  if (isBuiltin(block.name)) {
    error(block.nameLoc,
          "block '" + block.name + "' has the name of a builtin function");
    return;
  }
  declare(block);
  auto info = std::make_unique<BlockInfo>();
  info->decl = &block;
  // What the block sees of the model: the constants, dims, parameters and
  // blocks declared so far, itself included (so that a recursive call is
  // reported as such).
  for (llvm::StringRef name : modelScope.order) {
    const Decl *d = modelScope.names.lookup(name);
    if (llvm::isa<ConstDecl, DimDecl, ParamDecl, BlockDecl>(d)) {
      auto it = info->outer.names.try_emplace(name, d).first;
      info->outer.order.push_back(it->getKey());
    }
  }
  info->inner.parent = &info->outer;
  info->inner.block = &block;
  for (const auto &arg : block.args)
    info->inner.all.try_emplace(arg->name, arg.get());
  for (const DeclPtr &d : block.body)
    info->inner.all.try_emplace(d->name, d.get());

  llvm::SaveAndRestore<Scope *> inBlock(scope, &info->inner);
  for (const auto &arg : block.args)
    declare(*arg);
  blocks[&block] = std::move(info);
}

std::optional<TensorType> Sema::useBlock(BlockInfo &info,
                                         llvm::ArrayRef<ExprPtr> args,
                                         SMLoc loc, bool argsOk) {
  BlockDecl &block = *info.decl;
  if (!inUnusedBlock)
    info.anyUse = true;
  if (args.size() != block.args.size()) {
    error(loc, "block '" + block.name + "' takes " +
                   arguments(block.args.size()) + ", got " +
                   Twine(args.size()));
    diag.note(block.nameLoc, "'" + block.name + "' is declared here");
    return std::nullopt;
  }
  if (!argsOk)
    return std::nullopt;
  bool ok = true;
  for (auto [arg, param] : llvm::zip(args, block.args))
    if (!arg->tensorType)
      ok = error(startOf(*arg), "argument '" + param->name + "' of block '" +
                                    block.name + "' must be a tensor, got " +
                                    describeValue(*arg));
  if (!ok)
    return std::nullopt;
  if (!inUnusedBlock)
    block.used = true;

  switch (info.state) {
  case BlockInfo::State::Checking:
    error(loc, "block '" + block.name +
                   "' uses itself; blocks cannot be recursive");
    return std::nullopt;
  case BlockInfo::State::Failed:
    return std::nullopt;
  case BlockInfo::State::Unchecked: {
    // Each nested use checks a body inside the caller's; bound the chain so
    // that a hostile model cannot exhaust the stack.
    if (checkingDepth >= kMaxBlockNesting) {
      error(loc, "blocks nested too deeply: more than " +
                     Twine(kMaxBlockNesting) +
                     " blocks use one another in a chain");
      return std::nullopt;
    }
    for (auto [arg, param] : llvm::zip(args, block.args)) {
      param->type = arg->tensorType;
      info.firstArgLocs.push_back(startOf(*arg));
    }
    info.state = BlockInfo::State::Checking;
    uint64_t callerSize = std::exchange(inlinedSize, 0);
    bool bodyOk = checkBlockBody(info);
    info.size = std::exchange(inlinedSize, callerSize);
    info.state =
        bodyOk ? BlockInfo::State::Checked : BlockInfo::State::Failed;
    if (!bodyOk)
      return std::nullopt;
    return info.result;
  }
  case BlockInfo::State::Checked:
    for (size_t i = 0; i < args.size(); ++i) {
      const TensorType &given = *args[i]->tensorType;
      const TensorType &first = *block.args[i]->type;
      if (given == first)
        continue;
      ok = error(startOf(*args[i]),
                 "argument '" + block.args[i]->name + "' of block '" +
                     block.name + "' is " + given.str() + " here but " +
                     first.str() +
                     " in its first use; every use of a block passes the "
                     "same types");
      diag.note(info.firstArgLocs[i], "first used here with " + first.str());
    }
    if (!ok)
      return std::nullopt;
    return info.result;
  }
  llvm_unreachable("all block states handled");
}

bool Sema::checkBlockBody(BlockInfo &info) {
  BlockDecl &block = *info.decl;
  llvm::SaveAndRestore<Scope *> inBlock(scope, &info.inner);
  llvm::SaveAndRestore<unsigned> depth(checkingDepth, checkingDepth + 1);
  for (const DeclPtr &d : block.body)
    checkDecl(*d);
  if (!check(*block.result))
    return false;
  if (!block.result->tensorType)
    return error(startOf(*block.result), "block '" + block.name +
                                             "' must return a tensor, got " +
                                             describeValue(*block.result));
  info.result = block.result->tensorType;
  return true;
}

bool Sema::checkBlockCall(CallExpr &e, BlockInfo &info, bool argsOk) {
  e.block = info.decl;
  if (!inUnusedBlock)
    info.anyUse = true;
  if (!e.kwargs.empty())
    return error(e.kwargs.front().loc,
                 "block '" + e.callee + "' takes its arguments by position; '" +
                     e.kwargs.front().name + "' is a keyword argument");
  if (!inUnusedBlock && !info.firstDirectCall.isValid())
    info.firstDirectCall = e.getLoc();
  std::optional<TensorType> result =
      useBlock(info, e.args, e.getLoc(), argsOk);
  if (!result)
    return false;
  inlinedSize = std::min(inlinedSize + info.size, kMaxInlinedSize);
  e.tensorType = std::move(result);
  return true;
}

bool Sema::checkRepeat(RepeatExpr &e) {
  std::optional<int64_t> count;
  if (check(*e.count)) {
    const Expr &n = *e.count;
    if (!n.scalar)
      error(startOf(n),
            "repeat count must be a constant, got " + describeValue(n));
    else if (!n.scalar->isInteger)
      error(startOf(n),
            "repeat count must be an integer, got " + formatScalar(*n.scalar));
    else if (n.scalar->asInt() < 1)
      error(startOf(n), "repeat count must be at least 1, got " +
                            formatScalar(*n.scalar));
    else
      count = n.scalar->asInt();
  }
  bool argsOk = true;
  for (ExprPtr &arg : e.args)
    argsOk = check(*arg) && argsOk;

  const Decl *decl = scope->lookup(e.block);
  const auto *block = llvm::dyn_cast_or_null<BlockDecl>(decl);
  if (!block) {
    if (decl)
      error(e.blockLoc,
            "'" + e.block + "' is not a block; 'repeat' applies a block");
    else if (isBuiltin(e.block))
      error(e.blockLoc, "'" + e.block +
                            "' is a builtin function, not a block; 'repeat' "
                            "applies a block");
    else
      reportUnknownName(e.block, e.blockLoc, "no block named '" + e.block + "'",
                        {}, /*blocksOnly=*/true);
    return false;
  }
  BlockInfo &info = infoOf(*block);
  e.decl = block;
  if (!inUnusedBlock)
    info.anyUse = info.anyRepeat = true;
  if (block->args.empty())
    return error(e.blockLoc, "block '" + block->name +
                                 "' takes no arguments; 'repeat' passes each "
                                 "layer's result to the next as its first "
                                 "argument");
  std::optional<TensorType> result = useBlock(info, e.args, e.blockLoc, argsOk);
  if (!result || !count)
    return false;

  const TensorType &x = *e.args[0]->tensorType;
  if (*result != x)
    return error(e.getLoc(), "repeat: block '" + block->name + "' returns " +
                                 result->str() + " but its first argument '" +
                                 block->args[0]->name + "' is " + x.str() +
                                 "; repeat feeds each result back as the "
                                 "first argument");
  if (!info.firstRepeatCount.isValid()) {
    info.firstRepeatCount = startOf(*e.count);
    info.decl->repeatCount = *count;
  } else if (info.decl->repeatCount != *count) {
    error(startOf(*e.count),
          "block '" + block->name + "' is repeated " + Twine(*count) +
              " times here but " + Twine(info.decl->repeatCount) +
              " times before; every repeat of a block uses the same count "
              "(its per-layer parameters are one stack)");
    diag.note(info.firstRepeatCount, "first repeated here");
    return false;
  }
  // One loop: the body is emitted once, whatever the count.
  inlinedSize = std::min(inlinedSize + info.size, kMaxInlinedSize);
  e.resolvedCount = *count;
  e.tensorType = *result;
  return true;
}

void Sema::finishBlocks() {
  for (const DeclPtr &d : model.decls) {
    auto *block = llvm::dyn_cast<BlockDecl>(d.get());
    if (!block || !blocks.count(block))
      continue;
    BlockInfo &info = infoOf(*block);
    if (info.state != BlockInfo::State::Unchecked)
      continue;
    if (!info.anyUse)
      diag.warning(block->nameLoc,
                   "block '" + block->name + "' is never used");
    for (const auto &arg : block->args)
      poisoned.insert(arg.get());
    llvm::SaveAndRestore<bool> unused(inUnusedBlock, true);
    // Nothing of an unused block is emitted.
    llvm::SaveAndRestore<uint64_t> size(inlinedSize);
    info.state = BlockInfo::State::Checking;
    info.state = checkBlockBody(info) ? BlockInfo::State::Checked
                                      : BlockInfo::State::Failed;
  }

  for (const DeclPtr &d : model.decls) {
    auto *block = llvm::dyn_cast<BlockDecl>(d.get());
    if (!block || !block->used)
      continue;
    BlockInfo &info = infoOf(*block);
    bool reported = false;
    for (const DeclPtr &bd : block->body) {
      auto *param = llvm::dyn_cast<ParamDecl>(bd.get());
      if (!param || !layerIndexLocs.count(param))
        continue;
      SMLoc layerIndex = layerIndexLocs.lookup(param);
      if (block->repeatCount == 0) {
        // A repeat that failed to check has been reported already.
        if (info.anyRepeat)
          continue;
        error(layerIndex, "'{i}' (the layer index) is only allowed in a "
                           "block used by 'repeat'; block '" +
                               block->name + "' is only called directly");
        diag.note(info.firstDirectCall, "called here");
      } else if (info.firstDirectCall.isValid()) {
        if (!reported)
          error(info.firstDirectCall,
                "block '" + block->name +
                    "' has per-layer parameters and can only be used "
                    "through 'repeat'");
        if (!reported)
          diag.note(layerIndex, "'" + param->name +
                                     "' is per layer: its tensor name has "
                                     "'{i}'");
        reported = true;
      } else {
        param->perLayer = true;
      }
    }
  }
}
