/*===- NaiveGpt2.c - GPT-2 in naive C, behind the model ABI ---------------===*\
|*                                                                            *|
|* A second, independent GPT-2 (examples/tiny-gpt's sizes: 4 layers, 2 heads, *|
|* width 64, context 128, 256 byte tokens) written from the architecture:    *|
|* pre-norm blocks, learned positions, GELU (tanh), Conv1D weights [in, out], *|
|* logits from the tied token embedding. It follows docs/abi.md and the       *|
|* decoder contract (input_ids -> logits), so attnc generate can run the     *|
|* tiny GPT's checkpoint before the compiler can: its greedy output is        *|
|* compared with examples/tiny-gpt/generate.py. Sums are in double.          *|
\*===----------------------------------------------------------------------===*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kLayers = 4, kHeads = 2, kEmbd = 64, kContext = 128, kVocab = 256 };
enum { kHeadDim = kEmbd / kHeads, kHidden = 4 * kEmbd };

/* Per layer, in manifest order; {in, out} for matrices, {n, 0} for vectors. */
static const struct {
  const char *name;
  int rows, cols;
} kLayerParams[] = {
    {"ln_1.weight", kEmbd, 0},          {"ln_1.bias", kEmbd, 0},
    {"attn.c_attn.weight", kEmbd, 3 * kEmbd}, {"attn.c_attn.bias", 3 * kEmbd, 0},
    {"attn.c_proj.weight", kEmbd, kEmbd}, {"attn.c_proj.bias", kEmbd, 0},
    {"ln_2.weight", kEmbd, 0},          {"ln_2.bias", kEmbd, 0},
    {"mlp.c_fc.weight", kEmbd, kHidden}, {"mlp.c_fc.bias", kHidden, 0},
    {"mlp.c_proj.weight", kHidden, kEmbd}, {"mlp.c_proj.bias", kEmbd, 0},
};
enum { kPerLayer = sizeof(kLayerParams) / sizeof(kLayerParams[0]) };

int32_t attnc_model_abi_version(void) { return 1; }

/* The parameter is named after its tensor, with '_' for '.'. */
static void appendParam(char **out, const char *tensor, int rows, int cols) {
  char name[64];
  snprintf(name, sizeof name, "%s", tensor);
  for (char *c = name; *c; ++c)
    if (*c == '.')
      *c = '_';
  *out += sprintf(*out, "%s{\"name\": \"%s\", \"tensor\": \"%s\", \"dtype\": "
                        "\"f32\", \"shape\": [%d%s",
                  (*out)[-1] == '[' ? "" : ", ", name, tensor, rows,
                  cols ? ", " : "]}");
  if (cols)
    *out += sprintf(*out, "%d]}", cols);
}

const char *attnc_model_manifest(void) {
  static char manifest[16384];
  if (manifest[0])
    return manifest;
  char *out = manifest;
  out += sprintf(out,
                 "{\"abi_version\": 1, \"name\": \"naive_gpt2\", \"dims\": "
                 "[\"batch\", \"seq\"], \"inputs\": [{\"name\": \"input_ids\", "
                 "\"dtype\": \"i64\", \"shape\": [\"batch\", \"seq\"]}], "
                 "\"params\": [");
  appendParam(&out, "wte.weight", kVocab, kEmbd);
  appendParam(&out, "wpe.weight", kContext, kEmbd);
  char tensor[64];
  for (int l = 0; l < kLayers; ++l)
    for (int p = 0; p < kPerLayer; ++p) {
      snprintf(tensor, sizeof tensor, "h.%d.%s", l, kLayerParams[p].name);
      appendParam(&out, tensor, kLayerParams[p].rows, kLayerParams[p].cols);
    }
  appendParam(&out, "ln_f.weight", kEmbd, 0);
  appendParam(&out, "ln_f.bias", kEmbd, 0);
  sprintf(out, "], \"outputs\": [{\"name\": \"logits\", \"dtype\": \"f32\", "
               "\"shape\": [\"batch\", \"seq\", %d]}]}",
          kVocab);
  return manifest;
}

static void layerNorm(const float *x, const float *w, const float *b,
                      float *y) {
  double mean = 0, var = 0;
  for (int i = 0; i < kEmbd; ++i)
    mean += x[i];
  mean /= kEmbd;
  for (int i = 0; i < kEmbd; ++i)
    var += (x[i] - mean) * (x[i] - mean);
  var /= kEmbd;
  double scale = 1 / sqrt(var + 1e-5);
  for (int i = 0; i < kEmbd; ++i)
    y[i] = (float)((x[i] - mean) * scale * w[i] + b[i]);
}

