//===- Patterns.h - Pattern sets of the attn-to-linalg conversion -*- C++ -*-===//
//
// AttnToLinalg.cpp lowers the core ops (projections, products, attention and
// its building blocks); the ops that whole models add (normalization,
// activations, embeddings, positions) live in ModelOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CONVERSION_ATTNTOLINALG_PATTERNS_H
#define ATTNC_CONVERSION_ATTNTOLINALG_PATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace attnc {

void populateAttnModelOpLoweringPatterns(mlir::RewritePatternSet &patterns);
/// patches, concat, select, expand (ImageOps.cpp).
void populateAttnImageOpLoweringPatterns(mlir::RewritePatternSet &patterns);

} // namespace attnc

#endif // ATTNC_CONVERSION_ATTNTOLINALG_PATTERNS_H
