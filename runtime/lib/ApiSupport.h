//===- ApiSupport.h - Shared plumbing of the C API entry points -*- C++ -*-===//
//
// Every C entry point validates its arguments, calls into attnc::rt, records
// a failure's message as the thread's last error (attnc_last_error), and
// catches every exception.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_APISUPPORT_H
#define ATTNC_RUNTIME_LIB_APISUPPORT_H

#include "attnc/runtime.hpp"

#include <exception>
#include <new>
#include <string>

namespace attnc::rt {

/// What attnc_last_error() returns on this thread.
extern thread_local std::string lastError;

namespace api {

inline attnc_status fail(const Error &error) noexcept {
  try {
    lastError = error.message();
  } catch (...) {
    lastError.clear();
  }
  return error.code();
}

inline attnc_status fail(attnc_status code, const char *message) {
  return fail(Error(code, message));
}

/// Runs `body`, turning any exception into a status.
template <typename Body> attnc_status guarded(Body &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(ATTNC_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    return fail(Error(ATTNC_ERROR_INTERNAL,
                      std::string("internal error: ") + e.what()));
  } catch (...) {
    return fail(ATTNC_ERROR_INTERNAL, "internal error: unknown exception");
  }
}

} // namespace api
} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_APISUPPORT_H
