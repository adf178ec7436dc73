//===- TokenizerFuzzer.cpp - libFuzzer target for the BPE tokenizer -------===//
//
// Input: any bytes, used twice.
//   1. As text, encoded and decoded with a fixed valid tokenizer (the tests'
//      tokenizer.json: every byte has a token, merges, one added token
//      without stripping, no prefix space).
//   2. As a tokenizer.json: when it builds, the input itself and a fixed
//      sample text are encoded and decoded with it.
//
// Besides crashes and sanitizer reports, it fails when a failure has no
// message, when encode gives an id outside [0, vocabSize), when the ids
// encode gives do not decode, or when decode(encode(text)) != text for a
// tokenizer that must round-trip: a byte-level BPE neither adds text (a
// prefix space) nor drops it (whitespace stripped around added tokens), so
// without those two options every text that encodes comes back unchanged.
// The options are read from the JSON here, not from the tokenizer.
//
//===----------------------------------------------------------------------===//
#include "Tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

using namespace attnc;

namespace {

using json = nlohmann::json;

[[noreturn]] void bug(const std::string &what) {
  std::fprintf(stderr, "attnc tokenizer fuzzer: %s\n", what.c_str());
  std::abort();
}

void requireMessage(const Error &error, const char *what) {
  if (error.message().empty())
    bug(std::string(what) + " failed without a message");
}

std::string hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.substr(0, 64)) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out + (bytes.size() > 64 ? "..." : "");
}

/// Encodes and decodes `text`; with `roundTrips`, the decoded text must be
/// `text`.
void checkText(const rt::Tokenizer &tokenizer, std::string_view text,
               bool roundTrips) {
  Expected<std::vector<int64_t>> ids = tokenizer.encode(text);
  if (!ids) {
    requireMessage(ids.error(), "encode");
    return;
  }
  for (int64_t id : *ids)
    if (id < 0 || id >= tokenizer.vocabSize())
      bug("encode gave id " + std::to_string(id) + " outside the " +
          std::to_string(tokenizer.vocabSize()) + " ids");
  Expected<std::string> decoded = tokenizer.decode(ids->data(), ids->size());
  if (!decoded)
    bug("the ids encode gave do not decode: " + decoded.error().message());
  if (roundTrips && *decoded != text)
    bug("decode(encode(text)) != text: text " + hex(text) + ", decoded " +
        hex(*decoded));
}

const rt::Tokenizer &fixedTokenizer() {
  static std::unique_ptr<rt::Tokenizer> tokenizer = [] {
    Expected<std::unique_ptr<rt::Tokenizer>> loaded =
        rt::loadTokenizerJson(ATTNC_FUZZ_TOKENIZER);
    if (!loaded)
      bug("cannot load the fixed tokenizer: " + loaded.error().message());
    return std::move(*loaded);
  }();
  return *tokenizer;
}

/// Whether a tokenizer built from `text` must round-trip (see the top).
bool mustRoundTrip(std::string_view text) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object())
    return false;
  auto added = root.find("added_tokens");
  if (added != root.end() && !(added->is_array() && added->empty()))
    return false;
  auto pre = root.find("pre_tokenizer");
  if (pre == root.end() || !pre->is_object())
    return false;
  auto prefix = pre->find("add_prefix_space");
  return prefix == pre->end() || *prefix == false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  checkText(fixedTokenizer(), input, /*roundTrips=*/true);

  Expected<std::unique_ptr<rt::Tokenizer>> tokenizer =
      rt::parseTokenizerJson(input, "fuzz.json");
  if (!tokenizer) {
    requireMessage(tokenizer.error(), "parseTokenizerJson");
    return 0;
  }
  bool roundTrips = mustRoundTrip(input);
  checkText(**tokenizer, input, roundTrips);
  checkText(**tokenizer,
            "Hello world, it's 2024!\n\t<|endoftext|>  caf\xc3\xa9 \xe4\xb8\xad"
            "\xf0\x9f\x98\x80 \xff\xfe x\r\n",
            roundTrips);
  return 0;
}
