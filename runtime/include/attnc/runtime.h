/*===- runtime.h - C API of the attnc runtime ---------------------*- C -*-===*\
|*                                                                            *|
|* Loads a model compiled by `attnc compile` (see docs/abi.md), checks a      *|
|* checkpoint (a safetensors file or a sharded index) against its manifest,   *|
|* and runs it on named input tensors. docs/runtime.md is the guide.          *|
|*                                                                            *|
|* Conventions:                                                               *|
|*  - Every fallible function returns an attnc_status; on failure             *|
|*    attnc_last_error() describes what went wrong (possibly several lines,   *|
|*    one per problem) and output parameters are left untouched.              *|
|*  - Handles are created by *_open / *_create / attnc_model_run and          *|
|*    released by the matching *_destroy function; destroy functions accept   *|
|*    NULL. A model must outlive its sessions.                                *|
|*  - Strings and arrays returned by introspection functions live as long as  *|
|*    the handle they came from.                                              *|
|*                                                                            *|
|* Threads:                                                                   *|
|*  - A model is immutable once its weights are bound: every function that    *|
|*    takes a const attnc_model * may be called on it from any number of      *|
|*    threads at once, attnc_model_run and attnc_session_create included.     *|
|*  - attnc_model_load_weights and attnc_model_destroy must not run           *|
|*    concurrently with anything else on the same model; load_weights fails   *|
|*    with ATTNC_ERROR_STATE while sessions of the model exist.               *|
|*  - A session is used by one thread at a time (any thread, one after the    *|
|*    other); distinct sessions of one model run concurrently.                *|
|*  - attnc_last_error is per thread.                                         *|
|*  - No C++ exception ever crosses this interface.                           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef ATTNC_RUNTIME_H
#define ATTNC_RUNTIME_H

#include "attnc/model_abi.h"

#include <stddef.h>
#include <stdint.h>

#define ATTNC_API __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/* The *_MAX_ENUM values are not valid values: they make every enum 32 bits
 * wide and keep C++ well-defined when a caller passes an unknown value. */

typedef enum attnc_status {
  ATTNC_OK = 0,
  ATTNC_ERROR_IO = 1,               /* a file could not be opened or read */
  ATTNC_ERROR_FORMAT = 2,           /* a file or manifest is malformed */
  ATTNC_ERROR_MISMATCH = 3,         /* weights or inputs do not fit the model */
  ATTNC_ERROR_INVALID_ARGUMENT = 4, /* NULL handle, index out of range, ... */
  ATTNC_ERROR_ABI = 5,              /* not an attnc model, or another ABI */
  ATTNC_ERROR_STATE = 6,            /* e.g. running before loading weights */
  ATTNC_ERROR_OUT_OF_MEMORY = 7,    /* over the memory budget, or an
                                       allocation failed (docs/runtime.md) */
  ATTNC_ERROR_MODEL = 8,            /* attnc_model_forward reported failure */
  ATTNC_ERROR_INTERNAL = 9,         /* a bug in the runtime */
  ATTNC_STATUS_MAX_ENUM = 0x7fffffff
} attnc_status;

/* Element types. Models use F32, I32 and I64; the others exist so that any
 * safetensors file can be described. */
typedef enum attnc_dtype {
  ATTNC_DTYPE_F32 = 0,
  ATTNC_DTYPE_F16 = 1,
  ATTNC_DTYPE_BF16 = 2,
  ATTNC_DTYPE_F64 = 3,
  ATTNC_DTYPE_I8 = 4,
  ATTNC_DTYPE_I16 = 5,
  ATTNC_DTYPE_I32 = 6,
  ATTNC_DTYPE_I64 = 7,
  ATTNC_DTYPE_U8 = 8,
  ATTNC_DTYPE_U16 = 9,
  ATTNC_DTYPE_U32 = 10,
  ATTNC_DTYPE_U64 = 11,
  ATTNC_DTYPE_BOOL = 12,
  ATTNC_DTYPE_F8_E4M3 = 13,
  ATTNC_DTYPE_F8_E5M2 = 14,
  ATTNC_DTYPE_MAX_ENUM = 0x7fffffff
} attnc_dtype;

typedef enum attnc_tensor_kind {
  ATTNC_KIND_INPUT = 0,
  ATTNC_KIND_PARAM = 1,
  ATTNC_KIND_OUTPUT = 2,
  ATTNC_KIND_MAX_ENUM = 0x7fffffff
} attnc_tensor_kind;

/* A dense, row-major tensor. As an input it is only read, and `data` may have
 * any alignment (misaligned data is copied). */
typedef struct attnc_tensor {
  const char *name;
  attnc_dtype dtype;
  int32_t rank;
  const int64_t *shape;
  void *data;
} attnc_tensor;

