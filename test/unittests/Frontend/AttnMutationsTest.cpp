//===- AttnMutationsTest.cpp - The front-end fuzzer's mutations -----------===//
//
// test/fuzz/AttnMutations.cpp: the mutations find the builtins, statements,
// arguments and names they claim to, keep the rest of the text, and those
// that only replace one word by another of its kind keep the model parsing.

#include "AttnMutations.h"
#include "Builtins.h"
#include "FrontendTestUtils.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <set>

using namespace attnc;
using namespace attnc::fuzz;
using attnc::test::Compilation;

namespace {

std::vector<std::string> exampleTexts() {
  std::vector<std::string> texts;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(ATTNC_EXAMPLES_DIR, ec), end;
       it != end && !ec; it.increment(ec)) {
    if (llvm::sys::path::extension(it->path()) != ".attn")
      continue;
    auto buffer = llvm::MemoryBuffer::getFile(it->path());
    if (buffer)
      texts.push_back((*buffer)->getBuffer().str());
  }
  return texts;
}

/// Every result of `kind` on `text` over `seeds` seeds.
std::set<std::string> mutants(llvm::StringRef text, Mutation kind,
                              unsigned seeds = 200) {
  std::set<std::string> results;
  for (unsigned seed = 1; seed <= seeds; ++seed) {
    std::minstd_rand rng(seed);
    if (std::optional<std::string> m = mutateAttn(text, kind, rng))
      results.insert(*m);
  }
  return results;
}

const char kSmall[] = R"(model m {
  const a = 4
  dim n
  input x : f32[n, a]
  output y = relu(x)
})";

TEST(AttnMutationsTest, EveryMutationChangesEveryExample) {
  std::vector<std::string> examples = exampleTexts();
  ASSERT_GE(examples.size(), 8u) << "examples/*.attn not found";
  // llama.attn has every construct: blocks, keywords, types, operators.
  auto llama = llvm::find_if(examples, [](const std::string &t) {
    return llvm::StringRef(t).contains("model llama");
  });
  ASSERT_NE(llama, examples.end());
  for (unsigned k = 0; k < kNumMutations; ++k) {
    std::set<std::string> results = mutants(*llama, Mutation(k), 20);
    results.erase(*llama); // a keyword renamed to itself, say
    EXPECT_FALSE(results.empty()) << "mutation " << k;
  }
  for (const std::string &text : examples) {
    std::minstd_rand rng(7);
    std::optional<std::string> m = mutateAttn(text, rng);
    ASSERT_TRUE(m.has_value());
    EXPECT_NE(*m, text);
  }
}

TEST(AttnMutationsTest, WordForWordMutationsKeepEveryExampleParsing) {
  for (const std::string &text : exampleTexts()) {
    for (Mutation kind :
         {Mutation::SwapBuiltin, Mutation::ChangeNumber, Mutation::ChangeType,
          Mutation::RenameKeyword, Mutation::SwapName, Mutation::SwapOperator,
          Mutation::AddKeyword, Mutation::AddOverride}) {
      for (const std::string &m : mutants(text, kind, 30)) {
        // The parser refuses numbers beyond its range; that is all it may
        // refuse.
        Compilation c(m);
        llvm::StringRef messages;
        if (!c.parse())
          messages = c.diagnostics();
        EXPECT_TRUE(messages.empty() ||
                    (messages.count(": error: ") == 1 &&
                     (messages.contains("' is too large") ||
                      messages.contains("' is out of range"))))
            << "mutation " << unsigned(kind) << ":\n"
            << m << "\n"
            << messages.str();
      }
    }
  }
}

TEST(AttnMutationsTest, SwapsABuiltinForEveryOtherOneOfTheTable) {
  std::set<std::string> expected;
  for (llvm::StringRef name : sema::builtinNames())
    if (name != "relu")
      expected.insert((llvm::StringRef(kSmall).split("relu").first + name +
                       llvm::StringRef(kSmall).split("relu").second)
                          .str());
  EXPECT_EQ(mutants(kSmall, Mutation::SwapBuiltin, 2000), expected);
}

TEST(AttnMutationsTest, DeletesWholeStatements) {
  const char source[] = R"(model m {
  const a = 4
  block b(x) {
    let h = linear(x,
                   w)
    return h
  }
  output y = b(x)
})";
  std::set<std::string> expected;
  for (llvm::StringRef statement :
       {"const a = 4", "let h = linear(x,\n                   w)", "return h",
        "output y = b(x)",
        "block b(x) {\n    let h = linear(x,\n                   w)\n    "
        "return h\n  }"}) {
    auto [before, after] = llvm::StringRef(source).split(statement);
    expected.insert((before + after).str());
  }
  EXPECT_EQ(mutants(source, Mutation::DeleteStatement), expected);
}

TEST(AttnMutationsTest, AddsKeywordsOfTheBuiltinsTable) {
  llvm::StringSet<> known;
  for (llvm::StringRef builtin : sema::builtinNames()) {
    for (llvm::StringRef name : sema::builtinKeywordNames(builtin))
      known.insert(name);
    for (llvm::StringRef name : sema::builtinPositionalNames(builtin))
      known.insert(name);
  }
  bool ownKeyword = false;
  for (const std::string &m : mutants(kSmall, Mutation::AddKeyword)) {
    llvm::StringRef call = llvm::StringRef(m).split("relu(x, ").second;
    llvm::StringRef name = call.split(" = ").first;
    EXPECT_TRUE(known.contains(name)) << m;
    ownKeyword |= name == "x"; // relu's own parameter, given by keyword
  }
  EXPECT_TRUE(ownKeyword);
  EXPECT_EQ(sema::builtinKeywordNames("layernorm"),
            llvm::SmallVector<llvm::StringRef>({"eps"}));
  EXPECT_TRUE(sema::builtinKeywordNames("no_such_builtin").empty());
}

TEST(AttnMutationsTest, CrossOverTakesAStatementOfTheOtherModel) {
  const char other[] = "model o {\n  dim seq\n}";
  std::set<std::string> results;
  for (unsigned seed = 1; seed <= 100; ++seed) {
    std::minstd_rand rng(seed);
    if (auto m = crossOverAttn(kSmall, other, rng))
      results.insert(*m);
  }
  // Inserted after, or put in place of, each of the four statements.
  EXPECT_EQ(results.size(), 8u);
  for (const std::string &m : results)
    EXPECT_TRUE(llvm::StringRef(m).contains("dim seq")) << m;
  std::minstd_rand rng(1);
  EXPECT_FALSE(crossOverAttn("not a model", other, rng));
}

} // namespace
