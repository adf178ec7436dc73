//===- ConfigTest.cpp - Tests of reading a config.json --------------------===//

#include "FrontendTestUtils.h"

#include "attnc/Frontend/Config.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace attnc;
using attnc::test::Compilation;
using attnc::test::errorLines;

namespace {

const char *kModel = "model m {\n"
                     "  const n_layer = 12\n"
                     "  const n_embd = 768\n"
                     "  const eps = 1e-5\n"
                     "  const causal = 1\n"
                     "  dim seq\n"
                     "  input x : f32[seq, n_embd]\n"
                     "  output y = x * n_layer\n"
                     "}\n";

/// A JSON file that exists for the lifetime of the test.
class ConfigFile {
public:
  explicit ConfigFile(llvm::StringRef text) {
    int fd;
    EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("config", "json", fd, path));
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << text;
  }
  ~ConfigFile() { llvm::sys::fs::remove(path); }
  std::string str() const { return std::string(path); }

private:
  llvm::SmallString<128> path;
};

struct Result {
  bool ok;
  llvm::SmallVector<ConstOverride> overrides;
  std::string diagnostics; // with the file's path replaced by "config.json"
};

Result read(llvm::StringRef json) {
  ConfigFile file(json);
  Compilation c(kModel);
  EXPECT_TRUE(c.parse());
  Result r;
  r.ok = readConfigOverrides(file.str(), *c.model, c.diag, r.overrides);
  r.diagnostics = errorLines(c.diagnostics());
  for (size_t at; (at = r.diagnostics.find(file.str())) != std::string::npos;)
    r.diagnostics.replace(at, file.str().size(), "config.json");
  return r;
}

TEST(ConfigTest, NumbersBecomeOverrides) {
  Result r = read(R"({"n_layer": 2, "n_embd": 64.0, "eps": 1e-6,
                      "causal": false, "architectures": ["GPT2"],
                      "vocab_size": 50257, "model_type": "gpt2"})");
  ASSERT_TRUE(r.ok) << r.diagnostics;
  // Sorted by key; whole numbers are integers however they are written.
  ASSERT_EQ(r.overrides.size(), 4u);
  EXPECT_EQ(r.overrides[0].name, "causal");
  EXPECT_EQ(r.overrides[0].value, "0");
  EXPECT_EQ(r.overrides[1].name, "eps");
  EXPECT_EQ(r.overrides[1].value, "1e-06");
  EXPECT_EQ(r.overrides[2].name, "n_embd");
  EXPECT_EQ(r.overrides[2].value, "64");
  EXPECT_EQ(r.overrides[3].name, "n_layer");
  EXPECT_EQ(r.overrides[3].value, "2");
  EXPECT_NE(r.overrides[3].origin, "");
  EXPECT_EQ(r.diagnostics, "note: config.json: ignoring keys the model does "
                           "not declare: architectures, model_type, "
                           "vocab_size\n");
}

TEST(ConfigTest, NullIsSkipped) {
  Result r = read(R"({"n_layer": null})");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.overrides.empty());
  EXPECT_EQ(r.diagnostics, "note: config.json: 'n_layer' is null; ignored\n");
}

TEST(ConfigTest, NonNumbersAreErrors) {
  Result r = read(R"({"n_layer": "2", "n_embd": {"v": 1}, "eps": [1]})");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.diagnostics,
            "error: config.json: 'eps' must be a number, got an array\n"
            "error: config.json: 'n_embd' must be a number, got an object\n"
            "error: config.json: 'n_layer' must be a number, got a string\n");
}

TEST(ConfigTest, NotAnObject) {
  EXPECT_EQ(read("12").diagnostics,
            "error: config.json: expected a JSON object, got a number\n");
  Result broken = read("{\"n_layer\": }");
  EXPECT_FALSE(broken.ok);
  EXPECT_NE(broken.diagnostics.find("error: config.json: invalid JSON: "),
            std::string::npos)
      << broken.diagnostics;
}

TEST(ConfigTest, MissingFile) {
  Compilation c(kModel);
  ASSERT_TRUE(c.parse());
  llvm::SmallVector<ConstOverride> overrides;
  EXPECT_FALSE(readConfigOverrides("/nonexistent/config.json", *c.model,
                                   c.diag, overrides));
  EXPECT_EQ(errorLines(c.diagnostics()),
            "error: cannot read config file '/nonexistent/config.json': No "
            "such file or directory\n");
}

TEST(ConfigTest, SemaChecksConfigValuesAndDWins) {
  ConfigFile file(R"({"n_layer": 2.5, "n_embd": 64})");
  Compilation c(kModel);
  ASSERT_TRUE(c.parse());
  llvm::SmallVector<ConstOverride> overrides;
  ASSERT_TRUE(readConfigOverrides(file.str(), *c.model, c.diag, overrides));
  // A -D given after the config wins over it.
  overrides.push_back({"n_embd", "32"});
  EXPECT_FALSE(checkModel(*c.model, overrides, c.diag));
  EXPECT_NE(c.diagnostics().find(": 'n_layer' = 2.5: constant 'n_layer' is "
                                 "an integer"),
            std::string::npos)
      << c.diagnostics();
  EXPECT_EQ(c.decl<ast::ConstDecl>("n_embd").resolved->value, 32);
}

} // namespace
