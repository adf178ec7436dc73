//===- TokenizerJsonReader.h - Reading tokenizer.json's parts ---*- C++ -*-===//
//
// Every setting that would change the tokens and that we do not implement
// is rejected by name, so that a tokenizer is either reproduced exactly or
// refused. Problems are collected, so that a file's problems show at once.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_TOKENIZERJSONREADER_H
#define ATTNC_RUNTIME_LIB_TOKENIZERJSONREADER_H

#include "Support.h"
#include "TokenizerDescription.h"

#include <nlohmann/json.hpp>

#include <string>

namespace attnc::rt {

class TokenizerJsonReader {
public:
  using json = nlohmann::json;

  explicit TokenizerJsonReader(std::string path) : path(std::move(path)) {}

  Expected<TokenizerDescription> read(const json &root);

  // The parts (TokenizerJsonParts.cpp); a null or absent part is no steps.
  void readNormalizer(const json &value, std::vector<NormalizerStep> &steps);
  void readPreTokenizer(const json &value,
                        std::vector<PreTokenizerStep> &steps);
  void readDecoder(const json &value, std::vector<DecoderStep> &steps);
  void readPostProcessor(const json &value, TokenizerDescription &description);

  // Helpers.
  static std::string describe(const json &value);
  void problem(const std::string &message);
  /// "<path>: unsupported <what> '<name>' (supported: <supported>)".
  void unsupported(const std::string &what, const std::string &name,
                   const char *supported);
  /// `object[key]` if present and of `type` ("object", "array", "string",
  /// "boolean", "number"); a present value of another type is a problem.
  const json *member(const json &object, const char *key, const char *type);
  bool flag(const json &object, const char *key, bool fallback);
  std::string text(const json &object, const char *key,
                   const std::string &fallback);
  /// A non-negative integer, at most `max`.
  int64_t count(const json &object, const char *key, int64_t fallback,
                int64_t max);
  /// The "type" of a part, or its JSON text if it has none.
  static std::string typeOf(const json &object);
  /// A {"String": s} or {"Regex": r} pattern, compiled.
  std::shared_ptr<const Regex> pattern(const json &object, const char *key);

private:
  void readModel(const json &model);
  void readBpe(const json &model);
  void readWordPiece(const json &model);
  void readVocab(const json &model);
  void readMerge(const json &merge);
  void readAddedTokens(const json &root);

  std::string path;
  TokenizerDescription description;
  ErrorList errors;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_TOKENIZERJSONREADER_H
