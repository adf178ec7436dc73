//===- Residency.cpp - Memory mapped in before a run needs it -------------===//
#include "Residency.h"

#include <cstdint>

#include <sys/mman.h>
#include <unistd.h>

namespace attnc::rt {
namespace {

uintptr_t pageSize() {
  static const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  return page;
}

/// madvise(MADV_POPULATE_*) on the pages that hold [data, data + bytes):
/// one system call instead of a fault per page (fails harmlessly before
/// Linux 5.14).
void populate(const void *data, size_t bytes, int advice) {
  if (!data || !bytes)
    return;
  uintptr_t page = pageSize();
  auto begin = reinterpret_cast<uintptr_t>(data) / page * page;
  uintptr_t end = reinterpret_cast<uintptr_t>(data) + bytes;
  madvise(reinterpret_cast<void *>(begin), end - begin, advice);
}

} // namespace

void populateWritable(void *data, size_t bytes) {
  populate(data, bytes, MADV_POPULATE_WRITE);
  // And a write per page (of the byte already there): on kernels without
  // MADV_POPULATE_WRITE it maps the page; under a hypervisor that shadows
  // the guest's page tables it also builds the host's mapping, which the
  // system call does not.
  auto *bytesOf = static_cast<volatile char *>(data);
  for (size_t at = 0; at < bytes; at += pageSize())
    bytesOf[at] = bytesOf[at];
}

void populateReadable(const void *data, size_t bytes) {
  populate(data, bytes, MADV_POPULATE_READ);
  const auto *bytesOf = static_cast<const volatile char *>(data);
  for (size_t at = 0; at < bytes; at += pageSize())
    (void)bytesOf[at];
}

} // namespace attnc::rt
