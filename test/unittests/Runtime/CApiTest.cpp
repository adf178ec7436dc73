//===- CApiTest.cpp - The C API used from a C translation unit ------------===//
#include "attnc/Safetensors.h"

#include "TestFiles.h"

#include <gtest/gtest.h>

extern "C" int attnc_test_run_from_c(const char *modelPath,
                                     const char *weightsPath,
                                     const float expectedW[4]);

namespace {

TEST(CApiTest, RunsFromC) {
  attnc::test::TempPath weights("w.safetensors");
  float w[4] = {0.5f, 1, 2, 4};
  ASSERT_TRUE(attnc::st::write(weights.str(),
                               {{"w.weight", {ATTNC_DTYPE_F32, {4}, w}}}));
  EXPECT_EQ(attnc_test_run_from_c(ATTNC_FAKE_MODEL, weights.c_str(), w), 0)
      << attnc_last_error();
}

} // namespace
