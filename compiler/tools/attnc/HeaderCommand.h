//===- HeaderCommand.h - The `attnc header` subcommand ----------*- C++ -*-===//
//
//   attnc header model.so -o model.h [--class NAME]
//
// Reads a compiled model's manifest through the runtime and writes a C++
// header with a typed wrapper over runtime.hpp: the model's constants as
// constexprs, its parameters as types, structs of typed tensor views for its
// inputs and outputs, and a class that opens the model, checks that it is
// the one the header was generated from (by fingerprint), and runs it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_HEADERCOMMAND_H
#define ATTNC_TOOLS_ATTNC_HEADERCOMMAND_H

#include "llvm/Support/CommandLine.h"

namespace attnc {

extern llvm::cl::SubCommand headerSubCommand;

/// Call after llvm::cl::ParseCommandLineOptions when headerSubCommand is
/// active. Returns the process exit code.
int headerCommandMain();

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_HEADERCOMMAND_H
