//===- SafetensorsFuzzer.cpp - libFuzzer target for checkpoint loading ----===//
//
// Input: a safetensors file. Opens it as `attnc run` would open a weights
// file and an inputs file: st::File::open, then rt::Weights::load and
// rt::bindInputs against a manifest. The manifest is a fixed one with
// parameters and inputs of every model dtype, or the file's own
// "attnc.manifest" metadata entry when it has one (which also fuzzes the
// manifest parser).
//
// Besides crashes and sanitizer reports, it checks what the reader promises,
// against the input bytes and not against the reader's own bookkeeping:
// every accepted tensor lies inside the data section, holds exactly the bytes
// its dtype and shape need, overlaps no other tensor, and its data pointer
// shows the input's bytes at its offsets; every bound parameter (each layer
// of a stacked one) and input is aligned and holds the values of a tensor of
// its name (or of a prefixed name, or of an alternative) and shape, converted to the manifest's
// dtype by conversions written here independently; an omitted input holds
// its default; every failure comes with a message.
//
//===----------------------------------------------------------------------===//
#include "Inputs.h"
#include "Manifest.h"
#include "Weights.h"
#include "attnc/Safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace attnc;

namespace {

constexpr const char *kManifest = R"({
  "abi_version": 1, "name": "fuzz", "dims": ["batch", "seq"],
  "inputs": [
    {"name": "x", "dtype": "f32", "shape": ["batch", "seq", 4]},
    {"name": "ids", "dtype": "i64", "shape": ["batch", "seq"]},
    {"name": "mask", "dtype": "f32", "shape": ["batch", "seq"], "default": 1}],
  "params": [
    {"name": "w", "tensor": "layer.weight", "dtype": "f32", "shape": [4, 4]},
    {"name": "b", "tensor": "layer.bias", "dtype": "f32", "shape": [4]},
    {"name": "n", "tensor": "n", "dtype": "i32", "shape": [3]},
    {"name": "h", "tensor": "h.{i}.w", "dtype": "f32", "shape": [2, 3],
     "layers": 2},
    {"name": "t", "tensor": "tied.weight", "tensor_else": ["layer.weight"],
     "dtype": "f32", "shape": [4, 4]}],
  "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", "seq", 4]}]
})";

[[noreturn]] void bug(const std::string &what) {
  std::fprintf(stderr, "attnc safetensors fuzzer: %s\n", what.c_str());
  std::abort();
}

void requireMessage(const Error &error, const char *what) {
  if (error.message().empty())
    bug(std::string(what) + " failed without a message");
}

/// The input's own layout, read independently of st::File.
struct RawFile {
  const uint8_t *bytes;
  uint64_t size;
  uint64_t headerSize = 0;

  const uint8_t *dataSection() const { return bytes + 8 + headerSize; }
  uint64_t dataSize() const { return size - 8 - headerSize; }
};

uint64_t expectedByteSize(const st::TensorInfo &t) {
  unsigned __int128 bytes = attnc_dtype_size(t.dtype);
  if (bytes == 0)
    bug("tensor '" + t.name + "' has a dtype of size 0");
  for (int64_t d : t.shape) {
    if (d < 0)
      bug("tensor '" + t.name + "' has a negative dimension");
    bytes *= static_cast<uint64_t>(d);
    if (bytes > UINT64_MAX)
      bug("tensor '" + t.name + "' has more bytes than fit in 64 bits");
  }
  return static_cast<uint64_t>(bytes);
}

