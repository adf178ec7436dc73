/*===- generation.h - C API for text generation: tokenizers, sampler -*- C -*-===*\
|*                                                                            *|
|* Tokenizers turn text into the token ids a decoder model reads (and back);  *|
|* the sampler picks the next token from a model's logits. Both follow the    *|
|* conventions of runtime.h: attnc_status results, attnc_last_error() for the *|
|* message, opaque handles with explicit destroy functions that accept NULL.  *|
|*                                                                            *|
|* Functions that return a variable number of items (encode, decode,          *|
|* candidates) work like snprintf: they write at most `capacity` items and    *|
|* always store the full count in *count, so a caller whose buffer was too    *|
|* small calls again with a larger one. A NULL buffer with capacity 0 is      *|
|* allowed.                                                                   *|
|*                                                                            *|
|* A tokenizer is immutable once opened: it may be used from several threads *|
|* at once. A sampler holds its random state: one thread at a time.           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef ATTNC_GENERATION_H
#define ATTNC_GENERATION_H

#include "attnc/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/*--- Tokenizers -------------------------------------------------------------*/

typedef struct attnc_tokenizer attnc_tokenizer;

/* Byte level: token id i (0..255) is the byte i. Text round-trips exactly. */
ATTNC_API attnc_status attnc_tokenizer_open_bytes(attnc_tokenizer **out);

/* A Hugging Face `tokenizer.json`: byte-level BPE (GPT-2, Llama-3, Qwen2),
 * SentencePiece-style BPE with byte fallback (Llama-2, Mistral) or WordPiece
 * (BERT), with its normalizer, pre-tokenizer, added tokens, post-processor
 * and decoder (docs/tokenizers.md lists what is read). A part attnc does not
 * implement is rejected with a message naming it. */
ATTNC_API attnc_status attnc_tokenizer_open(const char *tokenizer_json_path,
                                            attnc_tokenizer **out);
ATTNC_API void attnc_tokenizer_destroy(attnc_tokenizer *tokenizer);

/* One more than the largest token id. */
ATTNC_API int64_t attnc_tokenizer_vocab_size(const attnc_tokenizer *tokenizer);

/* `text` is `size` bytes, normally UTF-8 (bytes that are not valid UTF-8 are
 * still encoded, one byte at a time, where the vocabulary has byte tokens).
 * What Hugging Face's `tokenizer(text)` gives: with the special tokens the
 * post-processor adds (e.g. Llama's "<s>", BERT's "[CLS]" and "[SEP]"), so
 * there may be more ids than bytes. */
ATTNC_API attnc_status attnc_tokenizer_encode(const attnc_tokenizer *tokenizer,
                                              const char *text, size_t size,
                                              int64_t *ids, size_t capacity,
                                              size_t *count);

/* The bytes the ids stand for (not NUL-terminated), as the tokenizer's
 * decoder spells them (special tokens included); fails on an id that is
 * negative, too large or unused. decode(encode(text)) == text for byte-level
 * BPE without added tokens (other tokenizers normalize the text). */
ATTNC_API attnc_status attnc_tokenizer_decode(const attnc_tokenizer *tokenizer,
                                              const int64_t *ids,
                                              size_t num_ids, char *bytes,
                                              size_t capacity, size_t *count);

/* Flags of the _flags variants (0 is what the plain functions do). */
enum {
  /* encode: without the post-processor's special tokens. */
  ATTNC_TOKENIZER_NO_SPECIAL_TOKENS = 1,
  /* decode: leave out the added tokens marked "special". */
  ATTNC_TOKENIZER_SKIP_SPECIAL_TOKENS = 2,
  /* decode: the ids continue earlier ones of the same sequence; gives what
   * decoding the whole sequence appends for them (no leading space dropped),
   * so that generated tokens can be decoded one at a time. */
  ATTNC_TOKENIZER_CONTINUATION = 4,
};
ATTNC_API attnc_status attnc_tokenizer_encode_flags(
    const attnc_tokenizer *tokenizer, const char *text, size_t size,
    uint32_t flags, int64_t *ids, size_t capacity, size_t *count);
