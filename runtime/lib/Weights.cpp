//===- Weights.cpp - Parameters bound to a checkpoint ---------------------===//
#include "Weights.h"

#include "Convert.h"
#include "MemoryPlan.h"
#include "NameResolver.h"
#include "Panels.h"
#include "Quantize.h"
#include "QuantizedCheckpoint.h"
#include "Residency.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include <sys/mman.h>
#include <unistd.h>

namespace attnc::rt {

std::set<std::string> requiredTensorNames(const Manifest &manifest) {
  std::set<std::string> names;
  for (const TensorSpec &param : manifest.params)
    for (const std::string &source : param.sources()) {
      if (!param.layers) {
        names.insert(source);
        continue;
      }
      for (int64_t layer = 0; layer < param.layers; ++layer)
        names.insert(layerTensorName(source, layer));
    }
  return names;
}

namespace {

/// Drops the resident pages wholly inside [data, data + bytes) of a
/// read-only file mapping (a checkpoint): a later read maps them again
/// from the file, so this only gives back memory, never loses data. Not
/// for heap memory, whose dropped pages would read back as zeros.
void dropFilePages(const void *data, size_t bytes) {
  static const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  auto begin = reinterpret_cast<uintptr_t>(data);
  uintptr_t first = (begin + page - 1) / page * page;
  uintptr_t last = (begin + bytes) / page * page;
  if (last > first)
    madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}

std::string lowercase(std::string text) {
  for (char &c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

/// Fails if the checkpoint says it was made for another compiled model.
Status checkFingerprint(const Manifest &manifest,
                        const Checkpoint &checkpoint) {
  if (manifest.fingerprint.empty())
    return Status::success();
  for (const auto &[file, value] :
       checkpoint.metadataValues("attnc_fingerprint"))
    if (lowercase(value) != lowercase(manifest.fingerprint))
      return Error(ATTNC_ERROR_MISMATCH,
                   file + ": made for the model with fingerprint '" + value +
                       "', but model '" + manifest.name +
                       "' has fingerprint '" + manifest.fingerprint + "'");
  return Status::success();
}

/// "'a'", "'a' nor 'b'".
std::string norList(const std::vector<std::string> &names, size_t count) {
  std::string list;
  for (size_t i = 0; i < count; ++i)
    list += (i ? " nor '" : "'") + names[i] + "'";
  return list;
}

/// Binds one manifest parameter, reading each of its tensors from the first
/// of its sources that the checkpoint holds. Parameters that read the same
/// tensors as the same dtype share one buffer.
class ParamBinder {
public:
  ParamBinder(const NameResolver &resolver, ErrorList &errors,
              std::set<std::string> &used, std::vector<std::string> &notes)
      : resolver(resolver), errors(errors), used(used), notes(notes) {}

  /// The parameter's buffer, or nullptr after adding errors. Allocates into
  /// `copies` what cannot be used in place.
  const void *bind(const TensorSpec &param, std::vector<AlignedBuffer> &copies) {
    std::vector<const st::TensorInfo *> tensors = locate(param);
    if (tensors.empty())
      return nullptr;
    const void *&buffer = bound[{tensors, param.dtype}];
    if (!buffer)
      buffer = read(param, tensors, copies);
    return buffer;
  }

  /// The checkpoint's tensors of the parameter, checked (one, or one per
  /// layer), without reading them; empty after adding errors.
  std::vector<const st::TensorInfo *> locate(const TensorSpec &param) {
    std::vector<std::string> sources = param.sources();
    std::string role = "parameter '" + param.name + "'";
    size_t chosen = 0;
    while (chosen < sources.size() && !holdsAny(sources[chosen], param.layers))
      ++chosen;
    if (chosen == sources.size()) {
      std::vector<int64_t> shape(param.shape.begin() + (param.layers ? 1 : 0),
                                 param.shape.end());
      std::string context = " (" + role + ", expected " +
                            attnc_dtype_name(param.dtype) + formatShape(shape) +
                            ")";
      if (!param.layers)
        resolver.reportMissing(sources, context, errors);
      for (int64_t layer = 0; layer < param.layers; ++layer) {
        std::vector<std::string> names;
        for (const std::string &source : sources)
          names.push_back(layerTensorName(source, layer));
        resolver.reportMissing(names,
                               " (layer " + std::to_string(layer) + " of " +
                                   context.substr(2),
                               errors);
      }
      return {};
    }
    const std::string &pattern = sources[chosen];
    if (chosen > 0)
      notes.push_back(resolver.checkpointPath() + ": " + role + " reads '" +
                      pattern + "' (the checkpoint has no " +
                      norList(sources, chosen) + ")");

    std::vector<const st::TensorInfo *> tensors;
    if (!param.layers) {
      const Checkpoint::Entry *entry =
          lookup(pattern, param.shape, param, role);
      if (!entry)
        return {};
      tensors.push_back(entry->info);
    } else {
      std::vector<int64_t> layerShape(param.shape.begin() + 1,
                                      param.shape.end());
      for (int64_t layer = 0; layer < param.layers; ++layer) {
        const Checkpoint::Entry *entry =
            lookup(layerTensorName(pattern, layer), layerShape, param,
                   "layer " + std::to_string(layer) + " of " + role);
        tensors.push_back(entry ? entry->info : nullptr);
      }
      if (std::count(tensors.begin(), tensors.end(), nullptr))
        return {};
    }
    return tensors;
  }

private:
  static size_t numElements(const std::vector<int64_t> &shape) {
    return static_cast<size_t>(*checkedByteSize(shape));
  }

  bool holdsAny(const std::string &pattern, int64_t layers) const {
    if (!layers)
      return resolver.holds(pattern);
    for (int64_t layer = 0; layer < layers; ++layer)
      if (resolver.holds(layerTensorName(pattern, layer)))
        return true;
    return false;
  }

  /// The buffer of `tensors` (one, or one per layer) as the parameter's
  /// dtype: in place in the mapping when possible, else a copy.
  static const void *read(const TensorSpec &param,
                          const std::vector<const st::TensorInfo *> &tensors,
                          std::vector<AlignedBuffer> &copies) {
    if (!param.layers) {
      const st::TensorInfo &info = *tensors.front();
      if (info.dtype == param.dtype && isAligned(info.data, info.dtype))
        return info.data;
      AlignedBuffer &copy = copies.emplace_back(numElements(param.shape) *
                                                attnc_dtype_size(param.dtype));
      convert(info.data, info.dtype, copy.data(), param.dtype,
              numElements(param.shape));
      dropFilePages(info.data, info.byteSize());
      return copy.data();
    }
    std::vector<int64_t> layerShape(param.shape.begin() + 1,
                                    param.shape.end());
    size_t layerElements = numElements(layerShape);
    size_t layerBytes = layerElements * attnc_dtype_size(param.dtype);
    AlignedBuffer &stacked =
        copies.emplace_back(layerBytes * static_cast<size_t>(param.layers));
    for (size_t layer = 0; layer < tensors.size(); ++layer) {
      convert(tensors[layer]->data, tensors[layer]->dtype,
              static_cast<char *>(stacked.data()) + layer * layerBytes,
              param.dtype, layerElements);
      dropFilePages(tensors[layer]->data, tensors[layer]->byteSize());
    }
    return stacked.data();
  }

  /// The tensor `name` if it has a dtype convertible to the parameter's and
  /// exactly `shape`; else nullptr after adding an error.
  const Checkpoint::Entry *lookup(const std::string &name,
                                  const std::vector<int64_t> &shape,
                                  const TensorSpec &param,
                                  const std::string &role) {
    std::string expected = attnc_dtype_name(param.dtype) + formatShape(shape);
    const Checkpoint::Entry *entry =
        resolver.find(name, " (" + role + ", expected " + expected + ")",
                      errors);
    if (!entry)
      return nullptr;
    const st::TensorInfo &info = *entry->info;
    used.insert(info.name);
    std::string where = *entry->file + ": tensor '" + info.name + "'";
    if (!isConvertible(info.dtype, param.dtype)) {
      errors.add(ATTNC_ERROR_MISMATCH,
                 where + ": expected dtype " +
                     convertibleNames(param.dtype, st::dtypeName) +
                     ", found " + st::dtypeName(info.dtype) + " (" + role +
                     ")");
      return nullptr;
    }
    if (info.shape != shape) {
      errors.add(ATTNC_ERROR_MISMATCH,
                 where + ": expected shape " + formatShape(shape) + ", found " +
                     formatShape(info.shape) + " (" + role + ")");
      return nullptr;
    }
    return entry;
  }

  const NameResolver &resolver;
  ErrorList &errors;
  std::set<std::string> &used;
  std::vector<std::string> &notes;
  /// What each list of tensors was bound to, by the parameter's dtype.
  std::map<std::pair<std::vector<const st::TensorInfo *>, attnc_dtype>,
           const void *>
      bound;
};

/// Concatenates the members of `pack` along its axis into `out`, of shape
/// `pack.whole`.
void concatenate(const Manifest &manifest, const PackSpec &pack,
                 const std::vector<const void *> &params, void *out) {
  std::vector<const void *> members;
  std::vector<int64_t> sizes;
  for (int member : pack.members) {
    members.push_back(params[static_cast<size_t>(member)]);
    sizes.push_back(manifest.params[static_cast<size_t>(member)].shape[pack.axis]);
  }
  concatenateAlong(pack.whole, pack.axis, sizes,
                   attnc_dtype_size(manifest.params[pack.members.front()].dtype),
                   members, out);
}

/// The int8 panels of `whole` (f32, `pack.whole`) or their scales, as
/// `pack` says (docs/abi.md, "int8 weights"): each matrix made [out, in],
/// quantized by the rule of Quantize.h, then packed in panels.
Status quantizePack(const Manifest &manifest, const PackSpec &pack,
                    const float *whole, void *out) {
  auto [rows, cols, matrices, outIsRow, outs, ins] =
      WeightMatrices(pack.whole, pack.outAxis);
  size_t blocks = int8Blocks(ins);
  auto width = static_cast<size_t>(pack.panelWidth());
  // In quads, `in` rounded up to whole groups.
  auto group = static_cast<size_t>(pack.group);
  size_t paddedIns = (ins + group - 1) / group * group;
  size_t panels = (outs + width - 1) / width;
  // An [in, out] matrix is transposed first (a copy); [out, in] is read
  // as it is.
  std::vector<float> matrix(outIsRow ? 0 : outs * ins);
  std::vector<uint16_t> scales(outs * blocks);
  std::vector<int8_t> values(outs * ins);
  for (size_t m = 0; m < matrices; ++m) {
    const float *from = whole + m * rows * cols;
    if (!outIsRow)
      for (size_t n = 0; n < outs; ++n)
        for (size_t k = 0; k < ins; ++k)
          matrix[n * ins + k] = from[k * cols + n];
    if (std::optional<size_t> bad =
            quantizeInt8(outIsRow ? from : matrix.data(), outs, ins,
                         values.data(), scales.data())) {
      std::string members;
      for (int member : pack.members)
        members += (members.empty() ? "'" : ", '") +
                   manifest.params[static_cast<size_t>(member)].name + "'";
      return Error(
          ATTNC_ERROR_MISMATCH,
          "packed parameter '" + pack.name + "' (int8, from " + members +
              "): the weight of output feature " + std::to_string(*bad / ins) +
              ", input feature " + std::to_string(*bad % ins) +
              (matrices > 1 ? " of matrix " + std::to_string(m) : "") + " " +
              int8QuantizeError(outIsRow ? from[*bad] : matrix[*bad]));
    }
    if (pack.scales())
      packPanels(scales.data(),
                 {static_cast<int64_t>(outs), static_cast<int64_t>(blocks)}, 0,
                 width,
                 static_cast<uint16_t *>(out) + m * panels * blocks * width);
    else
      packPanels(values.data(), {static_cast<int64_t>(outs),
                                 static_cast<int64_t>(ins)},
                 0, width,
                 static_cast<int8_t *>(out) + m * panels * paddedIns * width,
                 pack.group);
  }
  return Status::success();
}

Status buildPack(const Manifest &manifest, const PackSpec &pack,
                 const std::vector<const void *> &params, void *out) {
  if (!pack.panels()) {
    concatenate(manifest, pack, params, out);
    return Status::success();
  }
  attnc_dtype memberType =
      manifest.params[static_cast<size_t>(pack.members.front())].dtype;
  const void *whole = params[pack.members.front()];
  AlignedBuffer joined;
  if (pack.members.size() > 1) {
    joined = AlignedBuffer(
        *checkedByteSize(pack.whole, attnc_dtype_size(memberType)));
    concatenate(manifest, pack, params, joined.data());
    whole = joined.data();
  }
  if (pack.quantized()) {
    AlignedBuffer widened;
    if (memberType != ATTNC_DTYPE_F32) {
      widened = AlignedBuffer(*checkedByteSize(pack.whole, sizeof(float)));
      convert(whole, memberType, widened.data(), ATTNC_DTYPE_F32,
              static_cast<size_t>(*checkedByteSize(pack.whole)));
      whole = widened.data();
    }
    return quantizePack(manifest, pack, static_cast<const float *>(whole),
                        out);
  }
  auto width = static_cast<size_t>(pack.panelWidth());
  if (attnc_dtype_size(pack.dtype) == sizeof(uint16_t))
    packPanels(static_cast<const uint16_t *>(whole), pack.whole, pack.outAxis,
               width, static_cast<uint16_t *>(out), pack.group);
  else
    packPanels(static_cast<const float *>(whole), pack.whole, pack.outAxis,
               width, static_cast<float *>(out));
  return Status::success();
}

/// Whether pack `j` is built layer by layer from the checkpoint's tensors:
/// its members are stacked parameters that the code reads only through this
/// pack (`packsOf`: how many packs read each parameter), so none of them is
/// ever held whole and a load peaks at the packs plus one layer's members,
/// not at the weights twice (a 7B model in bf16 fits in 15 GB).
bool isStreamed(const Manifest &manifest, const PackSpec &pack,
                const std::vector<int> &packsOf) {
  for (int member : pack.members) {
    const TensorSpec &param = manifest.params[static_cast<size_t>(member)];
    if (!param.layers || param.read || packsOf[static_cast<size_t>(member)] != 1 ||
        pack.shape.empty() || pack.shape.front() != param.layers)
      return false;
  }
  // A concatenation along the layers would mix them.
  return pack.members.size() == 1 || pack.axis > 0;
}

/// One layer of a streamed pack: its members (renumbered 0..n-1, one layer
/// each, in `view`) and the slice of the pack they make.
struct LayerOfPack {
  Manifest view;
  PackSpec slice;

  LayerOfPack(const Manifest &manifest, const PackSpec &pack) : slice(pack) {
    slice.shape.erase(slice.shape.begin());
    slice.whole.erase(slice.whole.begin());
    slice.axis = std::max(pack.axis - 1, 0);
    if (pack.panels())
      slice.outAxis = pack.outAxis - 1;
    slice.members.clear();
    for (int member : pack.members) {
      TensorSpec param = manifest.params[static_cast<size_t>(member)];
      param.shape.erase(param.shape.begin());
      param.layers = 0;
      slice.members.push_back(static_cast<int>(view.params.size()));
      view.params.push_back(std::move(param));
    }
  }

  /// Bytes one layer's members take while it is packed: their converted
  /// copies and, for several members, their concatenation.
  uint64_t transientBytes() const {
    uint64_t bytes = 0;
    for (const TensorSpec &param : view.params)
      bytes += paramBytes(param);
    if (view.params.size() > 1 && slice.panels())
      bytes += *checkedByteSize(slice.whole,
                                attnc_dtype_size(view.params[0].dtype));
    // Quantizing: the matrix widened and made [out, in], its values and
    // scales (Quantize.h; an upper bound).
    if (slice.quantized())
      bytes += *checkedByteSize(slice.whole, 2 * sizeof(float) + 1);
    return bytes;
  }
};

/// Builds a streamed pack (isStreamed) into `out` one layer at a time from
/// `sources` (each parameter's tensors, one per layer), giving back each
/// layer's pages of the checkpoint's mapping once it is packed.
Status buildStreamedPack(
    const Manifest &manifest, const PackSpec &pack,
    const std::vector<std::vector<const st::TensorInfo *>> &sources,
    void *out) {
  LayerOfPack layer(manifest, pack);
  std::vector<AlignedBuffer> buffers;
  std::vector<const void *> members(layer.view.params.size());
  size_t sliceBytes =
      *checkedByteSize(layer.slice.shape, attnc_dtype_size(pack.dtype));
  for (int64_t l = 0; l < pack.shape.front(); ++l) {
    for (size_t k = 0; k < pack.members.size(); ++k) {
      const TensorSpec &param = layer.view.params[k];
      const st::TensorInfo &info =
          *sources[static_cast<size_t>(pack.members[k])][static_cast<size_t>(l)];
      if (info.dtype == param.dtype && isAligned(info.data, info.dtype)) {
        members[k] = info.data;
        continue;
      }
      if (buffers.size() <= k)
        buffers.resize(k + 1);
      if (!buffers[k].data())
        buffers[k] = AlignedBuffer(paramBytes(param));
      convert(info.data, info.dtype, buffers[k].data(), param.dtype,
              static_cast<size_t>(*checkedByteSize(param.shape)));
      members[k] = buffers[k].data();
    }
    if (Status s = buildPack(layer.view, layer.slice, members,
                             static_cast<char *>(out) +
                                 static_cast<size_t>(l) * sliceBytes);
        !s)
      return s;
    for (int member : pack.members) {
      const st::TensorInfo &info =
          *sources[static_cast<size_t>(member)][static_cast<size_t>(l)];
      dropFilePages(info.data, info.byteSize());
    }
  }
  return Status::success();
}

/// "h.{i}.attn.bias" and 3 for "h.3.attn.bias": the name with its first
/// dot-separated component of digits made a template; nothing if it has
/// none.
std::optional<std::pair<std::string, uint64_t>>
layerTemplate(const std::string &name) {
  size_t begin = 0;
  while (begin < name.size()) {
    size_t end = name.find('.', begin);
    if (end == std::string::npos)
      end = name.size();
    if (end > begin && end - begin <= 9 &&
        std::all_of(name.begin() + begin, name.begin() + end,
                    [](char c) { return c >= '0' && c <= '9'; }))
      return std::make_pair(name.substr(0, begin) + "{i}" + name.substr(end),
                            std::stoull(name.substr(begin, end - begin)));
    begin = end + 1;
  }
  return std::nullopt;
}

/// "0..11" for consecutive layers, else "0, 2, 5".
std::string layerList(std::vector<uint64_t> layers) {
  std::sort(layers.begin(), layers.end());
  bool consecutive = true;
  for (size_t i = 1; i < layers.size(); ++i)
    consecutive &= layers[i] == layers[i - 1] + 1;
  if (consecutive)
    return std::to_string(layers.front()) + ".." +
           std::to_string(layers.back());
  std::string list;
  for (uint64_t layer : layers)
    list += (list.empty() ? "" : ", ") + std::to_string(layer);
  return list;
}

/// One warning per unused tensor, except that the tensors of one file that
/// differ only in a layer index (a checkpoint's per-layer buffers, such as
/// GPT-2's h.{i}.attn.bias) share one.
std::vector<std::string>
unusedTensorNotes(const std::vector<std::pair<std::string, std::string>> &unused,
                  const std::string &model) {
  std::map<std::pair<std::string, std::string>, std::vector<uint64_t>> groups;
  for (const auto &[file, name] : unused)
    if (auto layer = layerTemplate(name))
      groups[{file, layer->first}].push_back(layer->second);
  std::vector<std::string> notes;
  std::set<std::pair<std::string, std::string>> reported;
  for (const auto &[file, name] : unused) {
    auto layer = layerTemplate(name);
    auto group = layer ? groups.find({file, layer->first}) : groups.end();
    if (group == groups.end() || group->second.size() < 2) {
      notes.push_back(file + ": tensor '" + name + "' is not used by model '" +
                      model + "'");
      continue;
    }
    if (!reported.insert(group->first).second)
      continue;
    notes.push_back(file + ": " + std::to_string(group->second.size()) +
                    " tensors '" + layer->first + "' (i = " +
                    layerList(group->second) + ") are not used by model '" +
                    model + "'");
  }
  return notes;
}

/// Fails before anything is copied when the parameters as bound (copies,
/// and pages of the mapping used in place) and the packs exceed the budget.
Status checkWeightsMemory(const Manifest &manifest,
                          const NameResolver &resolver,
                          const std::vector<bool> &streamedPacks,
                          const std::vector<std::optional<QuantizedTensors>> &quantized,
                          const std::string &path) {
  std::vector<bool> streamed(manifest.params.size());
  uint64_t layerBeingPacked = 0;
  for (size_t j = 0; j < manifest.packs.size(); ++j) {
    if (!streamedPacks[j])
      continue;
    for (int member : manifest.packs[j].members)
      streamed[static_cast<size_t>(member)] = true;
    layerBeingPacked =
        std::max(layerBeingPacked,
                 LayerOfPack(manifest, manifest.packs[j]).transientBytes());
  }
  uint64_t copied = 0, inPlace = 0;
  for (size_t i = 0; i < manifest.params.size(); ++i) {
    const TensorSpec &param = manifest.params[i];
    if (streamed[i] || quantized[i])
      continue;
    ErrorList ignored; // the binder reports missing tensors
    const Checkpoint::Entry *entry =
        param.layers ? nullptr : resolver.find(param.tensor, "", ignored);
    bool used = entry && entry->info->dtype == param.dtype &&
                isAligned(entry->info->data, param.dtype);
    uint64_t &sum = used ? inPlace : copied;
    uint64_t bytes = paramBytes(param);
    sum = sum + bytes < sum ? UINT64_MAX : sum + bytes;
  }
  MemoryNeed need;
  need.add("weights copied", copied);
  need.add("weights in place", inPlace, /*newAddressSpace=*/false);
  need.add("packs", packBytes(manifest));
  if (layerBeingPacked)
    need.add("one layer being packed", layerBeingPacked);
  return checkMemory(
      need, "model '" + manifest.name + "': loading the weights of '" + path +
                "'",
      [&](uint64_t) { return weightsOverLimitHint(manifest); });
}

} // namespace

void Weights::releasePacked(const Manifest &manifest, size_t index,
                            const std::vector<size_t> &lastPack,
                            size_t built) {
  const void *data = paramData[index];
  if (!data)
    return;
  // Parameters tied to one tensor share its buffer: it goes once the last
  // of them is packed, and a copy only if none of them is read.
  bool read = false;
  for (size_t q = 0; q < paramData.size(); ++q) {
    if (paramData[q] != data)
      continue;
    if (lastPack[q] != kNoPack && lastPack[q] > built)
      return;
    read |= manifest.params[q].read;
  }
  const TensorSpec &param = manifest.params[index];
  auto copy = std::find_if(copies.begin(), copies.end(),
                           [&](const AlignedBuffer &buffer) {
                             return buffer.data() == data;
                           });
  if (copy == copies.end()) {
    // In the checkpoint's mapping: packing read every page; the code reads
    // those it needs again (an embedding, the rows of its tokens).
    dropFilePages(data, *checkedByteSize(param.shape,
                                         attnc_dtype_size(param.dtype)));
  } else if (!read) {
    *copy = AlignedBuffer();
    std::replace(paramData.begin(), paramData.end(), data,
                 static_cast<const void *>(nullptr));
  }
}

void Weights::makeResident(const Manifest &manifest,
                           const std::vector<size_t> &lastPack) {
  for (size_t j = 0; j < manifest.packs.size(); ++j)
    populateReadable(packData[j],
                     *checkedByteSize(manifest.packs[j].shape,
                                      attnc_dtype_size(manifest.packs[j].dtype)));
  for (size_t i = 0; i < manifest.params.size(); ++i) {
    const TensorSpec &param = manifest.params[i];
    bool copied = std::any_of(copies.begin(), copies.end(),
                              [&](const AlignedBuffer &buffer) {
                                return buffer.data() == paramData[i];
                              });
    // A packed member left in the checkpoint's mapping was dropped on
    // purpose: the code reads only a few of its rows (an embedding).
    if (!paramData[i] || (!copied && lastPack[i] != SIZE_MAX))
      continue;
    populateReadable(paramData[i],
                     *checkedByteSize(param.shape,
                                      attnc_dtype_size(param.dtype)));
  }
}

Expected<Weights> Weights::load(const Manifest &manifest,
                                const std::string &path,
                                const Progress &progress) {
  Expected<Checkpoint> checkpoint = Checkpoint::open(path);
  if (!checkpoint)
    return checkpoint.error();
  Weights weights(std::move(*checkpoint));
  const Checkpoint &ckpt = weights.checkpoint;
  if (Status s = checkFingerprint(manifest, ckpt); !s)
    return s.error();
  Expected<NameResolver> resolver =
      NameResolver::create(ckpt, requiredTensorNames(manifest));
  if (!resolver)
    return resolver.error();
  ErrorList errors;
  std::set<std::string> used;
  // Weights quantized ahead of time (`attnc quantize`): their packs are
  // built from their int8 tensors, which nothing else reads.
  std::vector<std::optional<QuantizedTensors>> quantized =
      findQuantized(manifest, ckpt, *resolver, errors, used);
  for (const PackSpec &pack : manifest.packs) {
    size_t members = 0;
    for (int member : pack.members)
      members += quantized[static_cast<size_t>(member)].has_value();
    if (members && members < pack.members.size())
      errors.add(ATTNC_ERROR_MISMATCH,
                 ckpt.path() + ": packed parameter '" + pack.name +
                     "' has members quantized ahead of time and members "
                     "that are not; quantize all of them or none");
  }
  // The scales of int8 panels are built from the same members, in the same
  // way (streamed or not): one pack with them.
  std::vector<int> packsOf(manifest.params.size());
  for (const PackSpec &pack : manifest.packs)
    for (int member : pack.members)
      packsOf[static_cast<size_t>(member)] += !pack.scales();
  std::vector<bool> streamedPacks, streamed(manifest.params.size());
  for (const PackSpec &pack : manifest.packs) {
    streamedPacks.push_back(isStreamed(manifest, pack, packsOf));
    for (int member : pack.members)
      if (streamedPacks.back())
        streamed[static_cast<size_t>(member)] = true;
  }
  if (Status s = checkWeightsMemory(manifest, *resolver, streamedPacks,
                                    quantized, path);
      !s)
    return s.error();

  std::vector<std::string> ties;
  ParamBinder binder(*resolver, errors, used, ties);
  uint64_t done = 0, total = 0;
  auto bytesOf = [](const std::vector<int64_t> &shape, attnc_dtype dtype) {
    return static_cast<uint64_t>(
        *checkedByteSize(shape, attnc_dtype_size(dtype)));
  };
  for (const TensorSpec &param : manifest.params)
    total += bytesOf(param.shape, param.dtype);
  for (const PackSpec &pack : manifest.packs)
    total += bytesOf(pack.shape, pack.dtype);
  auto advance = [&](uint64_t bytes) {
    done += bytes;
    if (progress)
      progress(done, total);
  };
  // A streamed pack's members are located now (every missing or mismatched
  // tensor is reported before any packing) and read layer by layer later.
  std::vector<std::vector<const st::TensorInfo *>> sources(
      manifest.params.size());
  for (size_t i = 0; i < manifest.params.size(); ++i) {
    const TensorSpec &param = manifest.params[i];
    if (streamed[i] && !quantized[i])
      sources[i] = binder.locate(param);
    weights.paramData.push_back(streamed[i] || quantized[i]
                                    ? nullptr
                                    : binder.bind(param, weights.copies));
    advance(bytesOf(param.shape, param.dtype));
  }
  if (!errors.empty())
    return errors.take();
  // A member goes as soon as its last pack is built (a copy the code does
  // not read; pages of the mapping): the peak holds one copy of the
  // weights, not two.
  std::vector<size_t> lastPack(manifest.params.size(), kNoPack);
  for (size_t j = 0; j < manifest.packs.size(); ++j)
    for (int member : manifest.packs[j].members)
      lastPack[static_cast<size_t>(member)] = j;
  for (size_t j = 0; j < manifest.packs.size(); ++j) {
    const PackSpec &pack = manifest.packs[j];
    AlignedBuffer &packed = weights.copies.emplace_back(
        *checkedByteSize(pack.shape, attnc_dtype_size(pack.dtype)));
    Status built = Status::success();
    if (quantized[static_cast<size_t>(pack.members.front())]) {
      buildQuantizedPack(manifest, pack, quantized, packed.data());
      for (int member : pack.members) {
        const QuantizedTensors &read = *quantized[static_cast<size_t>(member)];
        for (const st::TensorInfo *info :
             pack.scales() ? read.scales : read.values)
          dropFilePages(info->data, info->byteSize());
      }
    } else {
      built = streamedPacks[j]
                  ? buildStreamedPack(manifest, pack, sources, packed.data())
                  : buildPack(manifest, pack, weights.paramData, packed.data());
    }
    if (!built)
      return built.error();
    weights.packData.push_back(packed.data());
    advance(bytesOf(pack.shape, pack.dtype));
    for (int member : pack.members)
      if (lastPack[static_cast<size_t>(member)] == j)
        weights.releasePacked(manifest, static_cast<size_t>(member),
                              lastPack, j);
  }

  weights.makeResident(manifest, lastPack);

  weights.notes = ckpt.warnings();
  weights.notes.insert(weights.notes.end(), ties.begin(), ties.end());
  std::vector<std::pair<std::string, std::string>> unused;
  for (const auto &[name, entry] : ckpt.tensors())
    if (!used.count(name))
      unused.push_back({*entry.file, name});
  for (std::string &note : unusedTensorNotes(unused, manifest.name))
    weights.notes.push_back(std::move(note));
  return weights;
}

} // namespace attnc::rt
