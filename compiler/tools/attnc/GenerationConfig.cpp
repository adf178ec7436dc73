//===- GenerationConfig.cpp - Hugging Face generation_config.json ---------===//
#include "GenerationConfig.h"
#include "ConfigCheck.h"

#include "llvm/Support/raw_ostream.h"

using namespace attnc;

namespace {

// transformers' GenerationConfig defaults for sampling.
constexpr double kDefaultTemperature = 1.0;
constexpr int64_t kDefaultTopK = 50;
constexpr double kDefaultTopP = 1.0;

/// Reads typed keys of one file; the first wrong type is kept as the error.
class Reader {
public:
  Reader(const llvm::json::Object &object, const std::string &path)
      : object(object), path(path) {}

  template <typename T>
  void read(llvm::StringRef key, std::optional<T> &out, const char *expected) {
    const llvm::json::Value *value = object.get(key);
    if (!value || value->getAsNull())
      return;
    std::optional<T> typed;
    if constexpr (std::is_same_v<T, bool>)
      typed = value->getAsBoolean();
    else if constexpr (std::is_same_v<T, int64_t>)
      typed = value->getAsInteger();
    else
      typed = value->getAsNumber();
    if (typed)
      out = typed;
    else
      fail(key, *value, expected);
  }

  void readIds(llvm::StringRef key, std::vector<int64_t> &out) {
    const llvm::json::Value *value = object.get(key);
    if (!value || value->getAsNull())
      return;
    if (std::optional<int64_t> id = value->getAsInteger()) {
      out.push_back(*id);
      return;
    }
    if (const llvm::json::Array *ids = value->getAsArray()) {
      for (const llvm::json::Value &id : *ids) {
        if (!id.getAsInteger())
          return fail(key, *value, "a token id or a list of token ids");
        out.push_back(*id.getAsInteger());
      }
      return;
    }
    fail(key, *value, "a token id or a list of token ids");
  }

  std::optional<Error> error;

private:
  void fail(llvm::StringRef key, const llvm::json::Value &value,
            const char *expected) {
    if (error)
      return;
    std::string written;
    llvm::raw_string_ostream(written) << value;
    error = Error(ATTNC_ERROR_FORMAT, path + ": '" + key.str() +
                                          "' must be " + expected + ", not " +
                                          written);
  }

  const llvm::json::Object &object;
  const std::string &path;
};

Expected<GenerationConfig> read(const std::string &path, bool tokenIdsOnly) {
  Expected<llvm::json::Object> object = readJsonObject(path);
  if (!object)
    return object.error();
  GenerationConfig config;
  Reader reader(*object, path);
  reader.readIds("eos_token_id", config.eosTokenIds);
  reader.read("bos_token_id", config.bosTokenId, "a token id");
  if (!tokenIdsOnly) {
    reader.read("do_sample", config.doSample, "true or false");
    reader.read("temperature", config.temperature, "a number");
    reader.read("top_p", config.topP, "a number");
    reader.read("repetition_penalty", config.repetitionPenalty, "a number");
    reader.read("top_k", config.topK, "an integer");
    reader.read("max_new_tokens", config.maxNewTokens, "an integer");
    reader.read("max_length", config.maxLength, "an integer");
  }
  if (reader.error)
    return *reader.error;
  return config;
}

} // namespace

attnc_sampler_config GenerationConfig::samplerDefaults() const {
  attnc_sampler_config config;
  attnc_sampler_config_init(&config);
  config.repetition_penalty =
      static_cast<float>(repetitionPenalty.value_or(1.0));
  if (!doSample.value_or(false))
    return config; // greedy: temperature 0
  config.temperature =
      static_cast<float>(temperature.value_or(kDefaultTemperature));
  config.top_k = static_cast<int32_t>(topK.value_or(kDefaultTopK));
  config.top_p = static_cast<float>(topP.value_or(kDefaultTopP));
  return config;
}

Expected<GenerationConfig>
attnc::readGenerationConfig(const std::string &path) {
  return read(path, /*tokenIdsOnly=*/false);
}

Expected<GenerationConfig>
attnc::readTokenIdsFromModelConfig(const std::string &path) {
  return read(path, /*tokenIdsOnly=*/true);
}
