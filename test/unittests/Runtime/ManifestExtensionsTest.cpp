//===- ManifestExtensionsTest.cpp - layers, default, fingerprint, constants ===//
#include "attnc/runtime.h"

#include "FakeModelHooks.h"

#include <gtest/gtest.h>

#include <string>

using attnc::test::FakeModelHooks;

namespace {

struct BadExtension {
  const char *name;
  const char *json;
  const char *message; // after "'<path>': invalid manifest: "
};

#define HEAD R"({"abi_version": 1, "name": "m", "dims": ["n"], "outputs": [], )"
#define X_INPUT R"({"name": "x", "dtype": "f32", "shape": ["n"]})"

const BadExtension kBadExtensions[] = {
    {"LayersOnAnInput",
     HEAD R"("params": [], "inputs": [{"name": "x", "dtype": "f32",
         "shape": ["n"], "layers": 2}]})",
     "inputs[0] ('x'): only parameters may have \"layers\""},
    {"ZeroLayers",
     HEAD R"("inputs": [)" X_INPUT R"(], "params": [{"name": "w",
         "tensor": "h.{i}.w", "layers": 0, "dtype": "f32", "shape": [0]}]})",
     "params[0] ('w'): \"layers\" must be a positive integer, found 0"},
    {"LayersNotAnInteger",
     HEAD R"("inputs": [)" X_INPUT R"(], "params": [{"name": "w",
         "tensor": "h.{i}.w", "layers": "2", "dtype": "f32", "shape": [2]}]})",
     "params[0] ('w'): \"layers\" must be a positive integer, found \"2\""},
    {"LayersWithoutTemplate",
     HEAD R"("inputs": [)" X_INPUT R"(], "params": [{"name": "w",
         "tensor": "h.0.w", "layers": 2, "dtype": "f32", "shape": [2, 3]}]})",
     "params[0] ('w'): the \"tensor\" of a parameter with \"layers\" must "
     "contain \"{i}\", found 'h.0.w'"},
    {"LayersDisagreeWithShape",
     HEAD R"("inputs": [)" X_INPUT R"(], "params": [{"name": "w",
         "tensor": "h.{i}.w", "layers": 2, "dtype": "f32", "shape": [3, 4]}]})",
     "params[0] ('w'): a parameter with 2 layers must have shape [2, ...], "
     "found [3, 4]"},
    {"TensorElseOnAnInput",
     HEAD R"("params": [], "inputs": [{"name": "x", "dtype": "f32",
         "shape": ["n"], "tensor_else": ["y"]}]})",
     "inputs[0] ('x'): only parameters may have \"tensor_else\""},
    {"TensorElseNotAnArray",
     HEAD R"("inputs": [)" X_INPUT R"(], "params": [{"name": "w",
         "tensor": "w", "tensor_else": "v", "dtype": "f32", "shape": [2]}]})",
     "params[0] ('w'): \"tensor_else\" must be an array of strings, found "
     "\"v\""},
    {"TensorElseNotStrings",
     HEAD R"("inputs": [)" X_INPUT R"(], "params": [{"name": "w",
         "tensor": "w", "tensor_else": ["v", 1], "dtype": "f32",
         "shape": [2]}]})",
     "params[0] ('w'): \"tensor_else\" must be an array of strings, found "
     "[\"v\",1]"},
    {"TensorElseWithoutTemplate",
     HEAD R"("inputs": [)" X_INPUT R"(], "params": [{"name": "w",
         "tensor": "h.{i}.w", "tensor_else": ["h.{i}.v", "v"], "layers": 2,
         "dtype": "f32", "shape": [2, 3]}]})",
     "params[0] ('w'): the \"tensor_else\" of a parameter with \"layers\" "
     "must contain \"{i}\", found 'v'"},
    {"DefaultOnAParam",
     HEAD R"("inputs": [)" X_INPUT R"(], "params": [{"name": "w",
         "tensor": "w", "default": 1, "dtype": "f32", "shape": [2]}]})",
     "params[0] ('w'): only inputs may have a \"default\""},
    {"IndexBoundOnAFloatInput",
     HEAD R"("params": [], "inputs": [{"name": "x", "dtype": "f32",
         "shape": ["n"], "index_bound": 10}]})",
     "inputs[0] ('x'): only integer inputs may have an \"index_bound\""},
    {"IndexBoundNotPositive",
     HEAD R"("params": [], "inputs": [{"name": "x", "dtype": "i64",
         "shape": ["n"], "index_bound": 0}]})",
     "inputs[0] ('x'): \"index_bound\" must be a positive integer, found 0"},
    {"ReadOnAnInput",
     HEAD R"("params": [], "inputs": [{"name": "x", "dtype": "f32",
         "shape": ["n"], "read": false}]})",
     "inputs[0] ('x'): only parameters may have \"read\""},
    {"ReadNotABoolean",
     HEAD R"("inputs": [)" X_INPUT R"(], "params": [{"name": "w",
         "tensor": "w", "read": 0, "dtype": "f32", "shape": [2]}]})",
     "params[0] ('w'): \"read\" must be true or false, found 0"},
    {"DefaultNotANumber",
     HEAD R"("params": [], "inputs": [{"name": "x", "dtype": "f32",
         "shape": ["n"], "default": "1"}]})",
     "inputs[0] ('x'): \"default\" must be a number, found \"1\""},
    {"FractionalDefaultOfAnIntegerInput",
     HEAD R"("params": [], "inputs": [{"name": "x", "dtype": "i64",
         "shape": ["n"], "default": 0.5}]})",
     "inputs[0] ('x'): \"default\" must be an integer, found 0.5"},
    {"DefaultBeyondI32",
     HEAD R"("params": [], "inputs": [{"name": "x", "dtype": "i32",
         "shape": ["n"], "default": 4294967296}]})",
     "inputs[0] ('x'): \"default\" 4294967296 does not fit in i32"},
    {"FingerprintNotHex",
     R"({"abi_version": 1, "name": "m", "fingerprint": "xyz", "dims": []})",
     "\"fingerprint\" must be a string of hex digits, found \"xyz\""},
    {"FingerprintNotAString",
     R"({"abi_version": 1, "name": "m", "fingerprint": 12, "dims": []})",
     "\"fingerprint\" must be a string of hex digits, found 12"},
    {"ConstantsNotAnObject",
     R"({"abi_version": 1, "name": "m", "constants": [1], "dims": []})",
     "\"constants\" must be an object of numbers, found [1]"},
    {"ConstantNotANumber",
     R"({"abi_version": 1, "name": "m", "constants": {"causal": true},
         "dims": []})",
     "constant 'causal' must be a number, found true"},
};

