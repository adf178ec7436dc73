//===- TargetContractTest.cpp - The manifest's "target" checked at open ---===//
//
// A model records the ISA extensions its code uses; attnc_model_open refuses
// one that needs an extension this CPU lacks. The reference for what this CPU
// has is the kernel's /proc/cpuinfo flags, not the runtime's own CPUID code.
//
//===----------------------------------------------------------------------===//
#include "attnc/runtime.h"

#include "FakeModelHooks.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

using attnc::test::FakeModelHooks;

namespace {

/// LLVM's feature names (cpu_features.def) and the kernel's flag for each.
/// Not lzcnt: its flag "abm" is missing under some hypervisors that pass the
/// CPUID bit through (seen here on a Zen 5 VM).
const std::pair<const char *, const char *> kKernelFlags[] = {
    {"sse2", "sse2"},         {"sse3", "pni"},
    {"ssse3", "ssse3"},       {"sse4.1", "sse4_1"},
    {"sse4.2", "sse4_2"},     {"popcnt", "popcnt"},
    {"movbe", "movbe"},
    {"bmi", "bmi1"},          {"bmi2", "bmi2"},
    {"avx", "avx"},           {"fma", "fma"},
    {"f16c", "f16c"},         {"avx2", "avx2"},
    {"avxvnni", "avx_vnni"},  {"avx512f", "avx512f"},
    {"avx512dq", "avx512dq"}, {"avx512cd", "avx512cd"},
    {"avx512bw", "avx512bw"}, {"avx512vl", "avx512vl"},
    {"avx512vnni", "avx512_vnni"}, {"avx512bf16", "avx512_bf16"},
    {"avx512fp16", "avx512_fp16"},
};

std::set<std::string> kernelFlags() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      return {std::istream_iterator<std::string>(words),
              std::istream_iterator<std::string>()};
    }
  return {};
}

std::string manifestNeeding(const std::string &features) {
  return R"({"abi_version": 1, "name": "m", "dims": [], "inputs": [],
      "params": [], "outputs": [], "target": {"cpu": "test-cpu",
      "features": [)" +
         features + "]}}";
}

attnc_status openWith(const std::string &manifest) {
  FakeModelHooks hooks;
  hooks.setManifest(manifest.c_str());
  attnc_model *model = nullptr;
  attnc_status status = attnc_model_open(ATTNC_FAKE_MODEL, &model);
  if (model)
    attnc_model_destroy(model);
  else
    EXPECT_NE(status, ATTNC_OK);
  return status;
}

TEST(TargetContractTest, EachFeatureIsCheckedAgainstTheKernelsFlags) {
  std::set<std::string> flags = kernelFlags();
  if (flags.empty())
    GTEST_SKIP() << "no /proc/cpuinfo flags to compare with";
  for (auto [feature, flag] : kKernelFlags) {
    bool present = flags.count(flag) != 0;
    attnc_status status =
        openWith(manifestNeeding(std::string("\"") + feature + "\""));
    EXPECT_EQ(status, present ? ATTNC_OK : ATTNC_ERROR_ABI)
        << feature << " (kernel flag " << flag << ") "
        << (present ? "is present" : "is absent") << "; runtime said: "
        << attnc_last_error();
  }
}

TEST(TargetContractTest, MissingFeaturesAreNamedWithTheAdvice) {
  std::set<std::string> flags = kernelFlags();
  std::string absent;
  for (auto [feature, flag] : kKernelFlags)
    if (!flags.count(flag)) {
      absent = feature;
      break;
    }
  if (absent.empty())
    GTEST_SKIP() << "this CPU has every checked feature";
  ASSERT_EQ(openWith(manifestNeeding("\"sse2\", \"" + absent + "\"")),
            ATTNC_ERROR_ABI);
  std::string message = attnc_last_error();
  std::string expected = std::string("'") + ATTNC_FAKE_MODEL +
                         "' was compiled for 'test-cpu' and needs CPU "
                         "features this CPU lacks: " +
                         absent + "; recompile it with --target-cpu ";
  EXPECT_EQ(message.substr(0, expected.size()), expected) << message;
  EXPECT_NE(message.find("--target-cpu host on this machine"),
            std::string::npos)
      << message;
}

TEST(TargetContractTest, UnknownFeaturesAreRefused) {
  ASSERT_EQ(openWith(manifestNeeding(R"("sse2", "avx10.9-1024")")),
            ATTNC_ERROR_ABI);
  EXPECT_EQ(attnc_last_error(),
            std::string("'") + ATTNC_FAKE_MODEL +
                "' was compiled for 'test-cpu' and needs CPU features this "
                "runtime cannot check: avx10.9-1024 (a newer attnc compiled "
                "it; use the same version's runtime)");
}

TEST(TargetContractTest, NoTargetMeansNoCheck) {
  EXPECT_EQ(openWith(R"({"abi_version": 1, "name": "m", "dims": [],
      "inputs": [], "params": [], "outputs": []})"),
            ATTNC_OK)
      << attnc_last_error();
  EXPECT_EQ(openWith(manifestNeeding("")), ATTNC_OK) << attnc_last_error();
}

TEST(TargetContractTest, MalformedTargetIsAnInvalidManifest) {
  EXPECT_EQ(openWith(R"({"abi_version": 1, "name": "m", "dims": [],
      "inputs": [], "params": [], "outputs": [], "target": "x86-64-v3"})"),
            ATTNC_ERROR_FORMAT);
  EXPECT_EQ(attnc_last_error(),
            std::string("'") + ATTNC_FAKE_MODEL +
                "': invalid manifest: \"target\" must be an object with a "
                "string \"cpu\" and an array \"features\", found "
                "\"x86-64-v3\"");
  EXPECT_EQ(openWith(manifestNeeding("1")), ATTNC_ERROR_FORMAT);
  EXPECT_EQ(attnc_last_error(),
            std::string("'") + ATTNC_FAKE_MODEL +
                "': invalid manifest: \"target\".\"features\" must hold "
                "strings, found 1");
}

} // namespace
