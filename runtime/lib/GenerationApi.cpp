//===- GenerationApi.cpp - The C API of tokenizers and the sampler --------===//
#include "attnc/generation.h"

#include "ApiSupport.h"
#include "Sampler.h"
#include "Tokenizer.h"

#include <algorithm>
#include <cstring>

using attnc::Error;
using attnc::Expected;
using attnc::rt::api::fail;
using attnc::rt::api::guarded;

struct attnc_tokenizer {
  std::unique_ptr<attnc::rt::Tokenizer> tokenizer;
};

struct attnc_sampler {
  attnc::rt::Sampler sampler;
};

namespace {

/// `rule` says which pointers must not be NULL.
attnc_status nullArgument(const char *function, const char *rule) {
  return fail(Error(ATTNC_ERROR_INVALID_ARGUMENT,
                    std::string(function) + ": " + rule));
}

/// snprintf-style output: copies what fits, reports the full count.
template <typename T>
void copyOut(const std::vector<T> &items, T *out, size_t capacity,
             size_t *count) {
  std::copy_n(items.begin(), std::min(capacity, items.size()), out);
  *count = items.size();
}

} // namespace

extern "C" {

attnc_status attnc_tokenizer_open_bytes(attnc_tokenizer **out) {
  if (!out)
    return nullArgument("attnc_tokenizer_open_bytes", "out must not be NULL");
  return guarded([&] {
    *out = new attnc_tokenizer{attnc::rt::createByteTokenizer()};
    return ATTNC_OK;
  });
}

attnc_status attnc_tokenizer_open(const char *tokenizer_json_path,
                                  attnc_tokenizer **out) {
  if (!tokenizer_json_path || !out)
    return nullArgument("attnc_tokenizer_open", "path and out must not be NULL");
  return guarded([&] {
    Expected<std::unique_ptr<attnc::rt::Tokenizer>> tokenizer =
        attnc::rt::loadTokenizerJson(tokenizer_json_path);
    if (!tokenizer)
      return fail(tokenizer.error());
    *out = new attnc_tokenizer{std::move(*tokenizer)};
    return ATTNC_OK;
  });
}

void attnc_tokenizer_destroy(attnc_tokenizer *tokenizer) { delete tokenizer; }

int64_t attnc_tokenizer_vocab_size(const attnc_tokenizer *tokenizer) {
  return tokenizer ? tokenizer->tokenizer->vocabSize() : 0;
}

attnc_status attnc_tokenizer_encode(const attnc_tokenizer *tokenizer,
                                    const char *text, size_t size,
                                    int64_t *ids, size_t capacity,
                                    size_t *count) {
  return attnc_tokenizer_encode_flags(tokenizer, text, size, 0, ids, capacity,
                                      count);
}

attnc_status attnc_tokenizer_encode_flags(const attnc_tokenizer *tokenizer,
                                          const char *text, size_t size,
                                          uint32_t flags, int64_t *ids,
                                          size_t capacity, size_t *count) {
  if (!tokenizer || !count || (size && !text) || (capacity && !ids))
    return nullArgument("attnc_tokenizer_encode",
                        "tokenizer and count must not be NULL, nor text "
                        "when size > 0, nor ids when capacity > 0");
  if (flags & ~uint32_t(ATTNC_TOKENIZER_NO_SPECIAL_TOKENS))
    return fail(Error(ATTNC_ERROR_INVALID_ARGUMENT,
                      "attnc_tokenizer_encode_flags: unknown flags " +
                          std::to_string(flags)));
  return guarded([&] {
    Expected<std::vector<int64_t>> encoded = tokenizer->tokenizer->encode(
        std::string_view(text ? text : "", size),
        !(flags & ATTNC_TOKENIZER_NO_SPECIAL_TOKENS));
    if (!encoded)
      return fail(encoded.error());
    copyOut(*encoded, ids, capacity, count);
    return ATTNC_OK;
  });
}

attnc_status attnc_tokenizer_decode(const attnc_tokenizer *tokenizer,
                                    const int64_t *ids, size_t num_ids,
                                    char *bytes, size_t capacity,
                                    size_t *count) {
  return attnc_tokenizer_decode_flags(tokenizer, ids, num_ids, 0, bytes,
                                      capacity, count);
}

attnc_status attnc_tokenizer_decode_flags(const attnc_tokenizer *tokenizer,
                                          const int64_t *ids, size_t num_ids,
                                          uint32_t flags, char *bytes,
                                          size_t capacity, size_t *count) {
  if (!tokenizer || !count || (num_ids && !ids) || (capacity && !bytes))
    return nullArgument("attnc_tokenizer_decode",
                        "tokenizer and count must not be NULL, nor ids "
                        "when num_ids > 0, nor bytes when capacity > 0");
  if (flags & ~uint32_t(ATTNC_TOKENIZER_SKIP_SPECIAL_TOKENS |
                        ATTNC_TOKENIZER_CONTINUATION))
    return fail(Error(ATTNC_ERROR_INVALID_ARGUMENT,
                      "attnc_tokenizer_decode_flags: unknown flags " +
                          std::to_string(flags)));
  return guarded([&] {
    attnc::rt::DecodeOptions options;
    options.skipSpecialTokens = flags & ATTNC_TOKENIZER_SKIP_SPECIAL_TOKENS;
    options.continuation = flags & ATTNC_TOKENIZER_CONTINUATION;
    Expected<std::string> decoded =
        tokenizer->tokenizer->decode(ids, num_ids, options);
    if (!decoded)
      return fail(decoded.error());
    if (size_t n = std::min(capacity, decoded->size()))
      std::memcpy(bytes, decoded->data(), n);
    *count = decoded->size();
    return ATTNC_OK;
  });
}

int64_t attnc_tokenizer_bos_id(const attnc_tokenizer *tokenizer) {
  return tokenizer ? tokenizer->tokenizer->bosTokenId() : -1;
}

int64_t attnc_tokenizer_eos_id(const attnc_tokenizer *tokenizer) {
  return tokenizer ? tokenizer->tokenizer->eosTokenId() : -1;
}

int64_t attnc_tokenizer_token_id(const attnc_tokenizer *tokenizer,
                                 const char *token) {
  if (!tokenizer || !token)
    return -1;
  try {
    return tokenizer->tokenizer->tokenId(token);
  } catch (...) {
    return -1;
  }
}

int32_t attnc_tokenizer_is_added_token(const attnc_tokenizer *tokenizer,
                                       int64_t id) {
  return tokenizer && tokenizer->tokenizer->isAddedToken(id) ? 1 : 0;
}

void attnc_sampler_config_init(attnc_sampler_config *config) {
  if (config)
    *config = {/*temperature=*/0, /*top_k=*/0, /*top_p=*/1,
               /*repetition_penalty=*/1, /*seed=*/0};
}

attnc_status attnc_sampler_create(const attnc_sampler_config *config,
                                  attnc_sampler **out) {
  if (!config || !out)
    return nullArgument("attnc_sampler_create", "config and out must not be NULL");
  return guarded([&] {
    Expected<attnc::rt::Sampler> sampler = attnc::rt::Sampler::create(*config);
    if (!sampler)
      return fail(sampler.error());
    *out = new attnc_sampler{std::move(*sampler)};
    return ATTNC_OK;
  });
}

void attnc_sampler_destroy(attnc_sampler *sampler) { delete sampler; }

attnc_status attnc_sampler_sample(attnc_sampler *sampler, const float *logits,
                                  size_t vocab_size, const int64_t *context,
                                  size_t context_size, int64_t *token) {
  if (!sampler || !token || (vocab_size && !logits))
    return nullArgument("attnc_sampler_sample",
                        "sampler and token must not be NULL, nor logits "
                        "when vocab_size > 0");
  return guarded([&] {
    Expected<int64_t> next =
        sampler->sampler.sample(logits, vocab_size, context, context_size);
    if (!next)
      return fail(next.error());
    *token = *next;
    return ATTNC_OK;
  });
}

attnc_status attnc_sampler_candidates(const attnc_sampler *sampler,
                                      const float *logits, size_t vocab_size,
                                      const int64_t *context,
                                      size_t context_size, int64_t *ids,
                                      double *probabilities, size_t capacity,
                                      size_t *count) {
  if (!sampler || !count || (vocab_size && !logits) ||
      (capacity && (!ids || !probabilities)))
    return nullArgument("attnc_sampler_candidates",
                        "sampler and count must not be NULL, nor logits "
                        "when vocab_size > 0, nor ids and probabilities "
                        "when capacity > 0");
  return guarded([&] {
    Expected<std::vector<attnc::rt::Candidate>> candidates =
        sampler->sampler.candidates(logits, vocab_size, context, context_size);
    if (!candidates)
      return fail(candidates.error());
    for (size_t i = 0, e = std::min(capacity, candidates->size()); i < e; ++i) {
      ids[i] = (*candidates)[i].id;
      probabilities[i] = (*candidates)[i].probability;
    }
    *count = candidates->size();
    return ATTNC_OK;
  });
}

} // extern "C"
