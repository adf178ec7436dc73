//===- QuantizedCheckpoint.cpp - int8 weights quantized ahead of time -----===//
#include "QuantizedCheckpoint.h"

#include "Convert.h"
#include "Panels.h"
#include "Quantize.h"
#include "Weights.h"

#include "attnc/Safetensors.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>

namespace attnc::rt {
namespace {

/// The axis of `shape`'s input features when `outAxis` (one of the last
/// two) holds its output features.
size_t inAxisOf(size_t rank, int outAxis) {
  return 2 * rank - 3 - static_cast<size_t>(outAxis);
}

/// The first of the parameter's sources that the checkpoint holds, or
/// nothing (the binder reports it missing).
std::optional<std::string> chosenSource(const TensorSpec &param,
                                        const NameResolver &resolver) {
  for (const std::string &source : param.sources()) {
    if (!param.layers && resolver.holds(source))
      return source;
    for (int64_t layer = 0; layer < param.layers; ++layer)
      if (resolver.holds(layerTensorName(source, layer)))
        return source;
  }
  return std::nullopt;
}

/// The parameter's tensor names, one per layer (or one).
std::vector<std::string> tensorNames(const TensorSpec &param,
                                     const std::string &source) {
  if (!param.layers)
    return {source};
  std::vector<std::string> names;
  for (int64_t layer = 0; layer < param.layers; ++layer)
    names.push_back(layerTensorName(source, layer));
  return names;
}

std::vector<int64_t> layerShape(const TensorSpec &param) {
  return {param.shape.begin() + (param.layers ? 1 : 0), param.shape.end()};
}

} // namespace

std::vector<int> int8OutAxes(const Manifest &manifest) {
  size_t count = manifest.params.size();
  std::vector<int> outAxes(count, -1);
  std::vector<bool> otherwise(count);
  for (const PackSpec &pack : manifest.packs) {
    bool aligned = pack.members.size() == 1 || pack.axis == pack.outAxis;
    if (pack.panels() && !aligned) {
      // Along the inputs: each member must end on a block boundary.
      aligned = true;
      for (size_t k = 0; k + 1 < pack.members.size(); ++k)
        aligned &= manifest.params[static_cast<size_t>(pack.members[k])]
                           .shape[static_cast<size_t>(pack.axis)] %
                       static_cast<int64_t>(kInt8Block) ==
                   0;
    }
    // Stacked members are built layer by layer (buildQuantizedPack).
    const TensorSpec &first =
        manifest.params[static_cast<size_t>(pack.members.front())];
    for (int member : pack.members)
      aligned &= manifest.params[static_cast<size_t>(member)].layers ==
                 first.layers;
    if (first.layers)
      aligned &= pack.shape.front() == first.layers &&
                 (pack.members.size() == 1 || pack.axis > 0);
    for (int member : pack.members) {
      auto m = static_cast<size_t>(member);
      // Packs reading a member along different outputs (a table's rows
      // and an [in, out] linear's panels) cannot share its quantization.
      if (pack.quantized() && pack.panels() && aligned &&
          (outAxes[m] < 0 || outAxes[m] == pack.outAxis))
        outAxes[m] = pack.outAxis;
      else
        otherwise[m] = true;
    }
  }
  for (size_t i = 0; i < count; ++i)
    if (otherwise[i] || manifest.params[i].read ||
        layerShape(manifest.params[i]).size() != 2)
      outAxes[i] = -1;
  return outAxes;
}

std::vector<std::optional<QuantizedTensors>>
findQuantized(const Manifest &manifest, const Checkpoint &checkpoint,
              const NameResolver &resolver, ErrorList &errors,
              std::set<std::string> &used) {
  std::vector<int> outAxes = int8OutAxes(manifest);
  std::vector<std::optional<QuantizedTensors>> found(manifest.params.size());
  for (size_t i = 0; i < manifest.params.size(); ++i) {
    const TensorSpec &param = manifest.params[i];
    std::optional<std::string> source = chosenSource(param, resolver);
    if (!source)
      continue;
    std::vector<const Checkpoint::Entry *> entries;
    bool anyInt8 = false;
    for (const std::string &name : tensorNames(param, *source)) {
      ErrorList ignored; // the binder reports missing tensors
      entries.push_back(resolver.find(name, "", ignored));
      anyInt8 |= entries.back() && entries.back()->info->dtype == ATTNC_DTYPE_I8;
    }
    if (!anyInt8)
      continue;
    found[i].emplace();
    std::string role = " (parameter '" + param.name + "' of model '" +
                       manifest.name + "')";
    if (outAxes[i] < 0) {
      const Checkpoint::Entry &entry = **std::find_if(
          entries.begin(), entries.end(), [](const Checkpoint::Entry *e) {
            return e && e->info->dtype == ATTNC_DTYPE_I8;
          });
      errors.add(ATTNC_ERROR_MISMATCH,
                 *entry.file + ": tensor '" + entry.info->name +
                     "' is int8 (quantized ahead of time), but model '" +
                     manifest.name + "' reads parameter '" + param.name +
                     "' as " + attnc_dtype_name(param.dtype) +
                     " (a checkpoint of attnc quantize is for a model "
                     "compiled with --weight-type int8)");
      continue;
    }
    std::vector<int64_t> shape = layerShape(param);
    std::vector<int64_t> scalesShape = int8ScalesShape(
        shape, inAxisOf(shape.size(),
                        outAxes[i] - (param.layers ? 1 : 0)));
    QuantizedTensors tensors;
    bool fits = true;
    for (const Checkpoint::Entry *entry : entries) {
      if (!entry) {
        fits = false; // the binder reports it missing
        continue;
      }
      const st::TensorInfo &values = *entry->info;
      std::string where = *entry->file + ": tensor '" + values.name + "'";
      used.insert(values.name);
      if (values.dtype != ATTNC_DTYPE_I8 || values.shape != shape) {
        errors.add(ATTNC_ERROR_MISMATCH,
                   where + ": expected I8" + formatShape(shape) +
                       " (int8 values), found " + st::dtypeName(values.dtype) +
                       formatShape(values.shape) + role);
        fits = false;
        continue;
      }
      std::string scalesName = int8ScalesName(values.name);
      const Checkpoint::Entry *scales = checkpoint.find(scalesName);
      std::string expected = "F16" + formatShape(scalesShape) +
                             " (scales of int8 tensor '" + values.name +
                             "', one per " + std::to_string(kInt8Block) +
                             " input features)";
      if (!scales) {
        errors.add(ATTNC_ERROR_MISMATCH, *entry->file + ": missing tensor '" +
                                             scalesName + "', expected " +
                                             expected + role);
        fits = false;
        continue;
      }
      used.insert(scalesName);
      // F32 scales: as attnc quantize wrote them before 2026-12-06.
      if ((scales->info->dtype != ATTNC_DTYPE_F16 &&
           scales->info->dtype != ATTNC_DTYPE_F32) ||
          scales->info->shape != scalesShape) {
        errors.add(ATTNC_ERROR_MISMATCH,
                   *scales->file + ": tensor '" + scalesName + "': expected " +
                       expected + ", found " +
                       st::dtypeName(scales->info->dtype) +
                       formatShape(scales->info->shape) + role);
        fits = false;
        continue;
      }
      tensors.values.push_back(&values);
      tensors.scales.push_back(scales->info);
    }
    if (fits)
      *found[i] = std::move(tensors);
  }
  if (std::any_of(found.begin(), found.end(),
                  [](const auto &q) { return q.has_value(); }))
    for (const auto &[file, block] : checkpoint.metadataValues(kInt8BlockKey))
      if (block != std::to_string(kInt8Block))
        errors.add(ATTNC_ERROR_MISMATCH,
                   file + ": int8 weights quantized with blocks of " + block +
                       " input features (metadata '" + kInt8BlockKey +
                       "'), but model '" + manifest.name +
                       "' takes blocks of " + std::to_string(kInt8Block));
  return found;
}

void buildQuantizedPack(
    const Manifest &manifest, const PackSpec &pack,
    const std::vector<std::optional<QuantizedTensors>> &quantized, void *out) {
  bool scales = pack.scales();
  size_t element = scales ? sizeof(uint16_t) : 1;
  // One slice per layer of stacked members (int8OutAxes: then along a
  // later axis), each from the members' tensors of that layer, copied side
  // by side (also aligning the mapping's data) and laid out in panels.
  size_t lead = manifest.params[static_cast<size_t>(pack.members.front())]
                        .layers > 0
                    ? 1
                    : 0;
  std::vector<int64_t> slice(pack.whole.begin() + static_cast<long>(lead),
                             pack.whole.end());
  // A single member's axis may be the layers' (0): any axis does then.
  int axis = std::max(pack.axis - static_cast<int>(lead), 0);
  int outAxis = pack.outAxis - static_cast<int>(lead);
  if (scales)
    slice = int8ScalesShape(slice, inAxisOf(slice.size(), outAxis));
  std::vector<int64_t> packSlice(pack.shape.begin() + static_cast<long>(lead),
                                 pack.shape.end());
  size_t sliceBytes = *checkedByteSize(packSlice, element);
  auto width = static_cast<size_t>(pack.panelWidth());
  AlignedBuffer joined(*checkedByteSize(slice, element));
  size_t layers = lead ? static_cast<size_t>(pack.shape.front()) : 1;
  for (size_t l = 0; l < layers; ++l) {
    std::vector<const void *> data;
    std::vector<int64_t> sizes;
    std::deque<std::vector<uint16_t>> rounded;
    for (int member : pack.members) {
      const QuantizedTensors &tensors = *quantized[static_cast<size_t>(member)];
      const st::TensorInfo &info = *(scales ? tensors.scales : tensors.values)[l];
      data.push_back(info.data);
      if (scales && info.dtype == ATTNC_DTYPE_F32) {
        // Older files' f32 scales, rounded to the f16 the kernels read.
        size_t count = static_cast<size_t>(*checkedByteSize(info.shape));
        convert(info.data, ATTNC_DTYPE_F32, rounded.emplace_back(count).data(),
                ATTNC_DTYPE_F16, count);
        data.back() = rounded.back().data();
      }
      sizes.push_back(info.shape[static_cast<size_t>(axis)]);
    }
    concatenateAlong(slice, axis, sizes, element, data, joined.data());
    char *to = static_cast<char *>(out) + l * sliceBytes;
    if (scales)
      packPanels(static_cast<const uint16_t *>(joined.data()), slice, outAxis,
                 width, reinterpret_cast<uint16_t *>(to));
    else
      packPanels(static_cast<const int8_t *>(joined.data()), slice, outAxis,
                 width, reinterpret_cast<int8_t *>(to), pack.group);
  }
}

Status writeQuantizedCheckpoint(const Manifest &manifest,
                                const std::string &in, const std::string &out) {
  if (std::none_of(manifest.packs.begin(), manifest.packs.end(),
                   [](const PackSpec &pack) {
                     return pack.dtype == ATTNC_DTYPE_I8;
                   }))
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "model '" + manifest.name +
                     "' has no int8 weights (compile it with --weight-type "
                     "int8): nothing to quantize");
  Expected<Checkpoint> checkpoint = Checkpoint::open(in);
  if (!checkpoint)
    return checkpoint.error();
  Expected<NameResolver> resolver =
      NameResolver::create(*checkpoint, requiredTensorNames(manifest));
  if (!resolver)
    return resolver.error();