/* How the manifest declares an input, parameter or output. */
typedef struct attnc_tensor_info {
  const char *name;   /* name in the .attn source */
  const char *tensor; /* parameters: name in the weights file (a template with
                         "{i}" when layers > 0); else NULL */
  attnc_dtype dtype;
  int32_t rank;
  const int64_t *shape;          /* -1 for a dynamic dimension */
  const char *const *dim_names;  /* dim_names[i]: its name, or NULL if static */
  int64_t layers;       /* parameters: layers stacked along dim 0, or 0 */
  int32_t has_default;  /* inputs: 1 if the input may be omitted */
  double default_value; /* inputs: the value an omitted input is filled with */
} attnc_tensor_info;

/* A compile-time constant of the model (manifest "constants"). */
typedef struct attnc_constant {
  const char *name;
  int32_t is_integer;  /* 1: int_value holds it exactly; 0: a float */
  int64_t int_value;   /* integers only */
  double float_value;  /* the value as a double, for either kind */
} attnc_constant;

typedef struct attnc_model attnc_model;
typedef struct attnc_session attnc_session;
typedef struct attnc_tensor_list attnc_tensor_list;

/*--- Errors and dtypes ------------------------------------------------------*/

/* The message of the most recent failure on the calling thread ("" if none).
 * Valid until the next failing call on this thread. */
ATTNC_API const char *attnc_last_error(void);
/* "ATTNC_OK", "ATTNC_ERROR_IO", ... */
ATTNC_API const char *attnc_status_name(attnc_status status);
/* The manifest spelling ("f32", "i64", ...), or "unknown". */
ATTNC_API const char *attnc_dtype_name(attnc_dtype dtype);
/* Bytes per element, or 0 for an unknown dtype. */
ATTNC_API size_t attnc_dtype_size(attnc_dtype dtype);

/*--- Models -----------------------------------------------------------------*/

/* Loads a compiled model and validates its ABI version and manifest. */
ATTNC_API attnc_status attnc_model_open(const char *so_path,
                                        attnc_model **out);
ATTNC_API void attnc_model_destroy(attnc_model *model);

ATTNC_API const char *attnc_model_name(const attnc_model *model);
/* The manifest JSON exactly as the model returned it. */
ATTNC_API const char *attnc_model_manifest_json(const attnc_model *model);
ATTNC_API size_t attnc_model_num_dims(const attnc_model *model);
/* NULL if index is out of range. */
ATTNC_API const char *attnc_model_dim_name(const attnc_model *model,
                                           size_t index);
ATTNC_API size_t attnc_model_num_tensors(const attnc_model *model,
                                         attnc_tensor_kind kind);
ATTNC_API attnc_status attnc_model_tensor_info(const attnc_model *model,
                                               attnc_tensor_kind kind,
                                               size_t index,
                                               attnc_tensor_info *out);
/* The manifest's "fingerprint" (hex digest of the compiler's input), or ""
 * if the model has none. */
ATTNC_API const char *attnc_model_fingerprint(const attnc_model *model);
/* The CPU the model was compiled for (manifest "target"; `attnc compile
 * --target-cpu`) and the ISA extensions its code uses, comma-separated
 * ("avx,avx2,fma,..."); "" for a model that records none. attnc_model_open
 * refuses a model that needs an extension this CPU lacks (ATTNC_ERROR_ABI). */
ATTNC_API const char *attnc_model_target_cpu(const attnc_model *model);
ATTNC_API const char *attnc_model_target_features(const attnc_model *model);
ATTNC_API size_t attnc_model_num_constants(const attnc_model *model);
ATTNC_API attnc_status attnc_model_constant(const attnc_model *model,
                                            size_t index, attnc_constant *out);

/*--- Weights ----------------------------------------------------------------*/

/* Checks every parameter against a checkpoint (by its `tensor` name, dtype
 * and shape) and binds it. `path` is a safetensors file, or a Hugging Face
 * index ("*.json" with a "weight_map" of tensor name -> shard file, shards
 * relative to the index's directory), or a Hugging Face model directory (its
 * model.safetensors, else its model.safetensors.index.json). A tensor X is
 * found as X or as P.X for one prefix P used throughout (e.g.
 * "transformer."); F16 and BF16 tensors are converted to F32 once, here;
 * F32 tensors are used in place. A
 * parameter with layers > 0 reads one tensor per layer into one stacked
 * buffer. If the checkpoint's metadata carries "attnc_fingerprint", it must
 * equal the model's fingerprint. All mismatches are reported in one message,
 * one per line. The files stay mapped while the model uses them; on failure
 * the previously loaded weights, if any, are kept. Tensors that no parameter
 * uses are reported as warnings. Fails with ATTNC_ERROR_STATE while sessions
 * of the model exist. */
ATTNC_API attnc_status attnc_model_load_weights(attnc_model *model,
                                                const char *path);
