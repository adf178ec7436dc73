//===- CheckpointTest.cpp - Sharded checkpoints (Hugging Face index) ------===//
#include "RuntimeTestSupport.h"

#include <gtest/gtest.h>

using namespace attnc;
using namespace attnc::test;

namespace {

const std::vector<float> kL0 = {1, 2}, kL1 = {3, 4}, kL2 = {5, 6},
                         kBias = {0, 0};

/// Two shards of the stacked fake model's weights and an index beside them.
class ShardedTest : public testing::Test {
protected:
  void SetUp() override {
    writeTensors(shard1.str(), {{"h.0.w", f32(kL0, {2})},
                                {"h.1.w", f32(kL1, {2})}});
    writeTensors(shard2.str(), {{"h.2.w", f32(kL2, {2})},
                                {"ln_f.bias", f32(kBias, {2})}});
  }

  std::string s1() const { return baseName(shard1.str()); }
  std::string s2() const { return baseName(shard2.str()); }

  void writeIndex(const std::string &json) { writeBytes(index.str(), json); }

  std::string standardIndex(const std::string &metadata = "{}") const {
    return R"({"metadata": )" + metadata + R"(, "weight_map": {"h.0.w": ")" +
           s1() + R"(", "h.1.w": ")" + s1() + R"(", "h.2.w": ")" + s2() +
           R"(", "ln_f.bias": ")" + s2() + R"("}})";
  }

  TempPath shard1{"model-00001-of-00002.safetensors"};
  TempPath shard2{"model-00002-of-00002.safetensors"};
  TempPath index{"model.safetensors.index.json"};
  ModelHandle model{ATTNC_FAKE_STACKED_MODEL};
};

TEST_F(ShardedTest, LoadsEveryShard) {
  writeIndex(standardIndex());
  model.load(index.str());
  EXPECT_EQ(model.warnings(), std::vector<std::string>{});

  float x[2] = {0, 0};
  int64_t ids[1] = {0}, xShape[2] = {1, 2}, seqShape[1] = {1};
  attnc_tensor inputs[2] = {{"x", ATTNC_DTYPE_F32, 2, xShape, x},
                            {"ids", ATTNC_DTYPE_I64, 1, seqShape, ids}};
  attnc_tensor_list *outputs = nullptr;
  ASSERT_EQ(attnc_model_run(model, inputs, 2, &outputs), ATTNC_OK)
      << attnc_last_error();
  EXPECT_EQ(floats(*attnc_tensor_list_find(outputs, "w_seen")),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  attnc_tensor_list_destroy(outputs);
}

TEST_F(ShardedTest, MissingIndex) {
  EXPECT_EQ(model.load("/nonexistent/model.safetensors.index.json",
                       ATTNC_ERROR_IO),
            "cannot open '/nonexistent/model.safetensors.index.json': No such "
            "file or directory");
}

TEST_F(ShardedTest, IndexIsNotJson) {
  writeIndex("{\"weight_map\": ");
  std::string message = model.load(index.str(), ATTNC_ERROR_FORMAT);
  EXPECT_EQ(message.rfind(index.str() + ": index is not valid JSON: ", 0), 0u)
      << message;
}

TEST_F(ShardedTest, IndexWithoutWeightMap) {
  writeIndex(R"({"metadata": {"total_size": 24}})");
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_FORMAT),
            index.str() + ": index has no object \"weight_map\" (tensor name "
                          "-> shard file)");
}

TEST_F(ShardedTest, WeightMapEntryIsNotAFileName) {
  writeIndex(R"({"weight_map": {"h.0.w": 3}})");
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_FORMAT),
            index.str() + ": weight_map: tensor 'h.0.w' must map to a shard "
                          "file name, found 3");
}

TEST_F(ShardedTest, ShardPathClimbingOutOfTheDirectory) {
  // Each spelling would reach a file outside the index's directory.
  for (const char *shard : {"../w.safetensors", "a/../../w.safetensors", "..",
                            "sub/..", "./../w.safetensors"}) {
    writeIndex(std::string(R"({"weight_map": {"h.0.w": ")") + shard +
               "\"}}");
    EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_FORMAT),
              index.str() + ": weight_map: shard '" + shard +
                  "' of tensor 'h.0.w' must stay inside the index's "
                  "directory (no '..')")
        << shard;
  }
}

