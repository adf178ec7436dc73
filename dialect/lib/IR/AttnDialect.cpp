//===- AttnDialect.cpp - The attn dialect ---------------------------------===//
#include "attnc/Dialect/Attn/IR/AttnDialect.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"

using namespace mlir;
using namespace attnc::attn;

#include "attnc/Dialect/Attn/IR/AttnOpsDialect.cpp.inc"

void AttnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "attnc/Dialect/Attn/IR/AttnOps.cpp.inc"
      >();
}
