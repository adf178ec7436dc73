//===- FakeModelHooks.h - Steering FakeModel.c from tests -------*- C++ -*-===//
#ifndef ATTNC_TEST_UNITTESTS_RUNTIME_FAKEMODELHOOKS_H
#define ATTNC_TEST_UNITTESTS_RUNTIME_FAKEMODELHOOKS_H

#include <gtest/gtest.h>

#include <cstdint>
#include <dlfcn.h>

namespace attnc::test {

/// Loads the fake model (the same instance attnc_model_open gets, since
/// dlopen shares a library between handles) and resets it; tests may then
/// change what it reports. Everything is reset again on destruction.
class FakeModelHooks {
public:
  FakeModelHooks() {
    handle = dlopen(ATTNC_FAKE_MODEL, RTLD_NOW | RTLD_LOCAL);
    EXPECT_TRUE(handle) << dlerror();
    reset();
  }
  ~FakeModelHooks() {
    reset();
    if (handle)
      dlclose(handle);
  }
  FakeModelHooks(const FakeModelHooks &) = delete;
  FakeModelHooks &operator=(const FakeModelHooks &) = delete;

  /// nullptr restores the real manifest.
  void setManifest(const char *json) {
    call<void (*)(const char *)>("fake_model_set_manifest", json);
  }
  void setAbiVersion(int32_t version) {
    call<void (*)(int32_t)>("fake_model_set_abi_version", version);
  }
  void setForwardResult(int32_t result) {
    call<void (*)(int32_t)>("fake_model_set_forward_result", result);
  }

  /// Makes forward fill and record buffers[5], the arena of a manifest
  /// with "arena" (0: no arena).
  void setArenaBytesPerToken(int64_t bytes) {
    call<void (*)(int64_t)>("fake_model_set_arena_bytes_per_token", bytes);
  }
  void *lastArena() { return pointer("fake_model_last_arena"); }
  /// Makes forward record buffers[slot] (-1: nothing).
  void recordBuffer(int32_t slot) {
    call<void (*)(int32_t)>("fake_model_record_buffer", slot);
  }
  void *recordedBuffer() { return pointer("fake_model_recorded_buffer"); }
  /// The number of parameters of the manifest set (1 by default): the
  /// outputs follow them.
  void setParamCount(int32_t count) {
    call<void (*)(int32_t)>("fake_model_set_param_count", count);
  }

private:
  void reset() {
    setManifest(nullptr);
    setAbiVersion(1);
    setForwardResult(0);
    setArenaBytesPerToken(0);
    recordBuffer(-1);
    setParamCount(1);
  }

  void *pointer(const char *name) {
    auto fn =
        reinterpret_cast<void *(*)()>(handle ? dlsym(handle, name) : nullptr);
    return fn ? fn() : nullptr;
  }

  template <typename Fn, typename Arg> void call(const char *name, Arg arg) {
    if (!handle)
      return;
    auto fn = reinterpret_cast<Fn>(dlsym(handle, name));
    ASSERT_TRUE(fn) << name;
    fn(arg);
  }

  void *handle = nullptr;
};

} // namespace attnc::test

#endif // ATTNC_TEST_UNITTESTS_RUNTIME_FAKEMODELHOOKS_H
