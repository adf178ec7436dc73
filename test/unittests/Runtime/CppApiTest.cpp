//===- CppApiTest.cpp - The RAII layer of runtime.hpp ---------------------===//
#include "attnc/Safetensors.h"
#include "attnc/runtime.hpp"

#include "TestFiles.h"

#include <gtest/gtest.h>

#include <vector>

using namespace attnc;
using attnc::test::TempPath;

namespace {

TEST(CppApiTest, OpenLoadRun) {
  Expected<Model> model = Model::open(ATTNC_FAKE_MODEL);
  ASSERT_TRUE(model) << model.error().message();
  EXPECT_EQ(model->name(), "fake");
  EXPECT_EQ(model->numDims(), 2u);
  EXPECT_EQ(model->dimName(1), "seq");
  ASSERT_EQ(model->inputs().size(), 2u);
  EXPECT_EQ(formatType(model->inputs()[0]), "f32[batch, seq, 4]");
  EXPECT_EQ(formatType(model->params()[0]), "f32[4]");
  EXPECT_EQ(formatType(model->outputs()[1]), "i64[2]");

  TempPath weights("w.safetensors");
  std::vector<float> w = {2, 2, 2, 2};
  float extra = 0;
  ASSERT_TRUE(st::write(weights.str(),
                        {{"w.weight", {ATTNC_DTYPE_F32, {4}, w.data()}},
                         {"extra", {ATTNC_DTYPE_F32, {1}, &extra}}}));
  Status loaded = model->loadWeights(weights.str());
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(model->warnings(),
            std::vector<std::string>{weights.str() +
                                     ": tensor 'extra' is not used by model "
                                     "'fake'"});

  std::vector<float> x(4, 1.5f), t = {10};
  int64_t xShape[] = {1, 1, 4}, tShape[] = {1};
  Expected<TensorList> outputs =
      model->run({{"x", ATTNC_DTYPE_F32, 3, xShape, x.data()},
                  {"t", ATTNC_DTYPE_F32, 1, tShape, t.data()}});
  ASSERT_TRUE(outputs) << outputs.error().message();
  ASSERT_EQ(outputs->size(), 2u);
  const attnc_tensor *y = outputs->find("y");
  ASSERT_TRUE(y);
  EXPECT_EQ(formatShape(y->shape, y->rank), "[1, 1, 4]");
  EXPECT_EQ(static_cast<const float *>(y->data)[3], 13.0f);
  std::vector<std::string> names;
  for (const attnc_tensor &tensor : *outputs)
    names.push_back(tensor.name);
  EXPECT_EQ(names, (std::vector<std::string>{"y", "shape"}));
}

TEST(CppApiTest, ErrorsAreValues) {
  Expected<Model> missing = Model::open("/nonexistent/model.so");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ATTNC_ERROR_IO);
  EXPECT_FALSE(missing.status());

  Expected<Model> model = Model::open(ATTNC_FAKE_MODEL);
  ASSERT_TRUE(model);
  Expected<TensorList> outputs = model->run({});
  ASSERT_FALSE(outputs);
  EXPECT_EQ(outputs.error().code(), ATTNC_ERROR_STATE);

  Status load = model->loadWeights("/nonexistent/w.safetensors");
  ASSERT_FALSE(load);
  EXPECT_EQ(load.error().message(), "cannot open '/nonexistent/w.safetensors': "
                                    "No such file or directory");
}

} // namespace
