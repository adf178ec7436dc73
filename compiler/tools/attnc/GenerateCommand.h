//===- GenerateCommand.h - The `attnc generate` subcommand ------*- C++ -*-===//
//
//   attnc generate model.so --weights w.safetensors --prompt "text"
//       [--tokenizer tokenizer.json] [--prompt-tokens 1,2,3]
//       --max-new-tokens N [--temperature T] [--top-k K] [--top-p P]
//       [--repetition-penalty R] [--seed S] [--stop TOKEN_OR_TEXT]... [--json]
//       [--dump-attention attn.safetensors [--layers L,...] [--heads H,...]]
//
// Generates text with a compiled decoder model (input_ids -> logits): prints
// the prompt and streams the new text as it is produced, then the prefill and
// decode speeds on stderr; or, with --json, one JSON object. With
// --dump-attention (a model compiled with --debug-attention), first writes
// the attention probabilities over the prompt (AttentionDump.h).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_GENERATECOMMAND_H
#define ATTNC_TOOLS_ATTNC_GENERATECOMMAND_H

#include "llvm/Support/CommandLine.h"

namespace attnc {

extern llvm::cl::SubCommand generateSubCommand;

/// Call after llvm::cl::ParseCommandLineOptions when generateSubCommand is
/// active. Returns the process exit code.
int generateCommandMain();

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_GENERATECOMMAND_H
