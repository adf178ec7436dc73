//===- generation.hpp - C++ API for tokenizers and the sampler --*- C++ -*-===//
//
// Header-only classes over generation.h, in the style of runtime.hpp: they
// own the C handles and return errors as values.
//
//   attnc::Expected<attnc::Tokenizer> tok = attnc::Tokenizer::open("tokenizer.json");
//   attnc::Expected<std::vector<int64_t>> ids = tok->encode("Hello world");
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_GENERATION_HPP
#define ATTNC_GENERATION_HPP

#include "attnc/generation.h"
#include "attnc/runtime.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnc {

/// Text <-> token ids. Move-only; safe to share between threads.
class Tokenizer {
public:
  /// Token id i is byte i.
  static Expected<Tokenizer> bytes() {
    attnc_tokenizer *handle = nullptr;
    if (attnc_status s = attnc_tokenizer_open_bytes(&handle))
      return Error::fromLastCall(s);
    return Tokenizer(handle);
  }
  /// A Hugging Face tokenizer.json (docs/tokenizers.md).
  static Expected<Tokenizer> open(const std::string &path) {
    attnc_tokenizer *handle = nullptr;
    if (attnc_status s = attnc_tokenizer_open(path.c_str(), &handle))
      return Error::fromLastCall(s);
    return Tokenizer(handle);
  }

  int64_t vocabSize() const { return attnc_tokenizer_vocab_size(get()); }

  /// With the post-processor's special tokens unless `addSpecialTokens` is
  /// false.
  Expected<std::vector<int64_t>> encode(std::string_view text,
                                        bool addSpecialTokens = true) const {
    std::vector<int64_t> ids(text.size() + 4);
    uint32_t flags = addSpecialTokens ? 0 : ATTNC_TOKENIZER_NO_SPECIAL_TOKENS;
    for (;;) {
      size_t count = 0;
      if (attnc_status s = attnc_tokenizer_encode_flags(
              get(), text.data(), text.size(), flags, ids.data(), ids.size(),
              &count))
        return Error::fromLastCall(s);
      bool fitted = count <= ids.size();
      ids.resize(count);
      if (fitted)
        return ids;
    }
  }

  /// `flags`: ATTNC_TOKENIZER_SKIP_SPECIAL_TOKENS, ATTNC_TOKENIZER_CONTINUATION.
  Expected<std::string> decode(const int64_t *ids, size_t count,
                               uint32_t flags = 0) const {
    std::string bytes(count * 8, '\0');
    size_t size = 0;
    for (;;) {
      if (attnc_status s = attnc_tokenizer_decode_flags(
              get(), ids, count, flags, bytes.data(), bytes.size(), &size))
        return Error::fromLastCall(s);
      bool fitted = size <= bytes.size();
      bytes.resize(size);
      if (fitted)
        return bytes;
    }
  }
  Expected<std::string> decode(const std::vector<int64_t> &ids,
                               uint32_t flags = 0) const {
    return decode(ids.data(), ids.size(), flags);
  }

  /// The post-processor's first token (e.g. "<s>"), or -1.
  int64_t bosTokenId() const { return attnc_tokenizer_bos_id(get()); }
  /// The post-processor's last token, else "</s>", "<|end_of_text|>" or
  /// "<|endoftext|>" if an added special token, or -1.
  int64_t eosTokenId() const { return attnc_tokenizer_eos_id(get()); }

  /// The id of a vocabulary spelling or added token, or -1.
  int64_t tokenId(const std::string &token) const {
    return attnc_tokenizer_token_id(get(), token.c_str());
  }
  bool isAddedToken(int64_t id) const {
    return attnc_tokenizer_is_added_token(get(), id) != 0;
  }

  attnc_tokenizer *get() const { return tokenizer.get(); }

private:
  explicit Tokenizer(attnc_tokenizer *handle) : tokenizer(handle) {}

  struct Deleter {
    void operator()(attnc_tokenizer *t) const { attnc_tokenizer_destroy(t); }
  };
  std::unique_ptr<attnc_tokenizer, Deleter> tokenizer;
};

/// Picks next tokens; see attnc_sampler_config. Move-only; one thread at a
/// time.
class Sampler {
public:
  struct Candidate {
    int64_t id;
    double probability;
  };

  static attnc_sampler_config defaultConfig() {
    attnc_sampler_config config;
    attnc_sampler_config_init(&config);
    return config;
  }
  static Expected<Sampler> create(const attnc_sampler_config &config) {
    attnc_sampler *handle = nullptr;
    if (attnc_status s = attnc_sampler_create(&config, &handle))
      return Error::fromLastCall(s);
    return Sampler(handle);
  }

  /// `context`: the ids so far (prompt and generated), for the penalty.
  Expected<int64_t> sample(const float *logits, size_t vocabSize,
                           const std::vector<int64_t> &context) {
    int64_t token = -1;
    if (attnc_status s =
            attnc_sampler_sample(get(), logits, vocabSize, context.data(),
                                 context.size(), &token))
      return Error::fromLastCall(s);
    return token;
  }
  Expected<int64_t> sample(const std::vector<float> &logits,
                           const std::vector<int64_t> &context) {
    return sample(logits.data(), logits.size(), context);
  }

  Expected<std::vector<Candidate>>
  candidates(const std::vector<float> &logits,
             const std::vector<int64_t> &context) const {
    size_t count = 0;
    std::vector<int64_t> ids(logits.size());
    std::vector<double> probabilities(logits.size());
    if (attnc_status s = attnc_sampler_candidates(
            get(), logits.data(), logits.size(), context.data(),
            context.size(), ids.data(), probabilities.data(), ids.size(),
            &count))
      return Error::fromLastCall(s);
    std::vector<Candidate> result;
    for (size_t i = 0; i < count; ++i)
      result.push_back({ids[i], probabilities[i]});
    return result;
  }

  attnc_sampler *get() const { return sampler.get(); }

private:
  explicit Sampler(attnc_sampler *handle) : sampler(handle) {}

  struct Deleter {
    void operator()(attnc_sampler *s) const { attnc_sampler_destroy(s); }
  };
  std::unique_ptr<attnc_sampler, Deleter> sampler;
};

} // namespace attnc

#endif // ATTNC_GENERATION_HPP
