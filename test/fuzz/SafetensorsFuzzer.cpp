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
// shows the input's bytes at its offsets; every bound parameter and input has
// the manifest's dtype and shape, is aligned, and holds its tensor's bytes;
// every failure comes with a message.
//
//===----------------------------------------------------------------------===//
#include "Inputs.h"
#include "Manifest.h"
#include "Weights.h"
#include "attnc/Safetensors.h"

#include <algorithm>
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
    {"name": "ids", "dtype": "i64", "shape": ["batch", "seq"]}],
  "params": [
    {"name": "w", "tensor": "layer.weight", "dtype": "f32", "shape": [4, 4]},
    {"name": "b", "tensor": "layer.bias", "dtype": "f32", "shape": [4]},
    {"name": "n", "tensor": "n", "dtype": "i32", "shape": [3]}],
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

/// `spec` was bound to `buffer`, as the tensor `tensorName` of `file`.
void checkBound(const st::File &file, const rt::TensorSpec &spec,
                const std::string &tensorName, const void *buffer,
                const std::vector<int64_t> &shape) {
  const st::TensorInfo *t = file.find(tensorName);
  if (!t)
    bug("bound '" + spec.name + "' to a tensor the file does not have");
  if (t->dtype != spec.dtype || t->shape != shape)
    bug("bound '" + spec.name + "' to a tensor of another dtype or shape");
  if (!rt::isAligned(buffer, spec.dtype))
    bug("bound '" + spec.name + "' to a misaligned buffer");
  if (t->byteSize() && std::memcmp(buffer, t->data, t->byteSize()) != 0)
    bug("bound '" + spec.name + "' to other bytes than its tensor's");
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
  for (size_t i = 0; i < manifest.params.size(); ++i)
    checkBound(file, manifest.params[i], manifest.params[i].tensor,
               weights->buffers()[i], manifest.params[i].shape);
}

void checkInputs(const rt::Manifest &manifest, const st::File &file) {
  std::vector<attnc_tensor> tensors;
  for (const st::TensorInfo &t : file.tensors())
    tensors.push_back({t.name.c_str(), t.dtype,
                       static_cast<int32_t>(t.shape.size()), t.shape.data(),
                       const_cast<void *>(t.data)});
  Expected<rt::BoundInputs> bound =
      rt::bindInputs(manifest, tensors.data(), tensors.size());
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
    checkBound(file, spec, spec.name, bound->buffers[k], shape);
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