/* y[out] = x[in] @ w[in][out] + b[out] */
static void conv1d(const float *x, const float *w, const float *b, int in,
                   int out, float *y) {
  for (int o = 0; o < out; ++o) {
    double sum = b[o];
    for (int i = 0; i < in; ++i)
      sum += (double)x[i] * w[(size_t)i * out + o];
    y[o] = (float)sum;
  }
}

static float geluTanh(float x) {
  const double c = 0.7978845608028654; /* sqrt(2 / pi) */
  return (float)(0.5 * x * (1 + tanh(c * (x + 0.044715 * (double)x * x * x))));
}

/* One sequence: x[seq][kEmbd] through every layer, in place. */
static void blocks(float *x, int64_t seq, void *const *params) {
  float *h = malloc(sizeof(float) * kHidden);
  float *qkv = malloc(sizeof(float) * seq * 3 * kEmbd);
  float *att = malloc(sizeof(float) * kEmbd);
  float *tmp = malloc(sizeof(float) * kEmbd);
  double *scores = malloc(sizeof(double) * seq);
  for (int l = 0; l < kLayers; ++l) {
    const float *const *p = (const float *const *)params + 2 + l * kPerLayer;
    for (int64_t t = 0; t < seq; ++t) {
      layerNorm(x + t * kEmbd, p[0], p[1], tmp);
      conv1d(tmp, p[2], p[3], kEmbd, 3 * kEmbd, qkv + t * 3 * kEmbd);
    }
    for (int64_t t = 0; t < seq; ++t) {
      for (int hd = 0; hd < kHeads; ++hd) {
        const float *q = qkv + t * 3 * kEmbd + hd * kHeadDim;
        double max = -INFINITY, total = 0;
        for (int64_t u = 0; u <= t; ++u) {
          const float *k = qkv + u * 3 * kEmbd + kEmbd + hd * kHeadDim;
          double dot = 0;
          for (int i = 0; i < kHeadDim; ++i)
            dot += (double)q[i] * k[i];
          scores[u] = dot / sqrt((double)kHeadDim);
          if (scores[u] > max)
            max = scores[u];
        }
        for (int64_t u = 0; u <= t; ++u)
          total += scores[u] = exp(scores[u] - max);
        for (int i = 0; i < kHeadDim; ++i) {
          double sum = 0;
          for (int64_t u = 0; u <= t; ++u)
            sum += scores[u] * qkv[u * 3 * kEmbd + 2 * kEmbd + hd * kHeadDim + i];
          att[hd * kHeadDim + i] = (float)(sum / total);
        }
      }
      conv1d(att, p[4], p[5], kEmbd, kEmbd, tmp);
      /* Attention reads every position's qkv, computed above from the
       * inputs of this layer, so updating x in place is safe. */
      for (int i = 0; i < kEmbd; ++i)
        x[t * kEmbd + i] += tmp[i];
    }
    for (int64_t t = 0; t < seq; ++t) {
      layerNorm(x + t * kEmbd, p[6], p[7], tmp);
      conv1d(tmp, p[8], p[9], kEmbd, kHidden, h);
      for (int i = 0; i < kHidden; ++i)
        h[i] = geluTanh(h[i]);
      conv1d(h, p[10], p[11], kHidden, kEmbd, tmp);
      for (int i = 0; i < kEmbd; ++i)
        x[t * kEmbd + i] += tmp[i];
    }
  }
  free(h), free(qkv), free(att), free(tmp), free(scores);
}

int32_t attnc_model_forward(const int64_t *dims, void *const *buffers) {
  int64_t batch = dims[0], seq = dims[1];
  if (seq > kContext)
    return 1;
  const int64_t *ids = (const int64_t *)buffers[0];
  void *const *params = buffers + 1;
  const float *wte = params[0], *wpe = params[1];
  const float *lnfW = params[2 + kLayers * kPerLayer];
  const float *lnfB = params[3 + kLayers * kPerLayer];
  float *logits = (float *)params[4 + kLayers * kPerLayer];
  float *x = malloc(sizeof(float) * seq * kEmbd);
  float final[kEmbd];
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < seq; ++t) {
      int64_t id = ids[b * seq + t];
      if (id < 0 || id >= kVocab) {
        free(x);
        return 1;
      }
      for (int i = 0; i < kEmbd; ++i)
        x[t * kEmbd + i] = wte[id * kEmbd + i] + wpe[t * kEmbd + i];
    }
    blocks(x, seq, params);
    for (int64_t t = 0; t < seq; ++t) {
      layerNorm(x + t * kEmbd, lnfW, lnfB, final);
      for (int v = 0; v < kVocab; ++v) {
        double sum = 0;
        for (int i = 0; i < kEmbd; ++i)
          sum += (double)final[i] * wte[v * kEmbd + i];
        logits[(b * seq + t) * kVocab + v] = (float)sum;
      }
    }
  }
  free(x);
  return 0;
}