TEST_F(ShardedTest, AbsoluteShardPath) {
  writeIndex(R"({"weight_map": {"h.0.w": "/etc/passwd"}})");
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_FORMAT),
            index.str() + ": weight_map: shard '/etc/passwd' of tensor 'h.0.w' "
                          "must be relative to the index's directory");
}

TEST_F(ShardedTest, MissingShard) {
  std::string json = standardIndex();
  json.replace(json.find(s2()), s2().size(), "gone.safetensors");
  json.replace(json.find(s2()), s2().size(), "gone.safetensors");
  writeIndex(json);
  std::string dir = index.str().substr(0, index.str().rfind('/') + 1);
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_IO),
            "cannot open '" + dir + "gone.safetensors': No such file or "
            "directory (shard of " + index.str() + ", holding 'h.2.w' and 1 "
            "more tensors)");
}

TEST_F(ShardedTest, CorruptShard) {
  writeBytes(shard2.str(), safetensorsBytes("{\"h.2.w\": []}", ""));
  writeIndex(standardIndex());
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_FORMAT),
            shard2.str() + ": tensor 'h.2.w': expected an object with dtype, "
                           "shape and data_offsets, found [] (shard of " +
                index.str() + ", holding 'h.2.w' and 1 more tensors)");
}

TEST_F(ShardedTest, TensorNotInItsShard) {
  std::string json = standardIndex();
  // Claims h.2.w is in the first shard.
  size_t at = json.find("\"h.2.w\": \"") + 10;
  json.replace(at, s2().size(), s1());
  writeIndex(json);
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_MISMATCH),
            index.str() + ": tensor 'h.2.w' is mapped to shard '" + s1() +
                "', which does not contain it");
}

TEST_F(ShardedTest, ParameterMissingFromTheIndex) {
  std::string json = R"({"weight_map": {"h.0.w": ")" + s1() +
                     R"(", "h.1.w": ")" + s1() + R"(", "ln_f.bias": ")" +
                     s2() + R"("}})";
  writeIndex(json);
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_MISMATCH),
            index.str() + ": missing tensor 'h.2.w' (layer 2 of parameter "
                          "'w', expected f32[2])");
}

TEST_F(ShardedTest, UnlistedTensorsOfAShardAreWarnings) {
  std::string json = R"({"weight_map": {"h.0.w": ")" + s1() +
                     R"(", "h.1.w": ")" + s1() + R"(", "h.2.w": ")" + s2() +
                     R"("}})";
  writeIndex(json);
  // ln_f.bias is only in shard 2, which the index does not list it for.
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_MISMATCH),
            index.str() + ": missing tensor 'ln_f.bias' (parameter 'b', "
                          "expected f32[2])");

  writeTensors(shard1.str(), {{"h.0.w", f32(kL0, {2})},
                              {"h.1.w", f32(kL1, {2})},
                              {"ln_f.bias", f32(kBias, {2})}});
  json = R"({"weight_map": {"h.0.w": ")" + s1() + R"(", "h.1.w": ")" + s1() +
         R"(", "h.2.w": ")" + s2() + R"(", "ln_f.bias": ")" + s1() + R"("}})";
  writeIndex(json);
  model.load(index.str());
  EXPECT_EQ(model.warnings(),
            std::vector<std::string>{shard2.str() +
                                     ": tensor 'ln_f.bias' is not listed in "
                                     "the index " + index.str()});
}

TEST_F(ShardedTest, FingerprintInTheIndexMetadata) {
  writeIndex(standardIndex(R"({"attnc_fingerprint": "0badf00d"})"));
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_MISMATCH),
            index.str() + ": made for the model with fingerprint '0badf00d', "
                          "but model 'stacked' has fingerprint '00c0ffee'");
}

TEST_F(ShardedTest, FingerprintInAShard) {
  writeTensors(shard2.str(), {{"h.2.w", f32(kL2, {2})},
                              {"ln_f.bias", f32(kBias, {2})}},
               {{"attnc_fingerprint", "0badf00d"}});
  writeIndex(standardIndex(R"({"attnc_fingerprint": "00c0ffee"})"));
  EXPECT_EQ(model.load(index.str(), ATTNC_ERROR_MISMATCH),
            shard2.str() + ": made for the model with fingerprint '0badf00d', "
                           "but model 'stacked' has fingerprint '00c0ffee'");
}

} // namespace
