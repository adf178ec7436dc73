//===- ConfigCheck.h - A compiled model against config.json -----*- C++ -*-===//
//
// Models name their constants as the Hugging Face config keys
// (compiler/lib/Frontend/Config.cpp), and the manifest records each
// constant's value, so a checkpoint's config.json can be checked against
// the .so before its weights are bound: a model compiled for other sizes
// or another rope_theta would otherwise fail on a shape, or, worse, run.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_CONFIGCHECK_H
#define ATTNC_TOOLS_ATTNC_CONFIGCHECK_H

#include "attnc/runtime.hpp"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace attnc {

/// The JSON object in the file at `path`; errors name the file.
Expected<llvm::json::Object> readJsonObject(const std::string &path);

/// Fails, one line per key, when a key of `configPath` that names a constant
/// of `model` holds another value (null is skipped), and ends with the
/// `attnc compile ... --config <configArg> -o <modelPath>` line that
/// compiles the model for this config.
Status checkConstantsAgainstConfig(const Model &model,
                                   llvm::StringRef modelPath,
                                   const std::string &configPath,
                                   llvm::StringRef configArg);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_CONFIGCHECK_H
