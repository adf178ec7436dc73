//===- QuantizedCheckpoint.h - int8 weights quantized ahead of time -*- C++ -*-===//
//
// `attnc quantize` writes a checkpoint whose int8 weights are already
// quantized (Quantize.h has the names and the rule); the runtime builds their
// packs from those values and scales instead of quantizing at load, to the
// same bits. A weight may be stored so when the model reads it only through
// int8 packs, each of them a concatenation along the output features (or
// along inputs that end on a block boundary), so that quantizing each
// tensor alone gives the scales the pack's rule gives.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_QUANTIZEDCHECKPOINT_H
#define ATTNC_RUNTIME_LIB_QUANTIZEDCHECKPOINT_H

#include "Checkpoint.h"
#include "Manifest.h"
#include "NameResolver.h"
#include "Support.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace attnc::rt {

/// Per parameter: the axis of its output features (of the parameter's
/// shape, layers included) if a checkpoint may hold it quantized ahead of
/// time, else -1.
std::vector<int> int8OutAxes(const Manifest &manifest);

/// A parameter's int8 values and scales, one tensor each per layer (or one).
struct QuantizedTensors {
  std::vector<const st::TensorInfo *> values, scales;
};

/// Per parameter: its quantized tensors when the checkpoint holds its
/// tensors as int8, else nullopt. A parameter whose int8 tensors do not fit
/// the model (shape, block, scales, a model that reads it as f32) gets an
/// error in `errors` and empty tensors (so that nothing else reports it).
/// Adds the names read to `used`.
std::vector<std::optional<QuantizedTensors>>
findQuantized(const Manifest &manifest, const Checkpoint &checkpoint,
              const NameResolver &resolver, ErrorList &errors,
              std::set<std::string> &used);

/// Builds `pack` (the i8 panels or their scales) from its members' int8
/// tensors (`quantized`, from findQuantized) into `out`.
void buildQuantizedPack(const Manifest &manifest, const PackSpec &pack,
                        const std::vector<std::optional<QuantizedTensors>> &quantized,
                        void *out);

/// Writes to `out` the checkpoint `in` (a file, index or model directory)
/// with every weight the model may read quantized (int8OutAxes) stored as
/// int8 values and scales, and every other tensor as it is. Fails for a
/// model without int8 weights.
Status writeQuantizedCheckpoint(const Manifest &manifest,
                                const std::string &in, const std::string &out);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_QUANTIZEDCHECKPOINT_H
