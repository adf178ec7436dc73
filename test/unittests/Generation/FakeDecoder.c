/*===- FakeDecoder.c - A hand-written decoder model (docs/abi.md) ---------===*\
|*                                                                            *|
|* The decoder contract of attnc generate, with a 256-token vocabulary:      *|
|*   logits[b, s, v] = wpe[s, 0]  if v == (input_ids[b, s] + 1) % 256        *|
|*                     0          otherwise                                   *|
|* so greedy decoding counts upwards from the last prompt byte ("a" gives     *|
|* "bcd..."), and the context is the 32 rows of the position table. Ids      *|
|* outside the vocabulary make the forward fail, as a compiled embedding      *|
|* lookup does.                                                               *|
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
         "   \"shape\": [\"batch\", \"seq\", 256]}]}";
}

int32_t attnc_model_forward(const int64_t *dims, void *const *buffers) {
  int64_t batch = dims[0], seq = dims[1];
  const int64_t *ids = (const int64_t *)buffers[0];
  const float *wpe = (const float *)buffers[1];
  float *logits = (float *)buffers[2];
  if (seq > kContext)
    return 1;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < seq; ++s) {
      int64_t id = ids[b * seq + s];
      if (id < 0 || id >= kVocab)
        return 1;
      float *row = logits + (b * seq + s) * kVocab;
      for (int64_t v = 0; v < kVocab; ++v)
        row[v] = v == (id + 1) % kVocab ? wpe[s] : 0.0f;
    }
  return 0;
}
