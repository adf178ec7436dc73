//===- Support.cpp - Helpers shared by the runtime's sources --------------===//
#include "Support.h"

#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>

#include <sys/mman.h>

namespace attnc::rt {

std::optional<std::string> readTextFile(const std::string &path) {
  std::ifstream file(path);
  if (!file)
    return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::optional<uint64_t> parseDecimal(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  if (text.empty() || text.size() > 20)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || __builtin_mul_overflow(value, 10, &value) ||
        __builtin_add_overflow(value, uint64_t(c - '0'), &value))
      return std::nullopt;
  }
  return value;
}

std::optional<uint64_t> checkedByteSize(const int64_t *shape, size_t rank,
                                        uint64_t elementSize) {
  uint64_t product = elementSize;
  for (size_t i = 0; i < rank; ++i) {
    if (shape[i] < 0 ||
        __builtin_mul_overflow(product, static_cast<uint64_t>(shape[i]),
                               &product))
      return std::nullopt;
  }
  return product;
}

std::string truncate(std::string text, size_t limit) {
  if (text.size() > limit) {
    text.resize(limit);
    text += "...";
  }
  return text;
}

AlignedBuffer::AlignedBuffer(size_t size) : bytes(size) {
  // aligned_alloc wants a multiple of the alignment, and a zero-sized tensor
  // still gets a distinct non-null pointer.
  size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded < size)
    throw std::bad_alloc();
  if (size < kHugePage) {
    memory.reset(
        std::aligned_alloc(kAlignment, rounded ? rounded : kAlignment));
    if (!memory)
      throw std::bad_alloc();
    return;
  }
  // A buffer of a huge page or more (weights' panels, KV caches, arenas:
  // what a run streams) starts on one, and its whole huge pages ask for
  // transparent huge pages, which a kernel set to "madvise" gives only when
  // asked: a decoding step reading 500 MB through 4 KiB pages walks the
  // page tables 120000 times. The tail stays in small pages, so that no
  // more than the buffer is resident.
  void *data = nullptr;
  if (posix_memalign(&data, kHugePage, rounded))
    throw std::bad_alloc();
  memory.reset(data);
  madvise(data, size / kHugePage * kHugePage, MADV_HUGEPAGE); // may fail
}

Error ErrorList::take() {
  std::string message;
  for (const std::string &line : lines) {
    if (!message.empty())
      message += '\n';
    message += line;
  }
  lines.clear();
  return Error(firstCode, std::move(message));
}

} // namespace attnc::rt
