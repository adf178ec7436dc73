//===- QuantizeCommand.h - The `attnc quantize` subcommand ------*- C++ -*-===//
//
//   attnc quantize model.so CHECKPOINT -o out.safetensors
//
// Writes the checkpoint (a safetensors file, a sharded index or a Hugging
// Face model directory) with the weights that a model compiled with
// `--weight-type int8` reads as int8 quantized ahead of time, so that
// loading it does not quantize (attnc_model_quantize_weights; docs/abi.md,
// "int8 weights").
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_QUANTIZECOMMAND_H
#define ATTNC_TOOLS_ATTNC_QUANTIZECOMMAND_H

#include "llvm/Support/CommandLine.h"

namespace attnc {

extern llvm::cl::SubCommand quantizeSubCommand;

/// Call after llvm::cl::ParseCommandLineOptions when quantizeSubCommand is
/// active. Returns the process exit code.
int quantizeCommandMain();

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_QUANTIZECOMMAND_H
