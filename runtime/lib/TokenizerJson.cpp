//===- TokenizerJson.cpp - Reading a Hugging Face tokenizer.json ----------===//
//
// The file as a whole, its model and its added tokens; the normalizer,
// pre-tokenizer, decoder and post-processor are read in
// TokenizerJsonParts.cpp.
//
//===----------------------------------------------------------------------===//
#include "TokenizerJsonReader.h"

#include <fstream>
#include <sstream>

namespace attnc::rt {

using json = nlohmann::json;

std::string TokenizerJsonReader::describe(const json &value) {
  return truncate(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

void TokenizerJsonReader::problem(const std::string &message) {
  errors.add(ATTNC_ERROR_FORMAT, path + ": " + message);
}

void TokenizerJsonReader::unsupported(const std::string &what,
                                      const std::string &name,
                                      const char *supported) {
  problem("unsupported " + what + " '" + truncate(name) + "' (supported: " +
          supported + ")");
}

const json *TokenizerJsonReader::member(const json &object, const char *key,
                                        const char *type) {
  auto it = object.find(key);
  if (it == object.end())
    return nullptr;
  std::string want = type;
  bool matches = want == "number" ? it->is_number() : want == it->type_name();
  if (!matches) {
    problem("\"" + std::string(key) + "\" must be " +
            (type[0] == 'o' || type[0] == 'a' ? "an " : "a ") + type +
            ", found " + describe(*it));
    return nullptr;
  }
  return &*it;
}

bool TokenizerJsonReader::flag(const json &object, const char *key,
                               bool fallback) {
  const json *value = member(object, key, "boolean");
  return value ? value->get<bool>() : fallback;
}

std::string TokenizerJsonReader::text(const json &object, const char *key,
                                      const std::string &fallback) {
  const json *value = member(object, key, "string");
  return value ? value->get<std::string>() : fallback;
}

int64_t TokenizerJsonReader::count(const json &object, const char *key,
                                   int64_t fallback, int64_t max) {
  auto it = object.find(key);
  if (it == object.end())
    return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
      it->get<int64_t>() > max) {
    problem("\"" + std::string(key) + "\" must be an integer from 0 to " +
            std::to_string(max) + ", found " + describe(*it));
    return fallback;
  }
  return it->get<int64_t>();
}

std::string TokenizerJsonReader::typeOf(const json &object) {
  auto it = object.is_object() ? object.find("type") : object.end();
  return object.is_object() && it != object.end() && it->is_string()
             ? it->get<std::string>()
             : describe(object);
}

std::shared_ptr<const Regex> TokenizerJsonReader::pattern(const json &object,
                                                          const char *key) {
  const json *value = member(object, key, "object");
  if (!value) {
    if (!object.contains(key))
      problem(typeOf(object) + " needs \"" + key + "\"");
    return nullptr;
  }
  bool literal = value->contains("String");
  const json *spelling = member(*value, literal ? "String" : "Regex", "string");
  if (!spelling || value->size() != 1) {
    problem("\"" + std::string(key) +
            "\" must be {\"String\": ...} or {\"Regex\": ...}, found " +
            describe(*value));
    return nullptr;
  }
  auto regex = Regex::compile(spelling->get<std::string>(), literal);
  if (!regex) {
    problem(regex.error().message());
    return nullptr;
  }
  return *regex;
}

Expected<TokenizerDescription> TokenizerJsonReader::read(const json &root) {
  if (!root.is_object())
    return Error(ATTNC_ERROR_FORMAT,
                 path + ": expected a JSON object, found " + describe(root));
  for (const char *key : {"truncation", "padding"}) {
    auto it = root.find(key);
    if (it != root.end() && !it->is_null())
      problem(std::string("unsupported \"") + key + "\" " + describe(*it) +
              " (supported: null; attnc encodes one text, whole)");
  }
  auto part = [&](const char *key) -> const json & {
    static const json null;
    auto it = root.find(key);
    return it == root.end() ? null : *it;
  };
  readNormalizer(part("normalizer"), description.normalizer);
  readPreTokenizer(part("pre_tokenizer"), description.preTokenizer);
  if (const json *model = member(root, "model", "object"))
    readModel(*model);
  else if (!root.contains("model"))
    problem("missing \"model\"");
  readAddedTokens(root);
  readPostProcessor(part("post_processor"), description);
  readDecoder(part("decoder"), description.decoder);
  // A byte-level BPE file without a decoder is decoded as GPT-2's is
  // (Hugging Face would join the byte characters with spaces).
  bool byteLevel = std::any_of(
      description.preTokenizer.begin(), description.preTokenizer.end(),
      [](const PreTokenizerStep &step) {
        return step.kind == PreTokenizerStep::Kind::ByteLevel;
      });
  if (byteLevel && description.decoder.empty())
    description.decoder.emplace_back().kind = DecoderStep::Kind::ByteLevel;
  if (!errors.empty())
    return errors.take();
  return std::move(description);
}

void TokenizerJsonReader::readModel(const json &model) {
  std::string type = model.contains("type") ? typeOf(model) : "BPE";
  if (type == "BPE") {
    description.model = TokenizerDescription::ModelKind::Bpe;
    readBpe(model);
  } else if (type == "WordPiece") {
    description.model = TokenizerDescription::ModelKind::WordPiece;
    readWordPiece(model);
  } else {
    unsupported("model", type, "BPE, WordPiece");
    return;
  }
  readVocab(model);
}

void TokenizerJsonReader::readBpe(const json &model) {
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    auto it = model.find(key);
    if (it != model.end() && !it->is_null() &&
        !(it->is_string() && it->get_ref<const std::string &>().empty()))
      problem(std::string("unsupported BPE \"") + key + "\" " +
              describe(*it) + " (supported: null, \"\")");
  }
  auto dropout = model.find("dropout");
  if (dropout != model.end() && !dropout->is_null() &&
      !(dropout->is_number() && dropout->get<double>() == 0))
    problem("unsupported BPE dropout " + describe(*dropout) +
            " (supported: null, 0)");
  BpeSettings &bpe = description.bpe;
  bpe.ignoreMerges = flag(model, "ignore_merges", false);
  bpe.byteFallback = flag(model, "byte_fallback", false);
  bpe.fuseUnk = flag(model, "fuse_unk", false);
  if (!model.contains("unk_token") || !model.at("unk_token").is_null())
    bpe.unkToken = text(model, "unk_token", "");
  if (const json *merges = member(model, "merges", "array"))
    for (const json &merge : *merges)
      readMerge(merge);
  else if (!model.contains("merges"))
    problem("missing \"model.merges\"");
}

void TokenizerJsonReader::readWordPiece(const json &model) {
  WordPieceSettings &settings = description.wordPiece;
  settings.unkToken = text(model, "unk_token", settings.unkToken);
  settings.prefix =
      text(model, "continuing_subword_prefix", settings.prefix);
  settings.maxInputCharsPerWord =
      count(model, "max_input_chars_per_word", settings.maxInputCharsPerWord,
            INT32_MAX);
}

void TokenizerJsonReader::readVocab(const json &model) {
  if (const json *vocab = member(model, "vocab", "object")) {
    for (const auto &[spelling, id] : vocab->items()) {
      if (!id.is_number_integer()) {
        problem("vocabulary entry '" + truncate(spelling) +
                "' must have an integer id, found " + describe(id));
        continue;
      }
      description.vocab.emplace_back(spelling, id.get<int64_t>());
    }
  } else if (!model.contains("vocab")) {
    problem("missing \"model.vocab\"");
  }
}

/// "a b" (older files) or ["a", "b"] (newer ones).
void TokenizerJsonReader::readMerge(const json &merge) {
  auto &merges = description.bpe.merges;
  size_t rank = merges.size();
  if (merge.is_string()) {
    const std::string &text = merge.get_ref<const std::string &>();
    size_t space = text.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == text.size() ||
        text.find(' ', space + 1) != std::string::npos) {
      problem("merge " + std::to_string(rank) +
              " must be two tokens separated by one space, found " +
              describe(merge));
      return;
    }
    merges.emplace_back(text.substr(0, space), text.substr(space + 1));
    return;
  }
  if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
      merge[1].is_string()) {
    merges.emplace_back(merge[0].get<std::string>(),
                        merge[1].get<std::string>());
    return;
  }
  problem("merge " + std::to_string(rank) +
          " must be \"a b\" or [\"a\", \"b\"], found " + describe(merge));
}

