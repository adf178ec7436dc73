//===- DryRun.h - `--dry-run` of attnc run and attnc generate ---*- C++ -*-===//
//
// Prints the memory plan of a run or a generation (weights, packs, arena,
// KV cache, outputs, and the limit with its source) without loading weights
// or running anything.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_DRYRUN_H
#define ATTNC_TOOLS_ATTNC_DRYRUN_H

#include "attnc/runtime.hpp"

#include <vector>

namespace attnc {

/// Whether --dry-run was given.
bool dryRunRequested();

/// Prints the plan to stdout. Returns the exit code: 0 when it fits, else 1
/// after the runtime's out-of-memory message on stderr.
int printMemoryPlan(const Model &model, const std::vector<attnc_tensor> &inputs,
                    int64_t kvCapacity);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_DRYRUN_H
