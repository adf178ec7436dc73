//===- TokenizerJson.cpp - Reading a Hugging Face tokenizer.json ----------===//
//
// Only what a GPT-2-style byte-level BPE needs is read; any setting that
// would change the tokens and that we do not implement is rejected by name,
// so that a tokenizer is either reproduced exactly or refused.
//
//===----------------------------------------------------------------------===//
#include "BpeTokenizer.h"
#include "Support.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace attnc::rt {
namespace {

using json = nlohmann::json;

std::string describe(const json &value) {
  return truncate(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

class TokenizerJsonReader {
public:
  explicit TokenizerJsonReader(std::string path) : path(std::move(path)) {}

  Expected<BpeDescription> read(const json &root) {
    if (!root.is_object())
      return invalid("expected a JSON object, found " + describe(root));
    readNormalizer(root);
    readPreTokenizer(root);
    if (const json *model = member(root, "model", "object"))
      readModel(*model);
    else if (!root.contains("model"))
      errors.add(ATTNC_ERROR_FORMAT, path + ": missing \"model\"");
    readAddedTokens(root);
    if (!errors.empty())
      return errors.take();
    return std::move(description);
  }

private:
  Error invalid(const std::string &message) {
    return Error(ATTNC_ERROR_FORMAT, path + ": " + message);
  }
  void problem(const std::string &message) {
    errors.add(ATTNC_ERROR_FORMAT, path + ": " + message);
  }
  void unsupported(const std::string &what) {
    problem(what + " is not supported (attnc reads byte-level BPE "
                   "tokenizers such as GPT-2's)");
  }

  /// `object[key]` if present and of `type` ("object", "array", "string",
  /// "boolean"); a present value of another type is a problem.
  const json *member(const json &object, const char *key, const char *type) {
    auto it = object.find(key);
    if (it == object.end())
      return nullptr;
    bool matches = std::string(type) == it->type_name();
    if (!matches) {
      problem("\"" + std::string(key) + "\" must be " +
              (type[0] == 'o' || type[0] == 'a' ? "an " : "a ") + type +
              ", found " + describe(*it));
      return nullptr;
    }
    return &*it;
  }
  bool flag(const json &object, const char *key, bool fallback) {
    const json *value = member(object, key, "boolean");
    return value ? value->get<bool>() : fallback;
  }
  static std::string typeOf(const json &object) {
    auto it = object.find("type");
    return it != object.end() && it->is_string() ? it->get<std::string>()
                                                 : describe(object);
  }

  void readNormalizer(const json &root) {
    auto it = root.find("normalizer");
    if (it != root.end() && !it->is_null())
      unsupported("normalizer '" + typeOf(*it) + "'");
  }

  void readPreTokenizer(const json &root) {
    auto it = root.find("pre_tokenizer");
    if (it == root.end() || it->is_null()) {
      unsupported("a tokenizer without the ByteLevel pre_tokenizer");
      return;
    }
    if (!it->is_object() || typeOf(*it) != "ByteLevel") {
      unsupported("pre_tokenizer '" + typeOf(*it) + "'");
      return;
    }
    description.addPrefixSpace = flag(*it, "add_prefix_space", false);
    description.useRegex = flag(*it, "use_regex", true);
  }

  void readModel(const json &model) {
    if (model.contains("type") && typeOf(model) != "BPE") {
      unsupported("model type '" + typeOf(model) + "'");
      return;
    }
    for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      auto it = model.find(key);
      if (it != model.end() && !it->is_null() &&
          !(it->is_string() && it->get_ref<const std::string &>().empty()))
        unsupported(std::string("\"") + key + "\" " + describe(*it));
    }
    auto dropout = model.find("dropout");
    if (dropout != model.end() && !dropout->is_null() &&
        !(dropout->is_number() && dropout->get<double>() == 0))
      unsupported("BPE dropout " + describe(*dropout));
    description.ignoreMerges = flag(model, "ignore_merges", false);

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

    if (const json *merges = member(model, "merges", "array"))
      for (const json &merge : *merges)
        readMerge(merge);
    else if (!model.contains("merges"))
      problem("missing \"model.merges\"");
  }

  /// "a b" (older files) or ["a", "b"] (newer ones).
  void readMerge(const json &merge) {
    size_t rank = description.merges.size();
    if (merge.is_string()) {
      const std::string &text = merge.get_ref<const std::string &>();
      size_t space = text.find(' ');
      if (space == std::string::npos || space == 0 ||
          space + 1 == text.size() ||
          text.find(' ', space + 1) != std::string::npos) {
        problem("merge " + std::to_string(rank) +
                " must be two tokens separated by one space, found " +
                describe(merge));
        return;
      }
      description.merges.emplace_back(text.substr(0, space),
                                      text.substr(space + 1));
      return;
    }
    if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
        merge[1].is_string()) {
      description.merges.emplace_back(merge[0].get<std::string>(),
                                      merge[1].get<std::string>());
      return;
    }
    problem("merge " + std::to_string(rank) +
            " must be \"a b\" or [\"a\", \"b\"], found " + describe(merge));
  }

  void readAddedTokens(const json &root) {
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
      description.addedTokens.push_back(std::move(added));
    }
  }

  std::string path;
  BpeDescription description;
  ErrorList errors;
};

} // namespace

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
  Expected<BpeDescription> description = TokenizerJsonReader(source).read(root);
  if (!description)
    return description.error();
  return createBpeTokenizer(std::move(*description), source);
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