void checkFile(const st::File &file, RawFile &raw) {
  if (raw.size < 8)
    bug("accepted a file of " + std::to_string(raw.size) + " bytes");
  for (int i = 7; i >= 0; --i)
    raw.headerSize = raw.headerSize << 8 | raw.bytes[i];
  if (raw.headerSize > raw.size - 8)
    bug("accepted a header longer than the file");

  std::vector<const st::TensorInfo *> byOffset;
  for (size_t i = 0; i < file.tensors().size(); ++i) {
    const st::TensorInfo &t = file.tensors()[i];
    if (i && !(file.tensors()[i - 1].name < t.name))
      bug("tensors are not sorted by unique name");
    if (file.find(t.name) != &t)
      bug("find('" + t.name + "') does not return the tensor");
    if (t.begin > t.end || t.end > raw.dataSize())
      bug("tensor '" + t.name + "' lies outside the data section");
    if (t.byteSize() != expectedByteSize(t))
      bug("tensor '" + t.name + "' has the wrong byte size");
    if (t.byteSize() &&
        std::memcmp(t.data, raw.dataSection() + t.begin, t.byteSize()) != 0)
      bug("tensor '" + t.name + "' does not show the file's bytes");
    if (t.byteSize())
      byOffset.push_back(&t);
  }
  std::sort(byOffset.begin(), byOffset.end(),
            [](auto *a, auto *b) { return a->begin < b->begin; });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i]->begin < byOffset[i - 1]->end)
      bug("tensors '" + byOffset[i - 1]->name + "' and '" +
          byOffset[i]->name + "' overlap");
}

/// `count` elements of `to` that a tensor of `from` must become, written
/// independently of the runtime's Convert.cpp: the hardware's f16
/// conversion, bf16 as the top half of an f32, i32 sign-extended.
std::vector<uint8_t> expectedValues(const void *data, attnc_dtype from,
                                    attnc_dtype to, size_t count) {
  std::vector<uint8_t> out(count * attnc_dtype_size(to));
  const auto *in = static_cast<const uint8_t *>(data);
  for (size_t i = 0; i < count; ++i) {
    uint8_t *dest = out.data() + i * attnc_dtype_size(to);
    if (from == to) {
      std::memcpy(dest, in + i * attnc_dtype_size(to), attnc_dtype_size(to));
    } else if (from == ATTNC_DTYPE_F16 && to == ATTNC_DTYPE_F32) {
      _Float16 h;
      std::memcpy(&h, in + 2 * i, 2);
      float f = static_cast<float>(h);
      std::memcpy(dest, &f, 4);
    } else if (from == ATTNC_DTYPE_BF16 && to == ATTNC_DTYPE_F32) {
      uint32_t bits = uint32_t(in[2 * i]) << 16 | uint32_t(in[2 * i + 1]) << 24;
      std::memcpy(dest, &bits, 4);
    } else if ((to == ATTNC_DTYPE_BF16 || to == ATTNC_DTYPE_F16) &&
               (from == ATTNC_DTYPE_F32 || from == ATTNC_DTYPE_F16 ||
                from == ATTNC_DTYPE_BF16)) {
      // Through f32 (exact for every 16-bit source), then rounded to
      // nearest even: bf16 by the top half with a carry, f16 by the
      // hardware's conversion.
      float f;
      std::vector<uint8_t> wide =
          from == ATTNC_DTYPE_F32
              ? std::vector<uint8_t>(in + 4 * i, in + 4 * i + 4)
              : expectedValues(in + 2 * i, from, ATTNC_DTYPE_F32, 1);
      std::memcpy(&f, wide.data(), 4);
      uint16_t half;
      if (to == ATTNC_DTYPE_F16) {
        _Float16 h = static_cast<_Float16>(f);
        std::memcpy(&half, &h, 2);
      } else {
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        half = std::isnan(f) ? uint16_t(bits >> 16 | 0x40)
                             : uint16_t((bits + 0x7FFF + (bits >> 16 & 1)) >> 16);
      }
      std::memcpy(dest, &half, 2);
    } else if (from == ATTNC_DTYPE_I32 && to == ATTNC_DTYPE_I64) {
      int32_t v;
      std::memcpy(&v, in + 4 * i, 4);
      int64_t w = v;
      std::memcpy(dest, &w, 8);
    } else {
      bug(std::string("bound a ") + attnc_dtype_name(from) + " tensor to " +
          attnc_dtype_name(to));
    }
  }
  return out;
}

