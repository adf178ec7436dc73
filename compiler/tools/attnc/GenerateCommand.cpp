//===- GenerateCommand.cpp - The `attnc generate` subcommand --------------===//
#include "GenerateCommand.h"
#include "ReportError.h"
#include "RunCommand.h"

#include "AttentionDump.h"
#include "ConfigCheck.h"
#include "GenerationConfig.h"
#include "ModelDirectory.h"
#include "DryRun.h"

#include "attnc/Decoder.h"
#include "attnc/Generator.h"
#include "attnc/generation.hpp"
#include "attnc/runtime.hpp"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace cl = llvm::cl;

llvm::cl::SubCommand attnc::generateSubCommand(
    "generate", "Generate text with a compiled decoder model");

using attnc::reportError;

namespace {

cl::SubCommand &sub = attnc::generateSubCommand;

cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.so>"), cl::sub(sub));
cl::opt<std::string> modelDir(
    cl::Positional,
    cl::desc("[<model directory>] (model.safetensors or its index, "
             "tokenizer.json, config.json, generation_config.json)"),
    cl::sub(sub));
cl::opt<std::string> weightsPath(
    "weights",
    cl::desc("The model's parameters: a safetensors file or a sharded "
             "checkpoint's index (default: the model directory's)"),
    cl::value_desc("file"), cl::sub(sub));
cl::opt<std::string> configPath(
    "config",
    cl::desc("Check the model's constants against this Hugging Face "
             "config.json, or a directory's (default: the model directory's)"),
    cl::value_desc("file|dir"), cl::sub(sub));
cl::opt<std::string> generationConfigPath(
    "generation-config",
    cl::desc("Hugging Face generation_config.json: end-of-sequence ids and "
             "default sampling (default: the model directory's)"),
    cl::value_desc("file"), cl::sub(sub));
cl::opt<bool> ignoreEos(
    "ignore-eos",
    cl::desc("Do not stop at the end-of-sequence ids of "
             "generation_config.json"),
    cl::sub(sub));
cl::opt<std::string> promptText("prompt", cl::desc("The prompt, as text"),
                                cl::value_desc("text"), cl::sub(sub));
cl::opt<std::string> promptTokens(
    "prompt-tokens", cl::desc("The prompt, as token ids (instead of --prompt)"),
    cl::value_desc("id,id,..."), cl::sub(sub));
cl::opt<std::string> tokenizerPath(
    "tokenizer",
    cl::desc("Hugging Face tokenizer.json (byte-level BPE); default: the "
             "model directory's, else one token per byte"),
    cl::value_desc("file"), cl::sub(sub));
cl::opt<int64_t> maxNewTokens("max-new-tokens",
                              cl::desc("Generate at most this many tokens "
                                       "(default: generation_config.json's "
                                       "max_new_tokens or max_length)"),
                              cl::value_desc("n"), cl::sub(sub));
cl::opt<float> temperature(
    "temperature", cl::init(0),
    cl::desc("Sampling temperature; 0 picks the most likely token (default: "
             "0, or generation_config.json's when it has do_sample)"),
    cl::value_desc("t"), cl::sub(sub));
cl::opt<int32_t> topK("top-k", cl::init(0),
                      cl::desc("Sample among the k most likely tokens (0: all)"),
                      cl::value_desc("k"), cl::sub(sub));
cl::opt<float> topP("top-p", cl::init(1),
                    cl::desc("Sample among the most likely tokens whose "
                             "probabilities add up to p (1: all)"),
                    cl::value_desc("p"), cl::sub(sub));
cl::opt<float> repetitionPenalty(
    "repetition-penalty", cl::init(1),
    cl::desc("Penalize tokens already in the text, as Hugging Face does "
             "(1: none)"),
    cl::value_desc("r"), cl::sub(sub));
cl::opt<uint64_t> seed("seed", cl::init(0),
                       cl::desc("Seed of the sampler's random numbers"),
                       cl::value_desc("s"), cl::sub(sub));
cl::list<std::string> stops(
    "stop",
    cl::desc("Stop after this token id, added token (e.g. '<|endoftext|>') or "
             "text (\\n, \\t, \\r and \\\\ are escapes); repeatable"),
    cl::value_desc("token-or-text"), cl::sub(sub));
cl::opt<bool> noKVCache(
    "no-kv-cache",
    cl::desc("Recompute the whole sequence at every step even when the model "
             "has a KV-cache step entry"),
    cl::sub(sub));
cl::opt<bool> jsonOutput("json",
                   cl::desc("Print one JSON object instead of streaming text"),
                   cl::sub(sub));

cl::opt<std::string> dumpAttentionPath(
    "dump-attention",
    cl::desc("Write the attention probabilities over the prompt of a model "
             "compiled with --debug-attention to this safetensors file, with "
             "the prompt's tokens (for attnc plot-attention)"),
    cl::value_desc("file"), cl::sub(sub));
cl::opt<std::string> dumpLayers(
    "layers", cl::init("all"),
    cl::desc("With --dump-attention: the layers to write (default: all)"),
    cl::value_desc("all|i,j,..."), cl::sub(sub));
cl::opt<std::string> dumpHeads(
    "heads", cl::init("all"),
    cl::desc("With --dump-attention: the heads to write (default: all)"),
    cl::value_desc("all|i,j,..."), cl::sub(sub));

attnc::Expected<std::vector<int64_t>> parseTokenList(llvm::StringRef text) {
  std::vector<int64_t> ids;
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',');
  for (llvm::StringRef item : items) {
    int64_t id;
    if (item.trim().getAsInteger(10, id))
      return attnc::Error(ATTNC_ERROR_INVALID_ARGUMENT,
                          "--prompt-tokens: '" + item.str() +
                              "' is not a token id (expected id,id,...)");
    ids.push_back(id);
  }
  return ids;
}

