//===- Manifest.h - The JSON description of a compiled model ----*- C++ -*-===//
//
// Parses and validates the manifest of docs/abi.md, so that the rest of the
// runtime can trust it: names are unique, dtypes are known, every shape entry
// is a size or a declared dim, and every dim can be inferred from the inputs.
// The optional members (a parameter's "layers" and "tensor_else", an
// input's "default",
// "fingerprint", "constants", "kv_cache", "packed_params", "arena", "profile") default
// to their absence.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_MANIFEST_H
#define ATTNC_RUNTIME_LIB_MANIFEST_H

#include "attnc/runtime.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt {

struct TensorSpec {
  std::string name;
  /// Parameters only: the tensor's name in the weights file; with `layers`,
  /// a template in which "{i}" stands for the layer index.
  std::string tensor;
  /// Parameters only: the alternatives to `tensor` (manifest "tensor_else"),
  /// read when the checkpoint has none of the names before them; with
  /// `layers`, templates like `tensor`.
  std::vector<std::string> tensorElse;
  /// Parameters only: 0, or the number of layers stacked along dim 0, each
  /// read from its own tensor.
  int64_t layers = 0;
  /// Inputs only: the value that fills the input when the caller omits it.
  std::optional<double> defaultValue;
  /// Integer inputs only: 0, or the rows of the embedding table they index;
  /// the runtime refuses values outside [0, indexBound).
  int64_t indexBound = 0;
  /// Parameters only: false when the code reads it only through packs
  /// (manifest "read": false), so its memory may go once they are built.
  bool read = true;
  attnc_dtype dtype = ATTNC_DTYPE_F32;
  /// Static sizes, and -1 where the size is a dim.
  std::vector<int64_t> shape;
  /// For each shape entry, the index of its dim in Manifest::dims, or -1.
  std::vector<int> dimIndex;

  /// Parameters only: `tensor`, then `tensorElse`.
  std::vector<std::string> sources() const {
    std::vector<std::string> all{tensor};
    all.insert(all.end(), tensorElse.begin(), tensorElse.end());
    return all;
  }
  /// "[batch, seq, 256]".
  std::string shapeString(const std::vector<std::string> &dimNames) const;
  /// "f32[batch, seq, 256]".
  std::string typeString(const std::vector<std::string> &dimNames) const {
    return attnc_dtype_name(dtype) + shapeString(dimNames);
  }
};

/// A compile-time constant of the model, integer or floating-point.
struct Constant {
  std::string name;
  bool isInteger = true;
  int64_t intValue = 0;
  double floatValue = 0;
};

/// The key/value cache of a model with an incremental-decoding entry
/// (attnc_model_step): per batch row and per cached token, floatsPerToken
/// values of `dtype` (f32, or bf16/f16: `attnc compile --kv-cache-type`).
struct KVCacheSpec {
  int batchDim = -1; // index in Manifest::dims
  int seqDim = -1;
  int64_t floatsPerToken = 0;
  attnc_dtype dtype = ATTNC_DTYPE_F32;
  /// Outputs (indices into Manifest::outputs) that a step returns for the
  /// last new token only: axis 1, sized by seqDim in a forward call, is 1.
  std::vector<size_t> lastPosition;
};

/// A parameter the compiler packed from others (attnc-fuse-projections,
/// attnc-pack-weights): the members' buffers concatenated along `axis`, then,
/// for a panel layout, rearranged into column panels; built once at load,
/// and taken by the entries after the outputs (docs/abi.md, "packed_params").
struct PackSpec {
  std::string name;
  attnc_dtype dtype = ATTNC_DTYPE_F32;
  std::vector<int64_t> shape;
  std::vector<int> members; // indices in Manifest::params
  int axis = 0;
  /// The members' concatenation: `shape`, unless in panels.
  std::vector<int64_t> whole;
  /// "panels": the axis of `whole` holding the output features (one of its
  /// last two); `shape` is then [whole[..-2].., ceil(out / W), in, W], W
  /// the panel width the compiler chose for its target (shape's last size).
  int outAxis = -1;
  /// "scales" (int8 weights, docs/abi.md): the input features per scale;
  /// `shape` is then [whole[..-2].., ceil(out / W), ceil(in / block), W].
  int64_t block = 0;
  /// Inputs side by side per column: 1 ("panels"), 2 ("pairs": bf16 panels
  /// for bf16 dot products) or 4 ("quads": int8 panels for int8 dot
  /// products; docs/abi.md). With G > 1 `shape` is [whole[..-2]..,
  /// ceil(out / W), ceil(in / G), W, G].
  int64_t group = 1;

