//===- TokenDecoder.cpp - tokenizer.json decoders -------------------------===//
//
// Follows Hugging Face's decoders/*.rs, with one difference: the result is
// bytes, not text, so ByteLevel and ByteFallback give the bytes themselves
// where Hugging Face would write U+FFFD for a sequence that is not valid
// UTF-8. Decoding a sequence token by token (with `continuation`) thus
// gives exactly the bytes of decoding it at once.
//
//===----------------------------------------------------------------------===//
#include "TokenDecoder.h"

#include "ByteLevel.h"
#include "Utf8.h"

#include <cstdlib>
#include <optional>

namespace attnc::rt {
namespace {

void replaceAll(std::string &text, const std::string &from,
                const std::string &to) {
  if (from.empty())
    return;
  for (size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

/// The byte a "<0xNN>" token stands for.
std::optional<uint8_t> fallbackByte(const std::string &token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>' ||
      !std::isxdigit(static_cast<unsigned char>(token[3])) ||
      !std::isxdigit(static_cast<unsigned char>(token[4])))
    return std::nullopt;
  return static_cast<uint8_t>(std::strtoul(token.substr(3, 2).c_str(), nullptr, 16));
}

/// A token whose characters all stand for bytes is those bytes; any other is
/// kept as it is.
std::string byteLevel(const std::string &token) {
  std::string bytes;
  for (size_t pos = 0; pos < token.size();) {
    utf8::CodePoint c = utf8::decode(token, pos);
    std::optional<uint8_t> byte =
        c.valid ? bytelevel::charToByte(c.value) : std::nullopt;
    if (!byte)
      return token;
    bytes += static_cast<char>(*byte);
    pos += c.size;
  }
  return bytes;
}

std::string wordPieceCleanup(std::string text) {
  static const char *const kPairs[][2] = {
      {" .", "."},   {" ?", "?"},   {" !", "!"},         {" ,", ","},
      {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},     {" do not", " don't"},
      {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto &pair : kPairs)
    replaceAll(text, pair[0], pair[1]);
  return text;
}

/// Up to `start` leading and `stop` trailing copies of the character
/// `content` taken off `token`.
void strip(std::string &token, const std::string &content, size_t start,
           size_t stop) {
  if (content.empty())
    return;
  for (size_t i = 0; i < start && token.compare(0, content.size(), content) == 0;
       ++i)
    token.erase(0, content.size());
  for (size_t i = 0; i < stop && token.size() >= content.size() &&
                     token.compare(token.size() - content.size(),
                                   content.size(), content) == 0;
       ++i)
    token.resize(token.size() - content.size());
}

} // namespace

std::string decodeTokens(const std::vector<DecoderStep> &steps,
                         std::vector<std::string> tokens, bool continuation) {
  if (steps.empty()) {
    std::string text;
    for (size_t i = 0; i < tokens.size(); ++i)
      text += (i > 0 || continuation ? " " : "") + tokens[i];
    return text;
  }
  bool fused = false;
  for (const DecoderStep &step : steps) {
    using Kind = DecoderStep::Kind;
    // Whether tokens[i] is the first of the whole sequence.
    auto first = [&](size_t i) { return i == 0 && !continuation; };
    switch (step.kind) {
    case Kind::ByteLevel:
      for (std::string &token : tokens)
        token = byteLevel(token);
      break;
    case Kind::Replace:
      for (std::string &token : tokens)
        replaceAll(token, step.pattern, step.text);
      break;
    case Kind::ByteFallback: {
      std::vector<std::string> out;
      bool inBytes = false;
      for (std::string &token : tokens) {
        std::optional<uint8_t> byte = fallbackByte(token);
        if (byte && inBytes)
          out.back() += static_cast<char>(*byte);
        else if (byte)
          out.emplace_back(1, static_cast<char>(*byte));
        else
          out.push_back(std::move(token));
        inBytes = byte.has_value();
      }
      tokens = std::move(out);
      break;
    }
    case Kind::Fuse: {
      std::string all;
      for (const std::string &token : tokens)
        all += token;
      tokens.assign(1, std::move(all));
      fused = true;
      break;
    }
    case Kind::Strip:
      for (size_t i = 0; i < tokens.size(); ++i)
        strip(tokens[i], step.text,
              i == 0 && continuation && fused ? 0 : step.start, step.stop);
      break;
    case Kind::Metaspace:
      for (size_t i = 0; i < tokens.size(); ++i) {
        replaceAll(tokens[i], step.pattern, " ");
        if (first(i) && step.dropFirstSpace && !tokens[i].empty() &&
            tokens[i][0] == ' ')
          tokens[i].erase(0, 1);
      }
      break;
    case Kind::WordPiece:
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (!first(i)) {
          if (tokens[i].compare(0, step.pattern.size(), step.pattern) == 0)
            tokens[i].erase(0, step.pattern.size());
          else
            tokens[i].insert(0, " ");
        }
        if (step.cleanup)
          tokens[i] = wordPieceCleanup(std::move(tokens[i]));
      }
      break;
    }
  }
  std::string text;
  for (const std::string &token : tokens)
    text += token;
  return text;
}

} // namespace attnc::rt
