//===- SharedLibrary.h - An owned dlopen handle -----------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_SHAREDLIBRARY_H
#define ATTNC_RUNTIME_LIB_SHAREDLIBRARY_H

#include "attnc/runtime.hpp"

#include <string>

namespace attnc::rt {

class SharedLibrary {
public:
  /// Loads with RTLD_NOW | RTLD_LOCAL. A path without a slash is taken
  /// relative to the working directory, not searched for like a dependency.
  static Expected<SharedLibrary> open(const std::string &path);

  SharedLibrary(SharedLibrary &&other) noexcept;
  SharedLibrary &operator=(SharedLibrary &&other) noexcept;
  SharedLibrary(const SharedLibrary &) = delete;
  SharedLibrary &operator=(const SharedLibrary &) = delete;
  ~SharedLibrary();

  /// nullptr if the library does not define `name`.
  void *symbol(const char *name) const;

private:
  explicit SharedLibrary(void *handle) : handle(handle) {}
  void *handle = nullptr;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_SHAREDLIBRARY_H
