//===- Residency.h - Memory mapped in before a run needs it -----*- C++ -*-===//
//
// A page first touched inside a run costs that run a page fault (and, in a
// virtual machine, an exit to the host): 7,500 of them made a GPT-2 prefill's
// first run 1.6x a warm one. Weights, outputs, scratch memory and the KV
// cache are mapped in when they are allocated instead, at load or session
// setup (docs/runtime.md, "No cold start").
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_RESIDENCY_H
#define ATTNC_RUNTIME_LIB_RESIDENCY_H

#include <cstddef>

namespace attnc::rt {

/// Maps every page of [data, data + bytes) writable now, without changing
/// its contents (heap memory the code writes: outputs, arena, KV cache).
void populateWritable(void *data, size_t bytes);

/// Maps every page of [data, data + bytes) readable now (weights, in the
/// checkpoint's read-only file mapping or on the heap).
void populateReadable(const void *data, size_t bytes);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_RESIDENCY_H
