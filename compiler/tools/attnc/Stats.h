//===- Stats.h - attnc compile --stats: a model's datasheet -----*- C++ -*-===//
//
//   attnc compile model.attn --stats [-D ...] [--stats-seq S] [--stats-batch B]
//
// Parameters and weight bytes; FLOPs per token of the contractions (linear,
// matmul, attention) counted on the attn graph after the graph passes;
// activation memory as the arena attnc-plan-memory lays out for the forward
// pass (a polynomial in the dims, and its value); KV-cache bytes per token.
// Dims named like "batch" take B, every other dim S.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_STATS_H
#define ATTNC_TOOLS_ATTNC_STATS_H

#include "attnc/Analysis/ModelCost.h"

#include "llvm/Support/raw_ostream.h"

namespace attnc {

/// Prints the datasheet of a model from its cost and the manifest its
/// compiled entries carry. Returns false (with a message) if the manifest
/// is unreadable.
bool printModelStats(const ModelCost &cost, llvm::StringRef manifestJson,
                     int64_t batch, int64_t seq, llvm::raw_ostream &os);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_STATS_H
