//===- TokenizerJsonParts.cpp - tokenizer.json's pipeline parts -----------===//
//
// The normalizer, pre-tokenizer, decoder and post-processor of a
// tokenizer.json, each a single part or a "Sequence" of parts.
//
//===----------------------------------------------------------------------===//
#include "TokenizerJsonReader.h"

namespace attnc::rt {

using json = nlohmann::json;

namespace {

constexpr const char *kNormalizers =
    "Sequence, Prepend, Replace, Lowercase, NFD, NFKD, NFC, NFKC, "
    "StripAccents, Strip, BertNormalizer";
constexpr const char *kPreTokenizers =
    "Sequence, ByteLevel, Split, Metaspace, BertPreTokenizer, Whitespace, "
    "WhitespaceSplit, Digits";
constexpr const char *kDecoders = "Sequence, ByteLevel, Replace, ByteFallback, "
                                  "Fuse, Strip, Metaspace, WordPiece";
constexpr const char *kPostProcessors =
    "Sequence, ByteLevel, TemplateProcessing, BertProcessing, "
    "RobertaProcessing";
// Steps of a sequence nest at most this deep (the file's own depth is
// bounded too, but each level here is a recursive call).
constexpr int kMaxSequenceDepth = 8;

/// The "Sequence" members of `value` under `key`, or nullptr (and a problem)
/// when it is not an array.
const json *sequence(TokenizerJsonReader &reader, const json &value,
                     const char *key, int depth) {
  if (depth >= kMaxSequenceDepth) {
    reader.problem("Sequence nests deeper than " +
                   std::to_string(kMaxSequenceDepth) + " levels");
    return nullptr;
  }
  const json *items = reader.member(value, key, "array");
  if (!items && !value.contains(key))
    reader.problem(std::string("Sequence needs \"") + key + "\"");
  return items;
}

} // namespace

void TokenizerJsonReader::readNormalizer(const json &value,
                                         std::vector<NormalizerStep> &steps) {
  struct Reader {
    TokenizerJsonReader &r;
    std::vector<NormalizerStep> &steps;
    void read(const json &value, int depth) {
      if (value.is_null())
        return;
      using Kind = NormalizerStep::Kind;
      std::string type = typeOf(value);
      NormalizerStep step;
      if (type == "Sequence") {
        if (const json *items = sequence(r, value, "normalizers", depth))
          for (const json &item : *items)
            read(item, depth + 1);
        return;
      } else if (type == "Prepend") {
        step.kind = Kind::Prepend;
        step.text = r.text(value, "prepend", "");
      } else if (type == "Replace") {
        step.kind = Kind::Replace;
        step.pattern = r.pattern(value, "pattern");
        step.text = r.text(value, "content", "");
        if (!step.pattern)
          return;
      } else if (type == "Lowercase") {
        step.kind = Kind::Lowercase;
      } else if (type == "NFD" || type == "NFKD" || type == "NFC" ||
                 type == "NFKC") {
        step.kind = type == "NFD"    ? Kind::Nfd
                    : type == "NFKD" ? Kind::Nfkd
                    : type == "NFC"  ? Kind::Nfc
                                     : Kind::Nfkc;
      } else if (type == "StripAccents") {
        step.kind = Kind::StripAccents;
      } else if (type == "Strip") {
        step.kind = Kind::Strip;
        step.left = r.flag(value, "strip_left", true);
        step.right = r.flag(value, "strip_right", true);
      } else if (type == "BertNormalizer") {
        step.kind = Kind::Bert;
        step.cleanText = r.flag(value, "clean_text", true);
        step.chineseChars = r.flag(value, "handle_chinese_chars", true);
        step.lowercase = r.flag(value, "lowercase", true);
        // null: as lowercase.
        auto accents = value.find("strip_accents");
        step.stripAccents = accents == value.end() || accents->is_null()
                                ? step.lowercase
                                : r.flag(value, "strip_accents", false);
      } else {
        r.unsupported("normalizer", type, kNormalizers);
        return;
      }
      steps.push_back(std::move(step));
    }
  };
  Reader{*this, steps}.read(value, 0);
}

void TokenizerJsonReader::readPreTokenizer(
    const json &value, std::vector<PreTokenizerStep> &steps) {
  struct Reader {
    TokenizerJsonReader &r;
    std::vector<PreTokenizerStep> &steps;
    void read(const json &value, int depth) {
      if (value.is_null())
        return;
      using Kind = PreTokenizerStep::Kind;
      std::string type = typeOf(value);
      PreTokenizerStep step;
      if (type == "Sequence") {
        if (const json *items = sequence(r, value, "pretokenizers", depth))
          for (const json &item : *items)
            read(item, depth + 1);
        return;
      } else if (type == "ByteLevel") {
        step.kind = Kind::ByteLevel;
        step.addPrefixSpace = r.flag(value, "add_prefix_space", false);
        step.useRegex = r.flag(value, "use_regex", true);
      } else if (type == "Split") {
        step.kind = Kind::Split;
        step.pattern = r.pattern(value, "pattern");
        step.invert = r.flag(value, "invert", false);
        std::string behavior = r.text(value, "behavior", "Isolated");
        static const std::pair<const char *, SplitBehavior> kBehaviors[] = {
            {"Removed", SplitBehavior::Removed},
            {"Isolated", SplitBehavior::Isolated},
            {"MergedWithPrevious", SplitBehavior::MergedWithPrevious},
            {"MergedWithNext", SplitBehavior::MergedWithNext},
            {"Contiguous", SplitBehavior::Contiguous}};
        bool known = false;
        for (const auto &[name, kind] : kBehaviors)
          if (behavior == name) {
            step.behavior = kind;
            known = true;
          }
        if (!known)
          r.unsupported("Split behavior", behavior,
                        "Removed, Isolated, MergedWithPrevious, "
                        "MergedWithNext, Contiguous");
        if (!step.pattern || !known)
          return;
      } else if (type == "Metaspace") {
        step.kind = Kind::Metaspace;
        step.replacement = r.text(value, "replacement", "\xE2\x96\x81");
        step.split = r.flag(value, "split", true);
        // Older files say add_prefix_space; newer ones prepend_scheme.
        bool prefix = r.flag(value, "add_prefix_space", true);
        std::string scheme =
            r.text(value, "prepend_scheme", prefix ? "always" : "never");
        using Prepend = PreTokenizerStep::Prepend;
        if (scheme == "always")
          step.prepend = Prepend::Always;
        else if (scheme == "first")
          step.prepend = Prepend::First;
        else if (scheme == "never")
          step.prepend = Prepend::Never;
        else
          r.unsupported("Metaspace prepend_scheme", scheme,
                        "always, first, never");
        if (step.replacement.empty()) {
          r.problem("Metaspace needs a non-empty \"replacement\"");
          return;
        }
      } else if (type == "BertPreTokenizer") {
        step.kind = Kind::Bert;
      } else if (type == "Whitespace") {
        step.kind = Kind::Whitespace;
      } else if (type == "WhitespaceSplit") {
        step.kind = Kind::WhitespaceSplit;
      } else if (type == "Digits") {
        step.kind = Kind::Digits;
        step.individualDigits = r.flag(value, "individual_digits", false);
      } else {
        r.unsupported("pre_tokenizer", type, kPreTokenizers);
        return;
      }
      steps.push_back(std::move(step));
    }
  };
  Reader{*this, steps}.read(value, 0);
}

void TokenizerJsonReader::readDecoder(const json &value,
                                      std::vector<DecoderStep> &steps) {
  struct Reader {
    TokenizerJsonReader &r;
    std::vector<DecoderStep> &steps;
    void read(const json &value, int depth) {
      if (value.is_null())
        return;
      using Kind = DecoderStep::Kind;
      std::string type = typeOf(value);
      DecoderStep step;
      if (type == "Sequence") {
        if (const json *items = sequence(r, value, "decoders", depth))
          for (const json &item : *items)
            read(item, depth + 1);
        return;
      } else if (type == "ByteLevel") {
        step.kind = Kind::ByteLevel;
      } else if (type == "Replace") {
        step.kind = Kind::Replace;
        const json *pattern = r.member(value, "pattern", "object");
        const json *literal =
            pattern ? r.member(*pattern, "String", "string") : nullptr;
        if (!literal) {
          r.problem("unsupported decoder Replace pattern " +
                    describe(value.value("pattern", json())) +
                    " (supported: {\"String\": ...})");
          return;
        }
        step.pattern = literal->get<std::string>();
        step.text = r.text(value, "content", "");
      } else if (type == "ByteFallback") {
        step.kind = Kind::ByteFallback;
      } else if (type == "Fuse") {
        step.kind = Kind::Fuse;
      } else if (type == "Strip") {
        step.kind = Kind::Strip;
        step.text = r.text(value, "content", " ");
        step.start = r.count(value, "start", 0, INT32_MAX);
        step.stop = r.count(value, "stop", 0, INT32_MAX);
      } else if (type == "Metaspace") {
        step.kind = Kind::Metaspace;
        step.pattern = r.text(value, "replacement", "\xE2\x96\x81");
        bool prefix = r.flag(value, "add_prefix_space", true);
        step.dropFirstSpace =
            r.text(value, "prepend_scheme", prefix ? "always" : "never") !=
            "never";
      } else if (type == "WordPiece") {
        step.kind = Kind::WordPiece;
        step.pattern = r.text(value, "prefix", "##");
        step.cleanup = r.flag(value, "cleanup", true);
      } else {
        r.unsupported("decoder", type, kDecoders);
        return;
      }
      steps.push_back(std::move(step));
    }
  };
  Reader{*this, steps}.read(value, 0);
}

void TokenizerJsonReader::readPostProcessor(const json &value,
                                            TokenizerDescription &out) {
  struct Reader {
    TokenizerJsonReader &r;
    TokenizerDescription &out;

    /// ["[CLS]", 101]: the id.
    int64_t pairId(const json &value, const char *key) {
      const json *pair = r.member(value, key, "array");
      if (pair && pair->size() == 2 && (*pair)[1].is_number_integer())
        return (*pair)[1].get<int64_t>();
      r.problem(typeOf(value) + " \"" + key +
                "\" must be [token, id], found " +
                describe(value.value(key, json())));
      return -1;
    }

    void surround(int64_t first, int64_t last) {
      if (first >= 0)
        out.prefixIds.push_back(first);
      if (last >= 0)
        out.suffixIds.insert(out.suffixIds.begin(), last);
    }

    void readTemplate(const json &value) {
      const json *single = r.member(value, "single", "array");
      const json *special = r.member(value, "special_tokens", "object");
      if (!single) {
        r.problem("TemplateProcessing needs \"single\"");
        return;
      }
      std::vector<int64_t> before, after;
      bool seenText = false;
      for (const json &item : *single) {
        if (item.is_object() && item.contains("Sequence")) {
          const json &sequence = item.at("Sequence");
          if (seenText || !sequence.is_object() ||
              sequence.value("id", json()) != "A") {
            r.problem("unsupported TemplateProcessing \"single\" item " +
                      describe(item) + " (supported: one $A)");
            return;
          }
          seenText = true;
          continue;
        }
        const json *token = item.is_object() && item.contains("SpecialToken")
                                ? &item.at("SpecialToken")
                                : nullptr;
        const json *name = token && token->is_object() && token->contains("id")
                               ? &token->at("id")
                               : nullptr;
        const json *entry = name && name->is_string() && special &&
                                    special->contains(name->get<std::string>())
                                ? &special->at(name->get<std::string>())
                                : nullptr;
        const json *ids = entry && entry->is_object() && entry->contains("ids")
                              ? &entry->at("ids")
                              : nullptr;
        if (!ids || !ids->is_array()) {
          r.problem("TemplateProcessing item " + describe(item) +
                    " names no entry of \"special_tokens\" with \"ids\"");
          return;
        }
        for (const json &id : *ids) {
          if (!id.is_number_integer()) {
            r.problem("TemplateProcessing special token ids must be "
                      "integers, found " + describe(id));
            return;
          }
          (seenText ? after : before).push_back(id.get<int64_t>());
        }
      }
      if (!seenText) {
        r.problem("TemplateProcessing \"single\" has no $A");
        return;
      }
      out.prefixIds.insert(out.prefixIds.end(), before.begin(), before.end());
      out.suffixIds.insert(out.suffixIds.begin(), after.begin(), after.end());
    }

    void read(const json &value, int depth) {
      if (value.is_null())
        return;
      std::string type = typeOf(value);
      if (type == "Sequence") {
        if (const json *items = sequence(r, value, "processors", depth))
          for (const json &item : *items)
            read(item, depth + 1);
      } else if (type == "ByteLevel") {
        // Only offsets change.
      } else if (type == "TemplateProcessing") {
        readTemplate(value);
      } else if (type == "BertProcessing" || type == "RobertaProcessing") {
        int64_t cls = pairId(value, "cls"), sep = pairId(value, "sep");
        surround(cls, sep);
      } else {
        r.unsupported("post_processor", type, kPostProcessors);
      }
    }
  };
  Reader{*this, out}.read(value, 0);
}

} // namespace attnc::rt
