/*===- ThreadedModel.c - A fake model that links "libomp" -----------------===*\
|*                                                                            *|
|* Exports omp_set_num_threads and kmp_set_blocktime as a compiled model's    *|
|* libomp dependency does; its forward writes the thread count and the spin   *|
|* time set since the previous run (0 and -1 if none) into its one output, so *|
|* tests see what the runtime asked for.                                      *|
\*===----------------------------------------------------------------------===*/
#include <stdint.h>

static int requested = 0;
static int blocktime = -1;

void omp_set_num_threads(int count) { requested = count; }

void kmp_set_blocktime(int ms) { blocktime = ms; }

int32_t attnc_model_abi_version(void) { return 1; }

const char *attnc_model_manifest(void) {
  return "{\"abi_version\": 1, \"name\": \"threaded\", \"dims\": [],"
         " \"inputs\": [], \"params\": [],"
         " \"outputs\": [{\"name\": \"threads\", \"dtype\": \"i64\","
         " \"shape\": [2]}]}";
}

int32_t attnc_model_forward(const int64_t *dims, void *const *buffers) {
  (void)dims;
  ((int64_t *)buffers[0])[0] = requested;
  ((int64_t *)buffers[0])[1] = blocktime;
  requested = 0;
  blocktime = -1;
  return 0;
}
