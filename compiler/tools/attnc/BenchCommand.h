//===- BenchCommand.h - The `attnc bench` subcommand ------------*- C++ -*-===//
//
//   attnc bench model.so [--weights FILE_OR_DIR] --dim seq=512 [--dim batch=1]
//       [--threads N] [--runs R] [--warmup W] [--decode CONTEXT] [--json]
//
// Times a compiled model through the runtime (bench/ModelBench.h): the first
// call after loading on its own (cold), then the median and spread of the
// timed calls after the warm-up, and tokens per second.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_BENCHCOMMAND_H
#define ATTNC_TOOLS_ATTNC_BENCHCOMMAND_H

#include "llvm/Support/CommandLine.h"

namespace attnc {

extern llvm::cl::SubCommand benchSubCommand;

/// Call after llvm::cl::ParseCommandLineOptions when benchSubCommand is
/// active. Returns the process exit code.
int benchCommandMain();

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_BENCHCOMMAND_H