ATTNC_API attnc_status attnc_tokenizer_decode_flags(
    const attnc_tokenizer *tokenizer, const int64_t *ids, size_t num_ids,
    uint32_t flags, char *bytes, size_t capacity, size_t *count);

/* The token the post-processor puts first (e.g. "<s>"), or -1. */
ATTNC_API int64_t attnc_tokenizer_bos_id(const attnc_tokenizer *tokenizer);
/* The token the post-processor puts last, else the special added token
 * "</s>", "<|end_of_text|>" or "<|endoftext|>" (the first present), or -1.
 * A model's generation_config.json may name another. */
ATTNC_API int64_t attnc_tokenizer_eos_id(const attnc_tokenizer *tokenizer);

/* The id of the token spelled `token` in the vocabulary (e.g. "\xC4\xA0the",
 * i.e. "Ġthe", for GPT-2) or of the added token with that content (e.g.
 * "<|endoftext|>"); -1 if there is none. */
ATTNC_API int64_t attnc_tokenizer_token_id(const attnc_tokenizer *tokenizer,
                                           const char *token);
/* 1 if `id` is one of tokenizer.json's added_tokens, else 0. */
ATTNC_API int32_t attnc_tokenizer_is_added_token(
    const attnc_tokenizer *tokenizer, int64_t id);

/*--- Sampler ----------------------------------------------------------------*/

/* How the next token is chosen from logits, in Hugging Face's order:
 * repetition penalty, then temperature, top-k, top-p, then a draw. */
typedef struct attnc_sampler_config {
  /* 0: greedy (the largest logit, the lowest id among equals; top_k and
   * top_p are then irrelevant). > 0: logits are divided by it and a token is
   * drawn from the softmax of what the filters keep. */
  float temperature;
  /* 0: no limit. Else keep the tokens whose logit is at least the k-th
   * largest (ties with it are kept, as torch.topk-based filtering does). */
  int32_t top_k;
  /* In (0, 1]; 1: no limit. Keep the most probable tokens, in order, while
   * the probability of those before each is below top_p (so the smallest
   * prefix whose total reaches top_p; never fewer than one). */
  float top_p;
  /* > 0; 1: none. Every token id in the context (prompt and generated) gets
   * its logit divided by it when positive, multiplied by it when negative. */
  float repetition_penalty;
  /* Seeds xoshiro256** through splitmix64 (see attnc_sampler_create). */
  uint64_t seed;
} attnc_sampler_config;

typedef struct attnc_sampler attnc_sampler;

/* Greedy, top_k 0, top_p 1, repetition_penalty 1, seed 0. */
ATTNC_API void attnc_sampler_config_init(attnc_sampler_config *config);

/* The random numbers are defined exactly, independently of the C library:
 * the state of xoshiro256** (Blackman and Vigna, 2018) is four successive
 * outputs of splitmix64 started at `seed`; each draw takes the top 53 bits of
 * one output as u in [0, 1) and picks the first candidate (most probable
 * first) whose cumulative probability exceeds u. Same seed, same logits:
 * same tokens. */
ATTNC_API attnc_status attnc_sampler_create(const attnc_sampler_config *config,
                                            attnc_sampler **out);
ATTNC_API void attnc_sampler_destroy(attnc_sampler *sampler);

/* Picks the next token from `vocab_size` logits. `context` (the ids so far,
 * for the repetition penalty) may be NULL when context_size is 0. Fails on
 * NaN logits, on logits that are all -inf, and on context ids outside the
 * vocabulary. */
ATTNC_API attnc_status attnc_sampler_sample(attnc_sampler *sampler,
                                            const float *logits,
                                            size_t vocab_size,
                                            const int64_t *context,
                                            size_t context_size,
                                            int64_t *token);

/* The tokens a draw would choose from and their probabilities, most
 * probable first (ties: lower id first); draws no random number. */
ATTNC_API attnc_status attnc_sampler_candidates(
    const attnc_sampler *sampler, const float *logits, size_t vocab_size,
    const int64_t *context, size_t context_size, int64_t *ids,
    double *probabilities, size_t capacity, size_t *count);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ATTNC_GENERATION_H */
