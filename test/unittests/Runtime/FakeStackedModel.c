/*===- FakeStackedModel.c - A fake model with the manifest extensions -----===*\
|*                                                                            *|
|* A stacked parameter w (3 layers of 2, read from "h.{i}.w"), an optional   *|
|* input mask (default 1), an i64 input ids, and constants and a fingerprint: *|
|*                                                                            *|
|*   y[s, j] = mask[s] * x[s, j] + b[j] + ids[s]                              *|
|*   w_seen  = w   (the stacked buffer as the model received it)              *|
\*===----------------------------------------------------------------------===*/
#include <stdint.h>

static const char kManifest[] =
    "{\"abi_version\": 1, \"name\": \"stacked\","
    " \"fingerprint\": \"00c0ffee\","
    " \"constants\": {\"n_layer\": 3, \"width\": 2, \"eps\": 0.25},"
    " \"dims\": [\"seq\"],"
    " \"inputs\": ["
    "  {\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [\"seq\", 2]},"
    "  {\"name\": \"ids\", \"dtype\": \"i64\", \"shape\": [\"seq\"]},"
    "  {\"name\": \"mask\", \"dtype\": \"f32\", \"shape\": [\"seq\"],"
    "   \"default\": 1}],"
    " \"params\": ["
    "  {\"name\": \"w\", \"tensor\": \"h.{i}.w\", \"layers\": 3,"
    "   \"dtype\": \"f32\", \"shape\": [3, 2]},"
    "  {\"name\": \"b\", \"tensor\": \"ln_f.bias\", \"dtype\": \"f32\","
    "   \"shape\": [2]}],"
    " \"outputs\": ["
    "  {\"name\": \"y\", \"dtype\": \"f32\", \"shape\": [\"seq\", 2]},"
    "  {\"name\": \"w_seen\", \"dtype\": \"f32\", \"shape\": [3, 2]}]}";

int32_t attnc_model_abi_version(void) { return 1; }

const char *attnc_model_manifest(void) { return kManifest; }

int32_t attnc_model_forward(const int64_t *dims, void *const *buffers) {
  int64_t seq = dims[0];
  const float *x = (const float *)buffers[0];
  const int64_t *ids = (const int64_t *)buffers[1];
  const float *mask = (const float *)buffers[2];
  const float *w = (const float *)buffers[3];
  const float *b = (const float *)buffers[4];
  float *y = (float *)buffers[5];
  float *wSeen = (float *)buffers[6];
  for (int64_t s = 0; s < seq; ++s)
    for (int64_t j = 0; j < 2; ++j)
      y[s * 2 + j] = mask[s] * x[s * 2 + j] + b[j] + (float)ids[s];
  for (int i = 0; i < 6; ++i)
    wSeen[i] = w[i];
  return 0;
}