std::string unescape(llvm::StringRef text) {
  std::string result;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\' || i + 1 == text.size()) {
      result += c;
      continue;
    }
    switch (text[++i]) {
    case 'n':
      result += '\n';
      break;
    case 't':
      result += '\t';
      break;
    case 'r':
      result += '\r';
      break;
    case '\\':
      result += '\\';
      break;
    default:
      result += '\\';
      result += text[i];
    }
  }
  return result;
}

/// Sorts each --stop value into a token id or a text.
attnc::Status resolveStops(const attnc::Tokenizer &tokenizer, int64_t vocab,
                           attnc::GenerationOptions &options) {
  for (const std::string &stop : stops) {
    int64_t id;
    if (!llvm::StringRef(stop).getAsInteger(10, id)) {
      if (id < 0 || id >= vocab)
        return attnc::Error(ATTNC_ERROR_INVALID_ARGUMENT,
                            "--stop " + stop +
                                ": outside the model's vocabulary (0.." +
                                std::to_string(vocab - 1) + ")");
      options.stopTokens.push_back(id);
    } else if (int64_t added = tokenizer.tokenId(stop);
               added >= 0 && tokenizer.isAddedToken(added)) {
      options.stopTokens.push_back(added);
    } else if (stop.empty()) {
      return attnc::Error(ATTNC_ERROR_INVALID_ARGUMENT,
                          "--stop needs a token id or a non-empty text");
    } else {
      options.stopTexts.push_back(unescape(stop));
    }
  }
  return attnc::Status::success();
}

attnc::Expected<std::vector<int64_t>>
promptIds(const attnc::Tokenizer &tokenizer) {
  bool haveText = promptText.getNumOccurrences() != 0;
  bool haveTokens = promptTokens.getNumOccurrences() != 0;
  if (haveText == haveTokens)
    return attnc::Error(ATTNC_ERROR_INVALID_ARGUMENT,
                        "give the prompt with exactly one of --prompt and "
                        "--prompt-tokens");
  if (haveTokens)
    return parseTokenList(promptTokens);
  if (promptText.empty())
    return attnc::Error(ATTNC_ERROR_INVALID_ARGUMENT,
                        "the prompt is empty: give at least one token");
  // BOS is the tokenizer's to add (its post-processor), as in Hugging Face:
  // generation never adds one, so it cannot be added twice.
  return tokenizer.encode(promptText);
}

std::string validUtf8(const std::string &bytes) {
  return llvm::json::isUTF8(bytes) ? bytes : llvm::json::fixUTF8(bytes);
}

