//===- ModelDirectory.cpp - The files of a Hugging Face model dir ---------===//
#include "ModelDirectory.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace attnc;

namespace {

constexpr const char *kTokenizer = "tokenizer.json";
constexpr const char *kConfig = "config.json";
constexpr const char *kGenerationConfig = "generation_config.json";
constexpr const char *kPreprocessorConfig = "preprocessor_config.json";

/// dir/name if it is a file, else "".
std::string fileIn(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return llvm::sys::fs::is_regular_file(path) ? std::string(path)
                                              : std::string();
}

} // namespace

Expected<ModelFiles> attnc::findModelFiles(llvm::StringRef dir) {
  if (!llvm::sys::fs::is_directory(dir))
    return Error(ATTNC_ERROR_IO,
                 "'" + dir.str() +
                     "' is not a model directory (expected the directory "
                     "save_pretrained writes)");
  ModelFiles files;
  files.dir = dir.str();
  // The runtime finds the weights file a directory holds (Checkpoint.cpp).
  files.weights = files.dir;
  files.tokenizer = fileIn(dir, kTokenizer);
  files.config = fileIn(dir, kConfig);
  files.generationConfig = fileIn(dir, kGenerationConfig);
  files.preprocessorConfig = fileIn(dir, kPreprocessorConfig);
  return files;
}

Error attnc::missingTokenizer(llvm::StringRef dir,
                              llvm::StringRef alternative) {
  return Error(ATTNC_ERROR_IO, "model directory '" + dir.str() + "' has no " +
                                   kTokenizer + " to tokenize the text: pass " +
                                   "--tokenizer FILE, or " + alternative.str());
}

Expected<ModelFiles>
attnc::resolveModelFiles(const ModelFileOptions &options,
                         std::string &configSource) {
  ModelFiles files;
  if (!options.dir.empty()) {
    Expected<ModelFiles> found = findModelFiles(options.dir);
    if (!found)
      return found.error();
    files = std::move(*found);
  }
  auto override = [](std::string &path, const std::string &option) {
    if (!option.empty())
      path = option;
  };
  override(files.weights, options.weights);
  override(files.tokenizer, options.tokenizer);
  override(files.generationConfig, options.generationConfig);
  override(files.preprocessorConfig, options.preprocessorConfig);
  configSource = options.dir;
  if (!options.config.empty()) {
    configSource = options.config;
    files.config = options.config;
    if (llvm::sys::fs::is_directory(options.config)) {
      llvm::SmallString<256> path(options.config);
      llvm::sys::path::append(path, kConfig);
      files.config = std::string(path);
    }
  }
  if (files.weights.empty())
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "no weights: give a model directory (model.so DIR) or "
                 "--weights FILE");
  return files;
}