  bool panels() const { return outAxis >= 0; }
  bool scales() const { return block > 0; }
  /// Built by quantizing its float members (i8 panels, or their scales).
  bool quantized() const { return scales() || dtype == ATTNC_DTYPE_I8; }
  bool grouped() const { return group > 1; }
  int64_t panelWidth() const {
    return shape[shape.size() - (grouped() ? 2 : 1)];
  }
  /// The rank of the members' concatenation, `whole`.
  size_t wholeRank() const {
    return shape.size() - (panels() ? 1 : 0) - (grouped() ? 1 : 0);
  }
};

/// The scratch memory a compiled model's entries take after the outputs
/// (docs/abi.md, "arena"): a sum of terms, each a number of bytes times a
/// product of dims (or, for the step entry, the cache's capacity and the
/// position).
struct ArenaTerm {
  /// Stand-ins for the step entry's scalars among the factors.
  static constexpr int kCapacity = -1, kPosition = -2;
  int64_t bytes = 0;
  std::vector<int> factors; // indices in Manifest::dims, or the above
};

struct ArenaSpec {
  int64_t alignment = 64;
  std::vector<ArenaTerm> forward, step;

  /// The size for these dims (and, for `step`, capacity and position), or
  /// nullopt if it does not fit in 64 bits.
  static std::optional<uint64_t> bytes(const std::vector<ArenaTerm> &terms,
                                       const std::vector<int64_t> &dims,
                                       int64_t capacity = 0,
                                       int64_t position = 0);
};

/// The CPU the code was compiled for (manifest "target"): its name and the
/// ISA extensions it may use (attnc/cpu_features.def names).
struct TargetSpec {
  std::string cpu;
  std::vector<std::string> features;
};

/// A kernel of the generated code (manifest "profile", written by
/// attnc-profile-regions): the row its profile hook calls name.
struct ProfileRegion {
  std::string entry;  // "forward" or "step"
  std::string kind;   // attn op kinds, '+'-joined, or "other"
  std::string source; // "file.attn:line:col", or "?"
  bool parallel = false;
  bool layered = false; // inside a layer loop
};

struct Manifest {
  std::string name;
  /// Absent in manifests of compilers that recorded no target.
  std::optional<TargetSpec> target;
  /// target's features comma-separated ("" without one), for the C API.
  std::string targetFeatureList;
  /// Hex digest of the compiler's input; empty when the manifest has none.
  std::string fingerprint;
  /// In manifest order.
  std::vector<Constant> constants;
  /// Dynamic dimensions, in the order attnc_model_forward takes them.
  std::vector<std::string> dims;
  std::vector<TensorSpec> inputs, params, outputs;
  std::vector<PackSpec> packs;
  /// Present when the model exports attnc_model_step.
  std::optional<KVCacheSpec> kvCache;
  /// Present when the entries take an arena after the outputs.
  std::optional<ArenaSpec> arena;
  /// The kernels the profile hook reports, by region id; empty in models
  /// compiled without the hook.
  std::vector<ProfileRegion> profile;

  std::string shapeString(const TensorSpec &spec) const {
    return spec.shapeString(dims);
  }
  std::string typeString(const TensorSpec &spec) const {
    return spec.typeString(dims);
  }
};

/// The tensor name of layer `layer` of a stacked parameter's template
/// ("{i}" replaced).
std::string layerTensorName(const std::string &pattern, int64_t layer);
inline std::string layerTensorName(const TensorSpec &param, int64_t layer) {
  return layerTensorName(param.tensor, layer);
}

/// Errors are ATTNC_ERROR_FORMAT, worded "invalid manifest: ...".
Expected<Manifest> parseManifest(std::string_view json);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_MANIFEST_H
