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
// encode gives do not decode (also skipping special tokens, and as a
// continuation), or when decode(encode(text)) != text for a tokenizer that
// must round-trip: a byte-level BPE (ByteLevel pre-tokenizer, BPE model, no
// normalizer, ByteLevel decoder) neither adds text (a prefix space) nor
// drops it (whitespace stripped around added tokens), so without those two
// options every text that encodes without special tokens comes back
// unchanged. The options are read from the JSON here, not from the
// tokenizer.
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
  Expected<std::vector<int64_t>> ids = tokenizer.encode(text, false);
  if (!ids) {
    requireMessage(ids.error(), "encode");
    return;
  }
  Expected<std::vector<int64_t>> withSpecial = tokenizer.encode(text, true);
  if (!withSpecial)
    bug("encode fails only with special tokens: " +
        withSpecial.error().message());
  for (const std::vector<int64_t> *list : {&*ids, &*withSpecial})
    for (int64_t id : *list)
      if (id < 0 || id >= tokenizer.vocabSize())
        bug("encode gave id " + std::to_string(id) + " outside the " +
            std::to_string(tokenizer.vocabSize()) + " ids");
  Expected<std::string> decoded = tokenizer.decode(ids->data(), ids->size());
  if (!decoded)
    bug("the ids encode gave do not decode: " + decoded.error().message());
  for (bool skip : {false, true}) {
    rt::DecodeOptions options;
    options.skipSpecialTokens = skip;
    options.continuation = !skip;
    Expected<std::string> again =
        tokenizer.decode(withSpecial->data(), withSpecial->size(), options);
    if (!again)
      bug("the ids encode gave do not decode with options: " +
          again.error().message());
  }
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
  auto absentOrNull = [&](const char *key) {
    auto it = root.find(key);
    return it == root.end() || it->is_null();
  };
  auto isType = [](const json &part, const char *type) {
    return part.is_object() && part.value("type", json()) == type;
  };
  auto added = root.find("added_tokens");
  if (added != root.end() && !(added->is_array() && added->empty()))
    return false;
  if (!absentOrNull("normalizer"))
    return false;
  auto decoder = root.find("decoder");
  if (decoder != root.end() && !decoder->is_null() &&
      !isType(*decoder, "ByteLevel"))
    return false;
  auto model = root.find("model");
  if (model == root.end() || !model->is_object() ||
      (model->contains("type") && !isType(*model, "BPE")))
    return false;
  auto pre = root.find("pre_tokenizer");
  if (pre == root.end() || !isType(*pre, "ByteLevel"))
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