void PrintTo(const BadExtension &manifest, std::ostream *os) {
  *os << manifest.name;
}

class BadExtensionTest : public testing::TestWithParam<BadExtension> {};

TEST_P(BadExtensionTest, IsRejected) {
  FakeModelHooks hooks;
  hooks.setManifest(GetParam().json);
  attnc_model *model = nullptr;
  ASSERT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_ERROR_FORMAT);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(attnc_last_error(), std::string("'") + ATTNC_FAKE_MODEL +
                                    "': invalid manifest: " +
                                    GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Runtime, BadExtensionTest,
                         testing::ValuesIn(kBadExtensions),
                         [](const testing::TestParamInfo<BadExtension> &info) {
                           return std::string(info.param.name);
                         });

TEST(ManifestExtensionsTest, EmptyFingerprintMeansNone) {
  FakeModelHooks hooks;
  hooks.setManifest(R"({"abi_version": 1, "name": "m", "fingerprint": "",
      "constants": {}, "dims": [], "inputs": [
        {"name": "n", "dtype": "i64", "shape": [], "default": 2.0}],
      "params": [], "outputs": []})");
  attnc_model *model = nullptr;
  ASSERT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_OK)
      << attnc_last_error();
  EXPECT_STREQ(attnc_model_fingerprint(model), "");
  attnc_tensor_info n;
  ASSERT_EQ(attnc_model_tensor_info(model, ATTNC_KIND_INPUT, 0, &n), ATTNC_OK);
  EXPECT_TRUE(n.has_default);
  EXPECT_EQ(n.default_value, 2.0);
  attnc_model_destroy(model);
}

TEST(ManifestExtensionsTest, ConstantsKeepTheirOrder) {
  FakeModelHooks hooks;
  hooks.setManifest(R"({"abi_version": 1, "name": "m", "dims": [],
      "inputs": [], "params": [], "outputs": [],
      "constants": {"z": 1, "a": -2, "big": 9007199254740993, "eps": 1e-05}})");
  attnc_model *model = nullptr;
  ASSERT_EQ(attnc_model_open(ATTNC_FAKE_MODEL, &model), ATTNC_OK)
      << attnc_last_error();
  ASSERT_EQ(attnc_model_num_constants(model), 4u);
  const char *names[4] = {"z", "a", "big", "eps"};
  for (size_t i = 0; i < 4; ++i) {
    attnc_constant c;
    ASSERT_EQ(attnc_model_constant(model, i, &c), ATTNC_OK);
    EXPECT_STREQ(c.name, names[i]);
  }
  attnc_constant big, eps;
  ASSERT_EQ(attnc_model_constant(model, 2, &big), ATTNC_OK);
  EXPECT_TRUE(big.is_integer);
  EXPECT_EQ(big.int_value, 9007199254740993); // not representable as double
  ASSERT_EQ(attnc_model_constant(model, 3, &eps), ATTNC_OK);
  EXPECT_FALSE(eps.is_integer);
  EXPECT_EQ(eps.float_value, 1e-05);
  attnc_model_destroy(model);
}

} // namespace