/// Runs the model once over the prompt and writes its attention
/// probabilities, with each prompt token's text.
attnc::Status dumpPromptAttention(const attnc::Model &model,
                                  const attnc::Tokenizer &tokenizer,
                                  std::vector<int64_t> prompt) {
  llvm::json::Array texts, rows;
  for (int64_t id : prompt) {
    attnc::Expected<std::string> text = tokenizer.decode(&id, 1);
    texts.push_back(text ? attnc::tokenLabel(*text) : std::to_string(id));
  }
  rows.push_back(std::move(texts));
  std::string tokens;
  llvm::raw_string_ostream(tokens) << llvm::json::Value(std::move(rows));
  attnc::AttentionDumpRequest request{dumpAttentionPath, dumpLayers, dumpHeads,
                                      {{"tokens.input_ids", tokens}},
                                      "attnc generate"};
  if (attnc::Status s = attnc::checkAttentionDump(model, request); !s)
    return s;
  int64_t shape[] = {1, static_cast<int64_t>(prompt.size())};
  std::vector<attnc_tensor> inputs{
      {"input_ids", ATTNC_DTYPE_I64, 2, shape, prompt.data()}};
  attnc::Expected<attnc::TensorList> outputs = model.run(inputs);
  if (!outputs)
    return outputs.error();
  return attnc::writeAttentionDump(model, inputs, outputs->begin(),
                                   outputs->size(), request);
}

/// Tokens per second, or nullopt when nothing was measured.
std::optional<double> rate(int64_t tokens, double seconds) {
  if (tokens == 0 || seconds <= 0)
    return std::nullopt;
  return tokens / seconds;
}

const char *stopReasonName(attnc::StopReason reason) {
  switch (reason) {
  case attnc::StopReason::MaxNewTokens:
    return "max_new_tokens";
  case attnc::StopReason::StopToken:
    return "stop_token";
  case attnc::StopReason::StopText:
    return "stop_text";
  case attnc::StopReason::Eos:
    return "eos";
  }
  return "unknown";
}

void printJson(const attnc::GenerationResult &result, bool kvCache) {
  llvm::json::OStream out(llvm::outs());
  auto number = [&](std::optional<double> value) {
    if (value)
      out.value(*value);
    else
      out.value(nullptr);
  };
  out.object([&] {
    out.attributeArray("tokens", [&] {
      for (int64_t token : result.tokens)
        out.value(token);
    });
    out.attribute("text", validUtf8(result.text));
    out.attributeBegin("prefill_tokens_per_s");
    number(rate(result.promptTokens, result.prefillSeconds));
    out.attributeEnd();
    out.attributeBegin("decode_tokens_per_s");
    number(rate(result.decodeSteps, result.decodeSeconds));
    out.attributeEnd();
    out.attribute("prompt_tokens", result.promptTokens);
    out.attribute("stop_reason", stopReasonName(result.stopReason));
    if (result.stopToken >= 0)
      out.attribute("stop_token", result.stopToken);
    out.attribute("kv_cache", kvCache);
  });
  llvm::outs() << "\n";
}

void printSpeed(llvm::raw_ostream &os, const char *phase, int64_t tokens,
                double seconds) {
  os << phase << ": " << tokens << (tokens == 1 ? " token" : " tokens");
  if (std::optional<double> r = rate(tokens, seconds))
    os << llvm::format(" in %.3f ms, %.1f tokens/s", seconds * 1e3, *r);
}

/// generation_config.json, else the end-of-sequence ids of config.json, else
/// nothing.
attnc::Expected<attnc::GenerationConfig>
readGenerationSettings(const attnc::ModelFiles &files) {
  if (!files.generationConfig.empty())
    return attnc::readGenerationConfig(files.generationConfig);
  if (!files.config.empty())
    return attnc::readTokenIdsFromModelConfig(files.config);
  return attnc::GenerationConfig();
}

/// The options given, over generation_config.json's sampling defaults.
attnc_sampler_config samplerConfig(const attnc::GenerationConfig &generation) {
  attnc_sampler_config config = generation.samplerDefaults();
  if (temperature.getNumOccurrences())
    config.temperature = temperature;
  if (topK.getNumOccurrences())
    config.top_k = topK;
  if (topP.getNumOccurrences())
    config.top_p = topP;
  if (repetitionPenalty.getNumOccurrences())
    config.repetition_penalty = repetitionPenalty;
  config.seed = seed;
  if (config.temperature == 0 &&
      (topK.getNumOccurrences() || topP.getNumOccurrences() ||
       seed.getNumOccurrences()))
    llvm::WithColor::warning() << "--top-k, --top-p and --seed have no effect "
                                  "without --temperature (greedy decoding)\n";
  return config;
}