/// Whether `buffer` holds `expected` (NaNs match any NaN: a conversion may
/// quiet them).
bool sameValues(const void *buffer, const std::vector<uint8_t> &expected,
                attnc_dtype dtype) {
  if (dtype == ATTNC_DTYPE_BF16 || dtype == ATTNC_DTYPE_F16) {
    // NaNs match any NaN here too.
    uint16_t nanExponent = dtype == ATTNC_DTYPE_BF16 ? 0x7F80 : 0x7C00;
    uint16_t mantissa = dtype == ATTNC_DTYPE_BF16 ? 0x007F : 0x03FF;
    auto isNan = [&](uint16_t v) {
      return (v & nanExponent) == nanExponent && (v & mantissa) != 0;
    };
    for (size_t i = 0; i < expected.size(); i += 2) {
      uint16_t a, b;
      std::memcpy(&a, static_cast<const uint8_t *>(buffer) + i, 2);
      std::memcpy(&b, expected.data() + i, 2);
      if (a != b && !(isNan(a) && isNan(b)))
        return false;
    }
    return true;
  }
  if (dtype != ATTNC_DTYPE_F32)
    return std::memcmp(buffer, expected.data(), expected.size()) == 0;
  for (size_t i = 0; i < expected.size(); i += 4) {
    float a, b;
    std::memcpy(&a, static_cast<const uint8_t *>(buffer) + i, 4);
    std::memcpy(&b, expected.data() + i, 4);
    if (!(std::isnan(a) && std::isnan(b)) &&
        std::memcmp(&a, &b, 4) != 0)
      return false;
  }
  return true;
}

/// `buffer` was bound as the tensor `name` of `file` (or `<prefix>.name`),
/// or of one of the `alternatives`, of `shape`, converted to `dtype`.
void checkBound(const st::File &file, const std::string &what,
                const std::string &name, attnc_dtype dtype,
                const std::vector<int64_t> &shape, const void *buffer,
                const std::vector<std::string> &alternatives = {}) {
  if (!rt::isAligned(buffer, dtype))
    bug("bound " + what + " to a misaligned buffer");
  size_t count = 1;
  for (int64_t d : shape)
    count *= static_cast<size_t>(d);
  std::vector<std::string> names{name};
  names.insert(names.end(), alternatives.begin(), alternatives.end());
  for (const std::string &name : names)
  for (const st::TensorInfo &t : file.tensors()) {
    bool named = t.name == name ||
                 (t.name.size() > name.size() &&
                  t.name.compare(t.name.size() - name.size() - 1,
                                 std::string::npos, "." + name) == 0);
    if (named && t.shape == shape &&
        (t.dtype == dtype ||
         ((dtype == ATTNC_DTYPE_F32 || dtype == ATTNC_DTYPE_BF16 ||
           dtype == ATTNC_DTYPE_F16) &&
          (t.dtype == ATTNC_DTYPE_F32 || t.dtype == ATTNC_DTYPE_F16 ||
           t.dtype == ATTNC_DTYPE_BF16)) ||
         (dtype == ATTNC_DTYPE_I64 && t.dtype == ATTNC_DTYPE_I32)) &&
        sameValues(buffer, expectedValues(t.data, t.dtype, dtype, count),
                   dtype))
      return;
  }
  bug("bound " + what + " to values of no tensor named '" + name + "'");
}