/* Writes to `out_path` (a safetensors file) the checkpoint at `path` (as
 * for attnc_model_load_weights) with the weights that `model` reads only
 * through int8 panels (`attnc compile --weight-type int8`) quantized ahead
 * of time, as int8 values and f16 scales, and every other tensor as it is
 * (docs/abi.md, "int8 weights"); loading the result gives the same packs
 * as loading `path`. Fails with ATTNC_ERROR_INVALID_ARGUMENT for a model
 * without int8 weights. `out_path` is written whole or not at all. */
ATTNC_API attnc_status attnc_model_quantize_weights(const attnc_model *model,
                                                   const char *path,
                                                   const char *out_path);
/* Progress of attnc_model_load_weights: `done` of `total` bytes (each
 * parameter as the model stores it once bound, then each packed parameter
 * once built), called from the loading thread after each, never decreasing,
 * the last time with done == total. */
typedef void (*attnc_progress_callback)(void *user_data, uint64_t done,
                                        uint64_t total);
/* Calls `callback` (NULL: none) during the model's later weight loads. */
ATTNC_API attnc_status attnc_model_set_load_progress(
    attnc_model *model, attnc_progress_callback callback, void *user_data);
/* Warnings of the last successful attnc_model_load_weights. */
ATTNC_API size_t attnc_model_num_warnings(const attnc_model *model);
ATTNC_API const char *attnc_model_warning(const attnc_model *model,
                                          size_t index);

/*--- Running ----------------------------------------------------------------*/

/* The number of threads each later run or step of this model uses (models
 * compiled with parallel loops; others ignore it). 0 restores the default:
 * the environment variable ATTNC_NUM_THREADS when set (read by
 * attnc_model_open), else OpenMP's OMP_NUM_THREADS when set, else one thread
 * per physical core the process may use (its CPU affinity, two hardware
 * threads of a core counted once, no more than a cgroup CPU quota grants).
 * Results do not depend on the thread count. */
ATTNC_API attnc_status attnc_model_set_num_threads(attnc_model *model,
                                                   int32_t num_threads);

/* Profiling (docs/performance.md): with enable != 0, later runs and steps
 * of this model record the wall time of every kernel of the generated code
 * (per layer), each thread's busy time in parallel regions, and the time
 * outside any kernel. Profiled runs of all models in the process take
 * turns. ATTNC_ERROR_ABI for a library compiled without the profile hook.
 * ATTNC_PROFILE=1 (or json) in the environment turns profiling on in
 * attnc_model_open, and prints the report to stderr in attnc_model_destroy
 * unless the program asked for it. */
ATTNC_API attnc_status attnc_model_set_profiling(attnc_model *model,
                                                 int enable);
/* The profile of the runs since profiling was turned on or reset: a table,
 * or with json != 0 a JSON object; NULL when profiling is off. Valid until
 * the next call for this model. */
ATTNC_API const char *attnc_model_profile_report(attnc_model *model,
                                                 int json);
ATTNC_API void attnc_model_profile_reset(attnc_model *model);

/* Input rules, for attnc_model_run and attnc_session_run: `inputs` are
 * matched to the manifest by name (in any order); every dynamic dimension is
 * inferred from their shapes. An input with a default (has_default) may be
 * omitted: it is then filled with its default value, its dims taken from the
 * other inputs. An i64 input accepts an i32 tensor, an f32 input f16 and bf16
 * tensors; they are converted for the run. */

/* Runs the model once. On success *outputs holds one tensor per manifest
 * output, in manifest order, owned by the list (which may outlive the
 * model). Allocates the outputs on every call: sessions reuse them. */
ATTNC_API attnc_status attnc_model_run(const attnc_model *model,
                                       const attnc_tensor *inputs,
                                       size_t num_inputs,
                                       attnc_tensor_list **outputs);

/*--- Memory budget ----------------------------------------------------------*/

/* Before allocating weights, outputs, arena or KV cache, the runtime checks
 * that they fit what the process may still use: the smallest of
 * MemAvailable, the room left in its cgroup (v2 or v1) and RLIMIT_AS minus
 * the address space in use, or the environment variable ATTNC_MEMORY_LIMIT
 * (bytes, with an optional K/M/G/T suffix, or "none" to check nothing)
 * when set. Over budget fails with ATTNC_ERROR_OUT_OF_MEMORY, naming each
 * component, the limit and its source, and what would fit. */
