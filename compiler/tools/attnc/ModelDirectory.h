//===- ModelDirectory.h - The files of a Hugging Face model dir -*- C++ -*-===//
//
// `attnc generate model.so DIR` and `attnc run model.so DIR` take the
// directory `save_pretrained` writes; this finds its files. Explicit options
// (--weights, --tokenizer, --config, --generation-config) replace the file
// found here, which is then not required.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_MODELDIRECTORY_H
#define ATTNC_TOOLS_ATTNC_MODELDIRECTORY_H

#include "attnc/runtime.hpp"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace attnc {

/// Paths of the files a model directory holds; empty when it has none.
struct ModelFiles {
  std::string dir;
  /// The directory itself (attnc_model_load_weights finds its
  /// model.safetensors or model.safetensors.index.json), or --weights.
  std::string weights;
  std::string tokenizer;        // tokenizer.json
  std::string config;           // config.json
  std::string generationConfig; // generation_config.json
  std::string preprocessorConfig; // preprocessor_config.json (pictures)
};

/// The files of `dir`. Fails when `dir` is not a directory; a missing file
/// leaves its path empty.
Expected<ModelFiles> findModelFiles(llvm::StringRef dir);

/// What the command line says: a directory and/or explicit files (empty
/// when not given).
struct ModelFileOptions {
  std::string dir, weights, tokenizer, config, generationConfig;
  std::string preprocessorConfig;
};

/// The files to use: each explicit option, else the directory's file. Fails
/// when there are no weights; `config` may name a directory (its
/// config.json). `configSource` is then what --config would be given to
/// compile for this config (the option's value, or the directory).
Expected<ModelFiles> resolveModelFiles(const ModelFileOptions &options,
                                       std::string &configSource);

/// The error for a directory without tokenizer.json, when text must be tokenized;
/// `alternative` says how to do without (e.g. "--prompt-tokens").
Error missingTokenizer(llvm::StringRef dir, llvm::StringRef alternative);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_MODELDIRECTORY_H