void checkWeights(const rt::Manifest &manifest, const st::File &file,
                  const std::string &path) {
  Expected<rt::Weights> weights = rt::Weights::load(manifest, path);
  if (!weights) {
    requireMessage(weights.error(), "Weights::load");
    return;
  }
  if (weights->buffers().size() != manifest.params.size())
    bug("Weights::load bound the wrong number of parameters");
  for (size_t i = 0; i < manifest.params.size(); ++i) {
    const rt::TensorSpec &param = manifest.params[i];
    const auto *buffer = static_cast<const uint8_t *>(weights->buffers()[i]);
    if (!param.layers) {
      checkBound(file, "parameter '" + param.name + "'", param.tensor,
                 param.dtype, param.shape, buffer, param.tensorElse);
      continue;
    }
    std::vector<int64_t> layerShape(param.shape.begin() + 1,
                                    param.shape.end());
    size_t layerBytes = attnc_dtype_size(param.dtype);
    for (int64_t d : layerShape)
      layerBytes *= static_cast<size_t>(d);
    for (int64_t layer = 0; layer < param.layers; ++layer) {
      std::vector<std::string> names = param.sources();
      for (std::string &name : names)
        for (size_t at; (at = name.find("{i}")) != std::string::npos;)
          name.replace(at, 3, std::to_string(layer));
      checkBound(file,
                 "layer " + std::to_string(layer) + " of '" + param.name + "'",
                 names[0], param.dtype, layerShape, buffer + layer * layerBytes,
                 std::vector<std::string>(names.begin() + 1, names.end()));
    }
  }
}

void checkInputs(const rt::Manifest &manifest, const st::File &file) {
  std::vector<attnc_tensor> tensors;
  for (const st::TensorInfo &t : file.tensors())
    tensors.push_back({t.name.c_str(), t.dtype,
                       static_cast<int32_t>(t.shape.size()), t.shape.data(),
                       const_cast<void *>(t.data)});
  rt::ScratchPool scratch;
  Expected<rt::BoundInputs> bound =
      rt::bindInputs(manifest, tensors.data(), tensors.size(), scratch);
  if (!bound) {
    requireMessage(bound.error(), "bindInputs");
    return;
  }
  if (bound->dims.size() != manifest.dims.size() ||
      bound->buffers.size() != manifest.inputs.size())
    bug("bindInputs bound the wrong number of dims or inputs");
  for (int64_t d : bound->dims)
    if (d < 1)
      bug("bindInputs inferred a dim below 1");
  for (size_t k = 0; k < manifest.inputs.size(); ++k) {
    const rt::TensorSpec &spec = manifest.inputs[k];
    std::vector<int64_t> shape = spec.shape;
    for (size_t i = 0; i < shape.size(); ++i)
      if (spec.dimIndex[i] >= 0)
        shape[i] = bound->dims[spec.dimIndex[i]];
    if (file.find(spec.name) || !spec.defaultValue) {
      checkBound(file, "input '" + spec.name + "'", spec.name, spec.dtype,
                 shape, bound->buffers[k]);
      continue;
    }
    size_t count = 1;
    for (int64_t d : shape)
      count *= static_cast<size_t>(d);
    for (size_t i = 0; i < count; ++i)
      if (spec.dtype == ATTNC_DTYPE_F32 &&
          static_cast<const float *>(bound->buffers[k])[i] !=
              static_cast<float>(*spec.defaultValue))
        bug("omitted input '" + spec.name + "' does not hold its default");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A memory file: no disk traffic, and a path st::File::open can map.
  int fd = memfd_create("fuzz.safetensors", MFD_CLOEXEC);
  if (fd < 0)
    bug("memfd_create failed");
  for (size_t done = 0; done < size;) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0)
      bug("cannot write the memory file");
    done += static_cast<size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);

  Expected<st::File> file = st::File::open(path);
  if (!file) {
    requireMessage(file.error(), "File::open");
    close(fd);
    return 0;
  }
  RawFile raw{data, size};
  checkFile(*file, raw);

  auto own = file->metadata().find("attnc.manifest");
  Expected<rt::Manifest> manifest = rt::parseManifest(
      own != file->metadata().end() ? own->second : kManifest);
  if (!manifest) {
    requireMessage(manifest.error(), "parseManifest");
  } else {
    checkWeights(*manifest, *file, path);
    checkInputs(*manifest, *file);
  }
  close(fd);
  return 0;
}