/// --max-new-tokens, else generation_config.json's max_new_tokens, else its
/// max_length (which counts the prompt).
attnc::Expected<int64_t>
maxNewTokensFor(const attnc::GenerationConfig &generation,
                int64_t promptTokens) {
  if (maxNewTokens.getNumOccurrences())
    return static_cast<int64_t>(maxNewTokens);
  if (generation.maxNewTokens)
    return *generation.maxNewTokens;
  if (generation.maxLength) {
    if (*generation.maxLength <= promptTokens)
      return attnc::Error(
          ATTNC_ERROR_INVALID_ARGUMENT,
          "the prompt (" + std::to_string(promptTokens) +
              " tokens) leaves no room under generation_config.json's "
              "max_length of " +
              std::to_string(*generation.maxLength) +
              "; pass --max-new-tokens N");
    return *generation.maxLength - promptTokens;
  }
  return attnc::Error(ATTNC_ERROR_INVALID_ARGUMENT,
                      "give the number of new tokens with --max-new-tokens N "
                      "(no generation_config.json sets max_new_tokens or "
                      "max_length)");
}

/// The compiled model, checked against config.json's constants, with the
/// --threads and --profile options applied.
attnc::Expected<attnc::Model> openModel(const attnc::ModelFiles &files,
                                        const std::string &configSource) {
  attnc::Expected<attnc::Model> model = attnc::Model::open(modelPath);
  if (!model)
    return model;
  if (!files.config.empty())
    if (attnc::Status s = attnc::checkConstantsAgainstConfig(
            *model, modelPath, files.config, configSource);
        !s)
      return s.error();
  if (attnc::Status s = attnc::applyThreadsOption(*model); !s)
    return s.error();
  if (attnc::Status s = attnc::applyProfileOption(*model); !s)
    return s.error();
  return model;
}

/// --dry-run: what generating would allocate, with the cache of `capacity`
/// tokens or, without it, a recomputed sequence of that length.
int printGenerationMemoryPlan(const attnc::Model &model, size_t promptTokens,
                              int64_t capacity) {
  bool cached = !noKVCache && attnc_model_has_kv_cache(model.get());
  int64_t shape[] = {1, cached ? static_cast<int64_t>(promptTokens) : capacity};
  std::vector<int64_t> ids(static_cast<size_t>(shape[1]), 0);
  return attnc::printMemoryPlan(
      model, {{"input_ids", ATTNC_DTYPE_I64, 2, shape, ids.data()}},
      cached ? capacity : 0);
}

/// The stopping rules: the count, generation_config.json's EOS ids (unless
/// --ignore-eos) and --stop.
attnc::Expected<attnc::GenerationOptions>
generationOptions(const attnc::GenerationConfig &generation,
                  const attnc::Tokenizer &tokenizer, int64_t vocab,
                  int64_t newTokens) {
  attnc::GenerationOptions options;
  options.maxNewTokens = newTokens;
  if (!ignoreEos)
    options.eosTokens = generation.eosTokenIds;
  // Hugging Face accepts such an id too; it only means the generation runs
  // to its count, which is worth saying.
  for (int64_t id : options.eosTokens)
    if (id < 0 || id >= vocab)
      llvm::WithColor::warning()
          << "eos_token_id " << id << " is outside the model's vocabulary (0.."
          << vocab - 1 << "): it can never end the generation\n";
  if (attnc::Status s = resolveStops(tokenizer, vocab, options); !s)
    return s.error();
  return options;
}

