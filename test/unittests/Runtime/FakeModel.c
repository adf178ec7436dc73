/*===- FakeModel.c - A hand-written model implementing docs/abi.md --------===*\
|*                                                                            *|
|* y[b, s, i] = x[b, s, i] * w[i] + t[s]   and   shape = {batch, seq}.        *|
|*                                                                            *|
|* The fake_model_* hooks let tests change what the model reports; a test     *|
|* dlopens this library itself, which gives it the same instance the runtime  *|
|* loads.                                                                     *|
\*===----------------------------------------------------------------------===*/
#include <stddef.h>
#include <stdint.h>

static const char kManifest[] =
    "{\"abi_version\": 1, \"name\": \"fake\", \"dims\": [\"batch\", \"seq\"],"
    " \"inputs\": ["
    "  {\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [\"batch\", \"seq\", 4]},"
    "  {\"name\": \"t\", \"dtype\": \"f32\", \"shape\": [\"seq\"]}],"
    " \"params\": ["
    "  {\"name\": \"w\", \"tensor\": \"w.weight\", \"dtype\": \"f32\","
    "   \"shape\": [4]}],"
    " \"outputs\": ["
    "  {\"name\": \"y\", \"dtype\": \"f32\", \"shape\": [\"batch\", \"seq\", 4]},"
    "  {\"name\": \"shape\", \"dtype\": \"i64\", \"shape\": [2]}]}";

static const char *manifest = kManifest;
static int32_t abiVersion = 1;
static int32_t forwardResult = 0;
/* With a manifest that declares an "arena" of arenaBytesPerToken * batch *
 * seq bytes, forward fills it (a too small one shows under a sanitizer) and
 * records where it was. */
static int64_t arenaBytesPerToken = 0;
static void *lastArena = NULL;
/* With a manifest whose entries take more buffers (packed parameters),
 * forward records where buffers[recordedSlot] was. */
static int32_t recordedSlot = -1;
static void *recorded = NULL;
/* The parameters of the manifest in use (w is the first; forward reads
 * only w, and finds the outputs after all of them). */
static int32_t paramCount = 1;

/* NULL restores the real manifest. */
void fake_model_set_manifest(const char *json) {
  manifest = json ? json : kManifest;
}
void fake_model_set_abi_version(int32_t version) { abiVersion = version; }
void fake_model_set_forward_result(int32_t result) { forwardResult = result; }
void fake_model_set_arena_bytes_per_token(int64_t bytes) {
  arenaBytesPerToken = bytes;
  lastArena = NULL;
}
void *fake_model_last_arena(void) { return lastArena; }
void fake_model_record_buffer(int32_t slot) {
  recordedSlot = slot;
  recorded = NULL;
}
void *fake_model_recorded_buffer(void) { return recorded; }
void fake_model_set_param_count(int32_t count) { paramCount = count; }

int32_t attnc_model_abi_version(void) { return abiVersion; }

const char *attnc_model_manifest(void) { return manifest; }

int32_t attnc_model_forward(const int64_t *dims, void *const *buffers) {
  int64_t batch = dims[0], seq = dims[1];
  const float *x = (const float *)buffers[0];
  const float *t = (const float *)buffers[1];
  const float *w = (const float *)buffers[2];
  float *y = (float *)buffers[2 + paramCount];
  int64_t *shape = (int64_t *)buffers[3 + paramCount];
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < seq; ++s)
      for (int64_t i = 0; i < 4; ++i) {
        int64_t at = (b * seq + s) * 4 + i;
        /* A parameter the manifest marks "read": false may be NULL. */
        y[at] = x[at] * (w ? w[i] : 1.0f) + t[s];
      }
  shape[0] = batch;
  shape[1] = seq;
  if (recordedSlot >= 0)
    recorded = buffers[recordedSlot];
  if (arenaBytesPerToken) {
    unsigned char *arena = (unsigned char *)buffers[4 + paramCount];
    lastArena = arena;
    for (int64_t i = 0; i < arenaBytesPerToken * batch * seq; ++i)
      arena[i] = (unsigned char)i;
  }
  return forwardResult;
}
