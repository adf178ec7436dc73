/*===- model_abi.h - What a compiled model library exports --------*- C -*-===*\
|*                                                                            *|
|* The contract between `attnc compile` and the runtime (docs/abi.md): the    *|
|* version of the calling convention and the symbols a model library         *|
|* exports. The compiler (attnc/Codegen/ABI.h) and the runtime both read     *|
|* these definitions.                                                         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef ATTNC_MODEL_ABI_H
#define ATTNC_MODEL_ABI_H

/* The model calling convention (docs/abi.md) this runtime implements. */
#define ATTNC_MODEL_ABI_VERSION 1

/* int32_t attnc_model_abi_version(void) */
#define ATTNC_MODEL_ABI_VERSION_SYMBOL "attnc_model_abi_version"
/* const char *attnc_model_manifest(void) */
#define ATTNC_MODEL_MANIFEST_SYMBOL "attnc_model_manifest"
/* int32_t attnc_model_forward(const int64_t *dims, void *const *bufs) */
#define ATTNC_MODEL_FORWARD_SYMBOL "attnc_model_forward"
/* Models with a key/value cache: the incremental-decoding entry. */
#define ATTNC_MODEL_STEP_SYMBOL "attnc_model_step"

/* int8 weight storage (docs/abi.md): one f32 scale per block of this many
   consecutive input features of an output feature. */
#define ATTNC_INT8_BLOCK 32

#endif /* ATTNC_MODEL_ABI_H */