/// Generates, streaming the text (after the prompt) to stdout, or printing
/// one JSON object with --json; then the speeds and the profile.
int generateAndPrint(attnc::Model &model, attnc::Decoder &decoder,
                     attnc::Sampler &sampler, const attnc::Tokenizer &tokenizer,
                     const std::vector<int64_t> &prompt,
                     const attnc::GenerationOptions &options) {
  // The prompt is echoed with the first new text, so that nothing is
  // printed when the generation is refused.
  bool echoed = false;
  auto echoPrompt = [&] {
    if (echoed)
      return;
    echoed = true;
    // The prompt ids were checked against the model, not the tokenizer.
    // The BOS the tokenizer's post-processor added is not the user's text.
    if (attnc::Expected<std::string> text =
            tokenizer.decode(prompt, ATTNC_TOKENIZER_SKIP_SPECIAL_TOKENS))
      llvm::outs() << *text;
  };
  attnc::TextSink sink;
  if (!jsonOutput)
    sink = [&](std::string_view text) {
      echoPrompt();
      llvm::outs() << llvm::StringRef(text.data(), text.size());
      llvm::outs().flush();
    };
  attnc::Expected<attnc::GenerationResult> result =
      attnc::generate(decoder, sampler, tokenizer, prompt, options, sink);
  if (!result) {
    if (echoed)
      llvm::outs() << "\n";
    llvm::outs().flush();
    return reportError(result.error().message());
  }

  if (jsonOutput) {
    printJson(*result, decoder.usesKvCache());
    attnc::printProfile(model);
    return 0;
  }
  echoPrompt();
  llvm::outs() << "\n";
  llvm::outs().flush();
  printSpeed(llvm::errs(), "prefill", result->promptTokens,
             result->prefillSeconds);
  llvm::errs() << "; ";
  printSpeed(llvm::errs(),
             decoder.usesKvCache() ? "decode (KV cache)"
                                   : "decode (recomputing)",
             result->decodeSteps, result->decodeSeconds);
  llvm::errs() << "\n";
  attnc::printProfile(model);
  return 0;
}

} // namespace

int attnc::generateCommandMain() {
  std::string configSource;
  Expected<ModelFiles> files = resolveModelFiles(
      {modelDir, weightsPath, tokenizerPath, configPath, generationConfigPath},
      configSource);
  if (!files)
    return reportError(files.error().message());
  bool textPrompt = promptText.getNumOccurrences() != 0;
  if (files->tokenizer.empty() && textPrompt && !modelDir.empty())
    return reportError(missingTokenizer(modelDir, "--prompt-tokens").message());
  Expected<Tokenizer> tokenizer = files->tokenizer.empty()
                                      ? Tokenizer::bytes()
                                      : Tokenizer::open(files->tokenizer);
  if (!tokenizer)
    return reportError(tokenizer.error().message());
  Expected<std::vector<int64_t>> prompt = promptIds(*tokenizer);
  if (!prompt)
    return reportError(prompt.error().message());
  Expected<GenerationConfig> generation = readGenerationSettings(*files);
  if (!generation)
    return reportError(generation.error().message());

  Expected<Sampler> sampler = Sampler::create(samplerConfig(*generation));
  if (!sampler)
    return reportError(sampler.error().message());
  Expected<int64_t> newTokens =
      maxNewTokensFor(*generation, static_cast<int64_t>(prompt->size()));
  if (!newTokens)
    return reportError(newTokens.error().message());

  Expected<Model> model = openModel(*files, configSource);
  if (!model)
    return reportError(model.error().message());
  Expected<int64_t> modelVocab = checkDecoderContract(*model);
  if (!modelVocab)
    return reportError(modelVocab.error().message());
  int64_t vocab = *modelVocab;
  int64_t capacity =
      static_cast<int64_t>(prompt->size()) + std::max<int64_t>(*newTokens, 1);
  if (dryRunRequested())
    return printGenerationMemoryPlan(*model, prompt->size(), capacity);
  if (Status s = loadWeightsWithProgress(*model, files->weights); !s)
    return reportError(s.error().message());
  for (const std::string &warning : model->warnings())
    llvm::WithColor::warning() << warning << "\n";
  Expected<std::unique_ptr<Decoder>> decoder =
      createDecoder(*model, capacity, !noKVCache);
  if (!decoder)
    return reportError(decoder.error().message());
  if (tokenizer->vocabSize() != vocab)
    llvm::WithColor::warning()
        << "the tokenizer has " << tokenizer->vocabSize()
        << " token ids but the model's vocabulary has " << vocab
        << " (tokens it cannot decode are written <|id|>)\n";

  if (dumpAttentionPath.empty() &&
      (dumpLayers.getNumOccurrences() || dumpHeads.getNumOccurrences()))
    return reportError("--layers and --heads select what --dump-attention "
                       "writes; pass --dump-attention too");
  if (!dumpAttentionPath.empty())
    if (Status s = dumpPromptAttention(*model, *tokenizer, *prompt); !s)
      return reportError(s.error().message());

  Expected<GenerationOptions> options =
      generationOptions(*generation, *tokenizer, vocab, *newTokens);
  if (!options)
    return reportError(options.error().message());
  return generateAndPrint(*model, **decoder, *sampler, *tokenizer, *prompt,
                          *options);
}
