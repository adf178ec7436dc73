/*===- FakeDecoder.c - A hand-written decoder model (docs/abi.md) ---------===*\
|*                                                                            *|
|* The decoder contract of attnc generate, with a 256-token vocabulary and a  *|
|* context of 32 (the rows of its position table wpe):                        *|
|*   logits[b, s, v] = wpe[s, 0]  if v == next(input_ids[b, s])               *|
|*                     0          otherwise                                   *|
|* where next(id) is id + 1, or id + 2 when the sequence starts with '!'      *|
|* (mod 256): greedy decoding counts upwards from the last prompt byte ("a"  *|
|* gives "bcd...", "!a" gives "ceg..."). Its step entry (attnc_model_step)    *|
|* caches each token as its "key" and "value" and reads the sequence's first  *|
|* token back from the cache, so a cache that is not kept shows. Ids outside  *|
|* the vocabulary make it fail, as a compiled embedding lookup does.          *|
\*===----------------------------------------------------------------------===*/
#include <stdint.h>

enum { kVocab = 256, kContext = 32 };

int32_t attnc_model_abi_version(void) { return 1; }

const char *attnc_model_manifest(void) {
  return "{\"abi_version\": 1, \"name\": \"fake_decoder\","
         " \"dims\": [\"batch\", \"seq\"],"
         " \"inputs\": [{\"name\": \"input_ids\", \"dtype\": \"i64\","
         "   \"shape\": [\"batch\", \"seq\"]}],"
         " \"params\": [{\"name\": \"wpe\", \"tensor\": \"wpe.weight\","
         "   \"dtype\": \"f32\", \"shape\": [32, 1]}],"
         " \"outputs\": [{\"name\": \"logits\", \"dtype\": \"f32\","
         "   \"shape\": [\"batch\", \"seq\", 256]}],"
         " \"kv_cache\": {\"batch_dim\": \"batch\", \"seq_dim\": \"seq\","
         "   \"dtype\": \"f32\", \"floats_per_token\": 2,"
         "   \"sites\": [{\"layers\": 1, \"kv_heads\": 1, \"head_dim\": 1}]}}";
}

/* Tokens at positions [position, position + seq) of each batch row; `first`
 * is each row's token at position 0. */
static int32_t run(int64_t batch, int64_t seq, int64_t position,
                   const int64_t *ids, const int64_t *first, const float *wpe,
                   float *logits) {
  if (position + seq > kContext)
    return 1;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < seq; ++s) {
      int64_t id = ids[b * seq + s];
      if (id < 0 || id >= kVocab)
        return 1;
      int64_t next = (id + (first[b] == '!' ? 2 : 1)) % kVocab;
      float *row = logits + (b * seq + s) * kVocab;
      for (int64_t v = 0; v < kVocab; ++v)
        row[v] = v == next ? wpe[position + s] : 0.0f;
    }
  return 0;
}

int32_t attnc_model_forward(const int64_t *dims, void *const *buffers) {
  int64_t batch = dims[0], seq = dims[1], first[64];
  const int64_t *ids = (const int64_t *)buffers[0];
  if (batch > 64)
    return 1;
  for (int64_t b = 0; b < batch; ++b)
    first[b] = ids[b * seq];
  return run(batch, seq, 0, ids, first, (const float *)buffers[1],
             (float *)buffers[2]);
}

/* The cache holds keys [1, batch, 1, capacity, 1], then values alike (its
   manifest dtype: f32). The ABI passes it untyped (docs/abi.md). */
int32_t attnc_model_step(const int64_t *dims, void *const *buffers,
                         void *kv_cache, int64_t capacity, int64_t position) {
  int64_t batch = dims[0], seq = dims[1], first[64];
  const int64_t *ids = (const int64_t *)buffers[0];
  if (batch > 64 || position < 0 || position + seq > capacity)
    return 1;
  float *keys = (float *)kv_cache, *values = keys + batch * capacity;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t s = 0; s < seq; ++s)
      keys[b * capacity + position + s] = values[b * capacity + position + s] =
          (float)ids[b * seq + s];
    first[b] = (int64_t)keys[b * capacity];
  }
  return run(batch, seq, position, ids, first, (const float *)buffers[1],
             (float *)buffers[2]);
}
