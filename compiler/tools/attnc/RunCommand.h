//===- RunCommand.h - The `attnc run` subcommand ----------------*- C++ -*-===//
//
//   attnc run model.so --weights w.safetensors [--inputs in.safetensors]
//                      [--outputs out.safetensors]
//
// Loads a compiled model through the runtime, checks the weights (a
// safetensors file or a sharded index) against it, runs it once on the
// inputs, and writes or prints the outputs. Inputs with a default may be
// left out of the inputs file.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_RUNCOMMAND_H
#define ATTNC_TOOLS_ATTNC_RUNCOMMAND_H

#include "attnc/runtime.hpp"

#include "llvm/Support/CommandLine.h"

namespace attnc {

extern llvm::cl::SubCommand runSubCommand;

/// Call after llvm::cl::ParseCommandLineOptions when runSubCommand is
/// active. Returns the process exit code.
int runCommandMain();

/// Model::loadWeights, with a progress line on a terminal for a large
/// checkpoint (not with --quiet).
Status loadWeightsWithProgress(Model &model, const std::string &path);

/// `--threads N` of `attnc run` and `attnc generate`: sets the model's thread
/// count when given (else $ATTNC_NUM_THREADS or one per core applies).
Status applyThreadsOption(Model &model);

/// `--profile[=table|json]` of `attnc run` and `attnc generate`: turns the
/// model's profiling on when given; printProfile then prints the report to
/// stderr.
Status applyProfileOption(Model &model);
void printProfile(Model &model);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_RUNCOMMAND_H
