//===- RuntimeTestSupport.h - Helpers shared by the runtime tests -*- C++ -*-===//
#ifndef ATTNC_TEST_UNITTESTS_RUNTIME_RUNTIMETESTSUPPORT_H
#define ATTNC_TEST_UNITTESTS_RUNTIME_RUNTIMETESTSUPPORT_H

#include "attnc/Safetensors.h"
#include "attnc/runtime.h"

#include "TestFiles.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace attnc::test {

/// The elements of an f32 tensor.
inline std::vector<float> floats(const attnc_tensor &tensor) {
  size_t count = 1;
  for (int32_t i = 0; i < tensor.rank; ++i)
    count *= tensor.shape[i];
  const auto *data = static_cast<const float *>(tensor.data);
  return std::vector<float>(data, data + count);
}

/// Writes a safetensors file, failing the test on error.
inline void writeTensors(const std::string &path,
                         const std::map<std::string, st::TensorView> &tensors,
                         const std::map<std::string, std::string> &meta = {}) {
  Status s = st::write(path, tensors, meta);
  ASSERT_TRUE(s) << s.error().message();
}

/// "dir/attnc-...-name" -> "attnc-...-name": how an index beside it names it.
inline std::string baseName(const std::string &path) {
  return path.substr(path.rfind('/') + 1);
}

/// An f32 tensor view of `values` with shape `shape`.
inline st::TensorView f32(const std::vector<float> &values,
                          std::vector<int64_t> shape) {
  return {ATTNC_DTYPE_F32, std::move(shape), values.data()};
}

/// Owns a model handle; fails the test if it cannot be opened.
class ModelHandle {
public:
  explicit ModelHandle(const char *path) {
    EXPECT_EQ(attnc_model_open(path, &handle), ATTNC_OK) << attnc_last_error();
  }
  ~ModelHandle() { attnc_model_destroy(handle); }
  ModelHandle(const ModelHandle &) = delete;
  ModelHandle &operator=(const ModelHandle &) = delete;

  attnc_model *get() const { return handle; }
  operator attnc_model *() const { return handle; }

  /// Loads and expects `status`; returns the error message ("" on success).
  std::string load(const std::string &path, attnc_status status = ATTNC_OK) {
    attnc_status got = attnc_model_load_weights(handle, path.c_str());
    EXPECT_EQ(got, status) << attnc_last_error();
    return got == ATTNC_OK ? "" : attnc_last_error();
  }

  std::vector<std::string> warnings() const {
    std::vector<std::string> result;
    for (size_t i = 0; i < attnc_model_num_warnings(handle); ++i)
      result.push_back(attnc_model_warning(handle, i));
    return result;
  }

private:
  attnc_model *handle = nullptr;
};

} // namespace attnc::test

#endif // ATTNC_TEST_UNITTESTS_RUNTIME_RUNTIMETESTSUPPORT_H
