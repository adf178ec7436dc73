//===- Support.h - Helpers shared by the runtime's sources ------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_SUPPORT_H
#define ATTNC_RUNTIME_LIB_SUPPORT_H

#include "attnc/runtime.hpp"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt {

/// The product of `shape`, or nullopt if an entry is negative or the product
/// (times `elementSize`) overflows 64 bits.
std::optional<uint64_t> checkedByteSize(const int64_t *shape, size_t rank,
                                        uint64_t elementSize = 1);
inline std::optional<uint64_t>
checkedByteSize(const std::vector<int64_t> &shape, uint64_t elementSize = 1) {
  return checkedByteSize(shape.data(), shape.size(), elementSize);
}

inline std::string formatShape(const std::vector<int64_t> &shape) {
  return attnc::formatShape(shape.data(), static_cast<int32_t>(shape.size()));
}

/// The whole of a (small) text file, or nullopt if it cannot be read.
std::optional<std::string> readTextFile(const std::string &path);
/// A file's unsigned decimal number ("123\n"), or nullopt for anything
/// else (a sign, other characters, more than 64 bits).
std::optional<uint64_t> parseDecimal(std::string_view text);

/// `text`, cut to `limit` characters with "..." appended when longer, so that
/// a hostile file cannot make an error message arbitrarily large.
std::string truncate(std::string text, size_t limit = 80);

/// Heap memory aligned for any tensor element type (and for vector loads).
class AlignedBuffer {
public:
  static constexpr size_t kAlignment = 64;
  /// The x86-64 transparent huge page.
  static constexpr size_t kHugePage = size_t(2) << 20;

  AlignedBuffer() = default;
  /// Throws std::bad_alloc when out of memory.
  explicit AlignedBuffer(size_t size);

  void *data() const { return memory.get(); }
  size_t size() const { return bytes; }

private:
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> memory;
  size_t bytes = 0;
};

/// True if `data` is suitably aligned to be read as elements of `dtype`.
inline bool isAligned(const void *data, attnc_dtype dtype) {
  return reinterpret_cast<uintptr_t>(data) % attnc_dtype_size(dtype) == 0;
}

/// Collects the independent problems of one operation, so that the user sees
/// them all at once; the status code is the first problem's.
class ErrorList {
public:
  void add(attnc_status code, std::string message) {
    if (lines.empty())
      firstCode = code;
    lines.push_back(std::move(message));
  }
  bool empty() const { return lines.empty(); }
  /// One line per problem.
  Error take();

private:
  attnc_status firstCode = ATTNC_OK;
  std::vector<std::string> lines;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_SUPPORT_H