  // Each tensor a parameter reads: the axis of its output features if every
  // parameter reading it may be quantized ahead of time, else -1.
  std::vector<int> outAxes = int8OutAxes(manifest);
  std::map<std::string, int> plan;
  ErrorList errors;
  for (size_t i = 0; i < manifest.params.size(); ++i) {
    const TensorSpec &param = manifest.params[i];
    std::optional<std::string> source = chosenSource(param, *resolver);
    if (!source) {
      resolver->reportMissing(param.sources(),
                              " (parameter '" + param.name + "')", errors);
      continue;
    }
    int axis = outAxes[i] < 0 ? -1 : outAxes[i] - (param.layers ? 1 : 0);
    for (const std::string &name : tensorNames(param, *source)) {
      std::string role = " (parameter '" + param.name + "')";
      const Checkpoint::Entry *entry = resolver->find(name, role, errors);
      if (!entry)
        continue;
      const st::TensorInfo &info = *entry->info;
      auto [it, fresh] = plan.emplace(info.name, axis);
      if (!fresh && it->second != axis)
        it->second = -1;
      if (axis < 0)
        continue;
      if (!isConvertible(info.dtype, ATTNC_DTYPE_F32) ||
          info.shape != layerShape(param))
        errors.add(ATTNC_ERROR_MISMATCH,
                   *entry->file + ": tensor '" + info.name + "': expected " +
                       convertibleNames(ATTNC_DTYPE_F32, st::dtypeName) +
                       formatShape(layerShape(param)) + ", found " +
                       st::dtypeName(info.dtype) + formatShape(info.shape) +
                       role);
      if (checkpoint->find(int8ScalesName(info.name)))
        errors.add(ATTNC_ERROR_MISMATCH,
                   *entry->file + ": tensor '" + int8ScalesName(info.name) +
                       "' would be the scales of '" + info.name +
                       "': the checkpoint holds one of that name already");
    }
  }
  if (!errors.empty())
    return errors.take();

