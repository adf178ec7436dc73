//===- ModelOps.cpp - Lower normalization, activation, embedding ops ------===//
#include "LoweringUtils.h"
#include "Patterns.h"

#include "attnc/Dialect/Attn/IR/AttnOps.h"

using namespace mlir;
using namespace attnc;
using namespace attnc::lowering;

void attnc::populateAttnModelOpLoweringPatterns(RewritePatternSet &patterns) {}
