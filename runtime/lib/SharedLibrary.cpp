//===- SharedLibrary.cpp - An owned dlopen handle -------------------------===//
#include "SharedLibrary.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <sys/stat.h>
#include <utility>

namespace attnc::rt {

Expected<SharedLibrary> SharedLibrary::open(const std::string &path) {
  struct stat status;
  if (stat(path.c_str(), &status) != 0)
    return Error(ATTNC_ERROR_IO,
                 "cannot open '" + path + "': " + std::strerror(errno));
  std::string loadPath =
      path.find('/') == std::string::npos ? "./" + path : path;
  void *handle = dlopen(loadPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    return Error(ATTNC_ERROR_ABI, "cannot load '" + path + "': " +
                                      (reason ? reason : "unknown error"));
  }
  return SharedLibrary(handle);
}

SharedLibrary::SharedLibrary(SharedLibrary &&other) noexcept
    : handle(std::exchange(other.handle, nullptr)) {}

SharedLibrary &SharedLibrary::operator=(SharedLibrary &&other) noexcept {
  std::swap(handle, other.handle);
  return *this;
}

SharedLibrary::~SharedLibrary() {
  if (handle)
    dlclose(handle);
}

void *SharedLibrary::symbol(const char *name) const {
  return dlsym(handle, name);
}

} // namespace attnc::rt