  std::map<std::string, st::TensorView> tensors;
  std::deque<AlignedBuffer> buffers;
  for (const auto &[name, entry] : checkpoint->tensors()) {
    const st::TensorInfo &info = *entry.info;
    auto planned = plan.find(name);
    if (planned == plan.end() || planned->second < 0) {
      tensors[name] = {info.dtype, info.shape, info.data};
      continue;
    }
    size_t count = static_cast<size_t>(*checkedByteSize(info.shape));
    AlignedBuffer wide(count * sizeof(float));
    convert(info.data, info.dtype, wide.data(), ATTNC_DTYPE_F32, count);
    WeightMatrices matrix(info.shape, planned->second);
    std::vector<int64_t> scalesShape = int8ScalesShape(
        info.shape, inAxisOf(info.shape.size(), planned->second));
    AlignedBuffer &values = buffers.emplace_back(count);
    AlignedBuffer &scales =
        buffers.emplace_back(*checkedByteSize(scalesShape, sizeof(uint16_t)));
    const auto *weights = static_cast<const float *>(wide.data());
    if (std::optional<size_t> bad =
            quantizeMatrix(weights, matrix.rows, matrix.cols, matrix.outIsRow,
                           static_cast<int8_t *>(values.data()),
                           static_cast<uint16_t *>(scales.data()))) {
      size_t n = *bad / matrix.ins, k = *bad % matrix.ins;
      return Error(ATTNC_ERROR_MISMATCH,
                   *entry.file + ": tensor '" + name +
                       "': the weight of output feature " + std::to_string(n) +
                       ", input feature " + std::to_string(k) + " " +
                       int8QuantizeError(
                           weights[matrix.outIsRow ? n * matrix.cols + k
                                                   : k * matrix.cols + n]));
    }
    tensors[name] = {ATTNC_DTYPE_I8, info.shape, values.data()};
    tensors[int8ScalesName(name)] = {ATTNC_DTYPE_F16, scalesShape,
                                     scales.data()};
  }
  return st::write(out, tensors,
                   {{kInt8BlockKey, std::to_string(kInt8Block)}});
}

} // namespace attnc::rt