void TokenizerJsonReader::readAddedTokens(const json &root) {
  const json *tokens = member(root, "added_tokens", "array");
  if (!tokens)
    return;
  for (const json &token : *tokens) {
    if (!token.is_object() || !token.contains("id") ||
        !token.at("id").is_number_integer() || !token.contains("content") ||
        !token.at("content").is_string()) {
      problem("an added token must have an integer \"id\" and a string "
              "\"content\", found " +
              describe(token));
      continue;
    }
    AddedToken added;
    added.content = token.at("content").get<std::string>();
    added.id = token.at("id").get<int64_t>();
    added.lstrip = flag(token, "lstrip", false);
    added.rstrip = flag(token, "rstrip", false);
    added.singleWord = flag(token, "single_word", false);
    added.special = flag(token, "special", false);
    // Hugging Face's default: special tokens are matched in the input.
    added.normalized = flag(token, "normalized", !added.special);
    description.addedTokens.push_back(std::move(added));
  }
}

Expected<std::unique_ptr<Tokenizer>>
parseTokenizerJson(std::string_view text, const std::string &source) {
  // A tokenizer.json nests a few levels; a deeper file is damaged, and
  // printing it in a message (recursive in nlohmann) would exhaust the stack.
  constexpr int kMaxDepth = 64;
  struct TooDeep {};
  json root;
  try {
    root = json::parse(text, [](int depth, json::parse_event_t, json &) {
      if (depth > kMaxDepth)
        throw TooDeep();
      return true;
    });
  } catch (const TooDeep &) {
    return Error(ATTNC_ERROR_FORMAT, source + ": nests deeper than " +
                                         std::to_string(kMaxDepth) +
                                         " levels; not a tokenizer.json");
  } catch (const json::exception &e) {
    // A parse_error, or an out_of_range for a number beyond a double; e.what()
    // starts with "[json.exception.parse_error.101] ".
    std::string what = e.what();
    return Error(ATTNC_ERROR_FORMAT,
                 source + ": invalid JSON: " + what.substr(what.find(']') + 2));
  }
  Expected<TokenizerDescription> description =
      TokenizerJsonReader(source).read(root);
  if (!description)
    return description.error();
  return createTokenizer(std::move(*description), source);
}

Expected<std::unique_ptr<Tokenizer>> loadTokenizerJson(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return Error(ATTNC_ERROR_IO, "cannot open tokenizer '" + path + "'");
  std::stringstream text;
  text << file.rdbuf();
  if (file.bad())
    return Error(ATTNC_ERROR_IO, "cannot read tokenizer '" + path + "'");
  return parseTokenizerJson(text.str(), path);
}

} // namespace attnc::rt
