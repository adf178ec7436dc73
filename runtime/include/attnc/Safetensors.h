//===- Safetensors.h - Reading and writing safetensors files ----*- C++ -*-===//
//
// The format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON mapping each tensor name to
// {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data
// section that follows the header), plus an optional "__metadata__" object of
// strings; then the data section.
//
// The reader maps the file read-only and validates the whole header before
// exposing anything, so that no file, however crafted, makes a TensorInfo
// point outside the mapping. Errors name the file and the tensor.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_SAFETENSORS_H
#define ATTNC_SAFETENSORS_H

#include "attnc/runtime.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::st {

/// Headers larger than this are rejected as hostile or corrupt.
inline constexpr uint64_t kMaxHeaderSize = 100u << 20;

/// The safetensors spelling of a dtype: "F32", "BF16", "BOOL", ...
ATTNC_API const char *dtypeName(attnc_dtype dtype);
ATTNC_API std::optional<attnc_dtype> parseDType(std::string_view name);

/// One tensor of an open File.
struct TensorInfo {
  std::string name;
  attnc_dtype dtype;
  std::vector<int64_t> shape;
  /// Offsets of the bytes within the data section.
  uint64_t begin = 0, end = 0;
  /// Points into the mapping; valid while the File lives. Not necessarily
  /// aligned to the dtype's size.
  const void *data = nullptr;

  uint64_t byteSize() const { return end - begin; }
  uint64_t numElements() const { return byteSize() / attnc_dtype_size(dtype); }
};

/// A validated, memory-mapped safetensors file. Move-only.
class ATTNC_API File {
public:
  static Expected<File> open(const std::string &path);

  File(File &&other) noexcept;
  File &operator=(File &&other) noexcept;
  File(const File &) = delete;
  File &operator=(const File &) = delete;
  ~File();

  const std::string &path() const { return filePath; }
  /// Sorted by name.
  const std::vector<TensorInfo> &tensors() const { return tensorInfos; }
  /// nullptr if the file has no tensor of that name.
  const TensorInfo *find(std::string_view name) const;
  const std::map<std::string, std::string> &metadata() const { return meta; }

private:
  File() = default;
  static Expected<File> openUnchecked(const std::string &path);
  void unmap();

  std::string filePath;
  void *mapping = nullptr;
  size_t mappingSize = 0;
  std::vector<TensorInfo> tensorInfos;
  std::map<std::string, std::string> meta;
};

/// A tensor to write; `data` holds numElements(shape) * dtype-size bytes.
struct TensorView {
  attnc_dtype dtype;
  std::vector<int64_t> shape;
  const void *data;
};

/// Writes `tensors` to `path` in name order. The header is padded so that the
/// data section starts 8-byte aligned, and the data are laid out in order of
/// decreasing element size, so every tensor is aligned to its element size
/// with no gaps between tensors (as the reference implementation does).
ATTNC_API Status write(const std::string &path,
                       const std::map<std::string, TensorView> &tensors,
                       const std::map<std::string, std::string> &metadata = {});

} // namespace attnc::st

#endif // ATTNC_SAFETENSORS_H