typedef struct attnc_memory_plan {
  uint64_t weights;  /* the parameters, in the model's dtypes */
  uint64_t packs;    /* packed parameters built at load */
  uint64_t arena;    /* the largest call's scratch memory */
  uint64_t kv_cache; /* 0 without a KV cache */
  uint64_t outputs;
  uint64_t total;    /* the sum that counts against limit */
  uint64_t limit;    /* what the process may use; UINT64_MAX: no limit */
  const char *limit_source; /* e.g. "MemAvailable in /proc/meminfo" */
  /* "" when the plan fits, else the ATTNC_ERROR_OUT_OF_MEMORY message. */
  const char *verdict;
} attnc_memory_plan;

/* The memory of running the model on `inputs` (only their shapes and names
 * matter; nothing runs and weights need not be loaded), or with
 * kv_capacity > 0 of generating: a prefill of the inputs then one-token
 * steps until kv_capacity tokens are cached. The strings live until the
 * next call of this function on the calling thread. Fails only for inputs
 * that do not match the model or a malformed ATTNC_MEMORY_LIMIT. */
ATTNC_API attnc_status attnc_model_plan_memory(const attnc_model *model,
                                               const attnc_tensor *inputs,
                                               size_t num_inputs,
                                               int64_t kv_capacity,
                                               attnc_memory_plan *out);

/*--- Sessions ---------------------------------------------------------------*/

/* A session runs a model with memory of its own (outputs, scratch), reused
 * from one run to the next. Fails with ATTNC_ERROR_STATE if the model has
 * parameters but no weights yet. */
ATTNC_API attnc_status attnc_session_create(const attnc_model *model,
                                            attnc_session **out);
ATTNC_API void attnc_session_destroy(attnc_session *session);
/* Runs the model once. On success *outputs holds one tensor per manifest
 * output, in manifest order; the list and its tensors belong to the session
 * and stay valid until its next run or its destruction (do not destroy it).
 * On failure *outputs is untouched and the previous outputs are gone. */
ATTNC_API attnc_status attnc_session_run(attnc_session *session,
                                         const attnc_tensor *inputs,
                                         size_t num_inputs,
                                         const attnc_tensor_list **outputs);

/* Prepares the session for runs (or, with the KV cache enabled, steps) whose
 * dynamic dims have these sizes, one per attnc_model_dim_name in that order:
 * allocates and maps in the outputs, the scratch memory and the KV cache
 * now, so that the first such call costs what later ones do (a first touch
 * of fresh memory inside a run costs a page fault per 4 KiB). Optional: a
 * call allocates whatever it lacks. Larger sizes than reserved are fine. */
ATTNC_API attnc_status attnc_session_reserve(attnc_session *session,
                                             const int64_t *dims,
                                             size_t num_dims);

/*--- Incremental decoding ---------------------------------------------------*/

/* Models whose attention is all causal self-attention (decoders) are compiled
 * with a key/value cache entry (docs/abi.md: attnc_model_step). A session
 * then processes a sequence in steps: a prefill of the prompt, then one step
 * per new token, each costing time linear in the cached length. */

/* Nonzero if the model supports attnc_session_step. */
ATTNC_API int attnc_model_has_kv_cache(const attnc_model *model);
/* Sets the cache's capacity in tokens per batch row and empties it. The
 * memory is allocated now, mapped in, for a batch of one and one-token
 * steps; attnc_session_reserve prepares a prefill's length or another batch
 * size (else the first step allocates them). */
ATTNC_API attnc_status attnc_session_enable_kv_cache(attnc_session *session,
                                                     int64_t capacity);
/* Runs the model on the inputs' new tokens, which come after the tokens
 * already cached, and caches them. Outputs (as for attnc_session_run) cover
 * the new tokens only; those the manifest lists as "last_position" (a
 * decoder's logits: docs/abi.md) the last new token only. Fails with ATTNC_ERROR_INVALID_ARGUMENT, caching
 * nothing, when the cache would overflow or the batch size changed. */
ATTNC_API attnc_status attnc_session_step(attnc_session *session,
                                          const attnc_tensor *inputs,
                                          size_t num_inputs,
                                          const attnc_tensor_list **outputs);
/* Forgets the cached tokens (keeps the memory). */
ATTNC_API void attnc_session_reset_kv_cache(attnc_session *session);
/* The number of tokens cached, or -1 for a NULL session. */
ATTNC_API int64_t attnc_session_kv_position(const attnc_session *session);

ATTNC_API size_t attnc_tensor_list_size(const attnc_tensor_list *list);
/* NULL if index is out of range. The tensors are contiguous:
 * attnc_tensor_list_at(list, i) == attnc_tensor_list_at(list, 0) + i. */
ATTNC_API const attnc_tensor *attnc_tensor_list_at(const attnc_tensor_list *list,
                                                   size_t index);
/* NULL if no tensor has that name. */
ATTNC_API const attnc_tensor *
attnc_tensor_list_find(const attnc_tensor_list *list, const char *name);
ATTNC_API void attnc_tensor_list_destroy(attnc_tensor_list *list);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ATTNC_RUNTIME_H */
