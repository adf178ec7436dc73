//===- Regex.cpp - PCRE2 patterns for tokenizer.json ----------------------===//
//
// Text that is not valid UTF-8 is allowed (PCRE2_MATCH_INVALID_UTF): a
// malformed byte matches nothing, so it is left between matches, where the
// byte-level model still encodes it.
//
//===----------------------------------------------------------------------===//
#define PCRE2_CODE_UNIT_WIDTH 8
#include "Regex.h"

#include "Support.h"

#include <pcre2.h>

namespace attnc::rt {
namespace {

std::string pcre2Message(int code) {
  PCRE2_UCHAR buffer[256];
  int length = pcre2_get_error_message(code, buffer, sizeof buffer);
  return length < 0 ? "error " + std::to_string(code)
                    : std::string(reinterpret_cast<char *>(buffer), length);
}

struct MatchData {
  explicit MatchData(const pcre2_code *code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
  pcre2_match_data *data;
};

} // namespace

Expected<std::shared_ptr<const Regex>> Regex::compile(const std::string &pattern,
                                                      bool literal) {
  // PCRE2 refuses UCP (meaningless there) with LITERAL.
  uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
                     (literal ? PCRE2_LITERAL : PCRE2_UCP);
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code *compiled =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()),
                    pattern.size(), options, &code, &offset, nullptr);
  if (!compiled)
    return Error(ATTNC_ERROR_FORMAT, "invalid pattern '" + truncate(pattern) +
                                         "' at offset " +
                                         std::to_string(offset) + ": " +
                                         pcre2Message(code));
  std::shared_ptr<Regex> regex(new Regex());
  regex->source = pattern;
  regex->code = compiled;
  return std::shared_ptr<const Regex>(std::move(regex));
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code *>(code)); }

Expected<std::vector<std::pair<size_t, size_t>>>
Regex::findAll(std::string_view text) const {
  auto *compiled = static_cast<const pcre2_code *>(code);
  MatchData match(compiled);
  if (!match.data)
    return Error(ATTNC_ERROR_OUT_OF_MEMORY, "out of memory matching a pattern");
  std::vector<std::pair<size_t, size_t>> matches;
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  for (size_t from = 0; from <= text.size();) {
    int rc = pcre2_match(compiled, subject, text.size(), from, 0, match.data,
                         nullptr);
    if (rc == PCRE2_ERROR_NOMATCH)
      break;
    if (rc < 0)
      return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                   "pattern '" + truncate(source) + "' failed on the text: " +
                       pcre2Message(rc));
    PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match.data);
    size_t begin = ovector[0], end = ovector[1];
    if (end > begin) {
      matches.emplace_back(begin, end);
      from = end;
      continue;
    }
    // An empty match: look again one character further on.
    if (begin >= text.size())
      break;
    from = begin + 1;
    while (from < text.size() && (static_cast<uint8_t>(text[from]) & 0xC0) == 0x80)
      ++from;
  }
  return matches;
}

} // namespace attnc::rt
