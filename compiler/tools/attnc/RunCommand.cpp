//===- RunCommand.cpp - The `attnc run` subcommand ------------------------===//
#include "RunCommand.h"
#include "ReportError.h"

#include "AttentionDump.h"
#include "ConfigCheck.h"
#include "DryRun.h"
#include "GenerateCommand.h"
#include "ImageInputs.h"
#include "ModelDirectory.h"
#include "TextInputs.h"

#include "attnc/generation.hpp"

#include "attnc/Safetensors.h"
#include "attnc/Support/Progress.h"
#include "attnc/runtime.hpp"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cl = llvm::cl;

llvm::cl::SubCommand attnc::runSubCommand(
    "run", "Run a compiled model once on inputs from a safetensors file");

using attnc::reportError;

namespace {

cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.so>"),
                               cl::sub(attnc::runSubCommand));
cl::opt<std::string> modelDir(
    cl::Positional,
    cl::desc("[<model directory>] (model.safetensors or its index, "
             "config.json, tokenizer.json)"),
    cl::sub(attnc::runSubCommand));
cl::opt<std::string>
    weightsPath("weights",
                cl::desc("The model's parameters: a safetensors file, or a "
                         "sharded checkpoint's index (*.safetensors.index."
                         "json); default: the model directory's"),
                cl::value_desc("file"), cl::sub(attnc::runSubCommand));
cl::opt<std::string> configPath(
    "config",
    cl::desc("Check the model's constants against this Hugging Face "
             "config.json, or a directory's (default: the model directory's)"),
    cl::value_desc("file|dir"), cl::sub(attnc::runSubCommand));
cl::opt<std::string> tokenizerPath(
    "tokenizer",
    cl::desc("With --text: Hugging Face tokenizer.json (default: the model "
             "directory's)"),
    cl::value_desc("file"), cl::sub(attnc::runSubCommand));
cl::opt<std::string> inputText(
    "text",
    cl::desc("Tokenize this text into input_ids (and attention_mask, "
             "token_type_ids when the model takes them) instead of --inputs"),
    cl::value_desc("text"), cl::sub(attnc::runSubCommand));
cl::opt<std::string> inputsPath(
    "inputs",
    cl::desc("Safetensors file with one tensor per model input, by name"),
    cl::value_desc("file"), cl::sub(attnc::runSubCommand));
cl::opt<std::string> imagePath(
    "image",
    cl::desc("Run a vision model on this PNG or JPEG picture, preprocessed "
             "as preprocessor_config.json says, and print the top classes "
             "(named by config.json's id2label)"),
    cl::value_desc("file"), cl::sub(attnc::runSubCommand));
cl::opt<std::string> preprocessorConfigPath(
    "preprocessor-config",
    cl::desc("With --image: the Hugging Face preprocessor_config.json "
             "(default: the model directory's; without one, "
             "ViTImageProcessor's defaults at the model's input size)"),
    cl::value_desc("file"), cl::sub(attnc::runSubCommand));
cl::opt<int> topClasses("top", cl::init(5),
                        cl::desc("With --image: how many classes to print "
                                 "(default 5)"),
                        cl::value_desc("n"), cl::sub(attnc::runSubCommand));
cl::opt<bool> printJson("json",
                        cl::desc("With --image: print the top classes as "
                                 "one JSON object"),
                        cl::sub(attnc::runSubCommand));
cl::opt<std::string> outputsPath(
    "outputs",
    cl::desc("Write the outputs to this safetensors file (default: print a "
             "summary of each)"),
    cl::value_desc("file"), cl::sub(attnc::runSubCommand));

cl::opt<bool> verbose(
    "verbose",
    cl::desc("Print what the model is: its name, the CPU it was compiled "
             "for and the CPU features its code uses (checked at load)"),
    cl::sub(attnc::runSubCommand));
cl::opt<int> numThreads(
    "threads",
    cl::desc("Threads to run the model on (default: $ATTNC_NUM_THREADS, "
             "else one per core)"),
    cl::init(0), cl::value_desc("n"), cl::sub(attnc::runSubCommand),
    cl::sub(attnc::generateSubCommand));
cl::opt<std::string> profileFormat(
    "profile", cl::ValueOptional,
    cl::desc("Profile the run: time per kernel, per layer, per op kind and "
             "per thread, printed to stderr as a table or (=json) a JSON "
             "object (docs/performance.md)"),
    cl::value_desc("table|json"), cl::sub(attnc::runSubCommand),
    cl::sub(attnc::generateSubCommand));
cl::opt<bool> quiet("quiet",
                    cl::desc("Show no progress while loading the weights"),
                    cl::sub(attnc::runSubCommand),
                    cl::sub(attnc::generateSubCommand));
// Smaller checkpoints load too fast for progress to be worth a line.
cl::opt<uint64_t> progressMinBytes(
    "progress-min-bytes", cl::init(100'000'000), cl::Hidden,
    cl::desc("Show loading progress for weights of at least this many bytes"),
    cl::sub(attnc::runSubCommand), cl::sub(attnc::generateSubCommand));
cl::opt<std::string> dumpAttentionPath(
    "dump-attention",
    cl::desc("Write the attention probabilities of a model compiled with "
             "--debug-attention to this safetensors file (for attnc "
             "plot-attention). Token strings come from the inputs file's "
             "__metadata__ 'tokens.<input>', if any"),
    cl::value_desc("file"), cl::sub(attnc::runSubCommand));
cl::opt<std::string> dumpLayers(
    "layers", cl::init("all"),
    cl::desc("With --dump-attention: the layers to write (default: all)"),
    cl::value_desc("all|i,j,..."), cl::sub(attnc::runSubCommand));
cl::opt<std::string> dumpHeads(
    "heads", cl::init("all"),
    cl::desc("With --dump-attention: the heads to write (default: all)"),
    cl::value_desc("all|i,j,..."), cl::sub(attnc::runSubCommand));

constexpr size_t kPrintedValues = 8;

std::string describeInputs(const attnc::Model &model) {
  std::string text;
  for (const attnc_tensor_info &input : model.inputs())
    text += (text.empty() ? "" : ", ") + std::string(input.name) + ": " +
            attnc::formatType(input);
  return text;
}

/// The tensors of `file` as run inputs; they point into its mapping.
std::vector<attnc_tensor> inputsFrom(const attnc::st::File &file) {
  std::vector<attnc_tensor> inputs;
  for (const attnc::st::TensorInfo &tensor : file.tensors())
    inputs.push_back({tensor.name.c_str(), tensor.dtype,
                      static_cast<int32_t>(tensor.shape.size()),
                      tensor.shape.data(), const_cast<void *>(tensor.data)});
  return inputs;
}

int64_t numElements(const attnc_tensor &tensor) {
  int64_t count = 1;
  for (int32_t i = 0; i < tensor.rank; ++i)
    count *= tensor.shape[i];
  return count;
}

void printValue(llvm::raw_ostream &os, const attnc_tensor &tensor, size_t i) {
  switch (tensor.dtype) {
  case ATTNC_DTYPE_F32:
    os << llvm::format("%.6g", static_cast<const float *>(tensor.data)[i]);
    return;
  case ATTNC_DTYPE_I32:
    os << static_cast<const int32_t *>(tensor.data)[i];
    return;
  case ATTNC_DTYPE_I64:
    os << static_cast<const int64_t *>(tensor.data)[i];
    return;
  default:
    os << "?";
  }
}

/// "y: f32[2, 7, 256] = [0.1, -0.2, ...] (3584 values)".
void printSummary(llvm::raw_ostream &os, const attnc_tensor &tensor) {
  int64_t count = numElements(tensor);
  os << tensor.name << ": " << attnc_dtype_name(tensor.dtype)
     << attnc::formatShape(tensor.shape, tensor.rank) << " = [";
  size_t shown = std::min<size_t>(count, kPrintedValues);
  for (size_t i = 0; i < shown; ++i) {
    if (i)
      os << ", ";
    printValue(os, tensor, i);
  }
  if (static_cast<size_t>(count) > shown)
    os << ", ...";
  os << "] (" << count << (count == 1 ? " value" : " values") << ")\n";
}

attnc::Status writeOutputs(const std::string &path,
                           const attnc::TensorList &outputs) {
  std::map<std::string, attnc::st::TensorView> views;
  for (const attnc_tensor &tensor : outputs)
    views[tensor.name] = {tensor.dtype,
                          std::vector<int64_t>(tensor.shape,
                                               tensor.shape + tensor.rank),
                          tensor.data};
  return attnc::st::write(path, views, {{"producer", "attnc run"}});
}

} // namespace

attnc::Status attnc::applyProfileOption(Model &model) {
  if (!profileFormat.getNumOccurrences())
    return Status::success();
  if (!profileFormat.empty() && profileFormat != "table" &&
      profileFormat != "json")
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "--profile takes table or json, got '" + profileFormat + "'");
  return model.setProfiling(true);
}

void attnc::printProfile(Model &model) {
  if (profileFormat.getNumOccurrences())
    llvm::errs() << model.profileReport(profileFormat == "json");
}

attnc::Status attnc::applyThreadsOption(Model &model) {
  if (!numThreads.getNumOccurrences())
    return Status::success();
  if (numThreads < 1)
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "--threads must be at least 1, got " +
                     std::to_string(numThreads));
  return model.setNumThreads(numThreads);
}

attnc::Status attnc::loadWeightsWithProgress(Model &model,
                                             const std::string &path) {
  ProgressLine line(llvm::errs(), ProgressLine::wanted(llvm::errs(), quiet),
                    "loading weights", ProgressUnit::Bytes);
  auto report = [](void *data, uint64_t done, uint64_t total) {
    if (total >= progressMinBytes)
      static_cast<ProgressLine *>(data)->update(done, total);
  };
  if (Status s = model.setLoadProgress(report, &line); !s)
    return s;
  Status loaded = model.loadWeights(path);
  (void)model.setLoadProgress(nullptr, nullptr);
  return loaded;
}

int attnc::runCommandMain() {
  std::string configSource;
  Expected<ModelFiles> files = resolveModelFiles(
      {modelDir, weightsPath, tokenizerPath, configPath, "",
       preprocessorConfigPath},
      configSource);
  if (!files)
    return reportError(files.error().message());
  bool haveText = inputText.getNumOccurrences() != 0;
  bool haveImage = imagePath.getNumOccurrences() != 0;
  if (int given = haveText + haveImage + !inputsPath.empty(); given > 1)
    return reportError(
        "give the inputs with one of --inputs, --text and --image");
  if (!haveImage && (preprocessorConfigPath.getNumOccurrences() ||
                     topClasses.getNumOccurrences() || printJson))
    return reportError("--preprocessor-config, --top and --json go with "
                       "--image");
  if (topClasses < 1)
    return reportError("--top must be at least 1, got " +
                       std::to_string(topClasses));
  std::optional<Tokenizer> tokenizer;
  if (haveText) {
    if (files->tokenizer.empty())
      return reportError(
          (modelDir.empty()
               ? Error(ATTNC_ERROR_INVALID_ARGUMENT,
                       "--text needs a tokenizer: give a model directory "
                       "with tokenizer.json or --tokenizer FILE")
               : missingTokenizer(modelDir, "--inputs FILE"))
              .message());
    Expected<Tokenizer> opened = Tokenizer::open(files->tokenizer);
    if (!opened)
      return reportError(opened.error().message());
    tokenizer.emplace(std::move(*opened));
  }

  Expected<Model> model = Model::open(modelPath);
  if (!model)
    return reportError(model.error().message());
  if (verbose) {
    llvm::errs() << "model '" << model->name() << "'";
    if (!model->targetCpu().empty())
      llvm::errs() << " compiled for '" << model->targetCpu()
                   << "' (CPU features: " << model->targetFeatures() << ")";
    llvm::errs() << "\n";
  }
  if (!files->config.empty())
    if (Status s = checkConstantsAgainstConfig(*model, modelPath,
                                               files->config, configSource);
        !s)
      return reportError(s.error().message());
  if (Status s = attnc::applyThreadsOption(*model); !s)
    return reportError(s.error().message());
  if (Status s = attnc::applyProfileOption(*model); !s)
    return reportError(s.error().message());
  // The picture is read and checked before the (larger) weights load.
  std::optional<ImageInput> imageInput;
  if (haveImage) {
    Expected<ImageInput> built =
        ImageInput::build(*model, imagePath, files->preprocessorConfig);
    if (!built)
      return reportError(built.error().message());
    imageInput.emplace(std::move(*built));
  }
  if (dryRunRequested()) {
    std::optional<st::File> file;
    if (!inputsPath.empty()) {
      Expected<st::File> opened = st::File::open(inputsPath);
      if (!opened)
        return reportError(opened.error().message());
      file.emplace(std::move(*opened));
    }
    std::vector<attnc_tensor> planned;
    if (file)
      planned = inputsFrom(*file);
    else if (imageInput)
      planned = {imageInput->tensor()};
    return printMemoryPlan(*model, planned, 0);
  }
  if (Status s = loadWeightsWithProgress(*model, files->weights); !s)
    return reportError(s.error().message());
  for (const std::string &warning : model->warnings())
    llvm::WithColor::warning() << warning << "\n";

  std::optional<st::File> inputFile;
  std::optional<TextInputs> textInputs;
  std::vector<attnc_tensor> inputs;
  if (imageInput) {
    inputs = {imageInput->tensor()};
  } else if (tokenizer) {
    Expected<std::vector<int64_t>> ids = tokenizer->encode(inputText);
    if (!ids)
      return reportError(ids.error().message());
    if (ids->empty())
      return reportError("--text: the text is empty: give at least one token");
    Expected<TextInputs> built = TextInputs::build(*model, *ids);
    if (!built)
      return reportError(built.error().message());
    textInputs.emplace(std::move(*built));
    inputs = textInputs->tensors();
  } else if (!inputsPath.empty()) {
    Expected<st::File> file = st::File::open(inputsPath);
    if (!file)
      return reportError(file.error().message());
    inputFile.emplace(std::move(*file));
    inputs = inputsFrom(*inputFile);
  } else if (llvm::any_of(model->inputs(), [](const attnc_tensor_info &in) {
               return !in.has_default;
             })) {
    return reportError("model '" + std::string(model->name()) +
                       "' takes inputs (" + describeInputs(*model) +
                       "); pass them with --inputs");
  }

  if (dumpAttentionPath.empty() &&
      (dumpLayers.getNumOccurrences() || dumpHeads.getNumOccurrences()))
    return reportError("--layers and --heads select what --dump-attention "
                       "writes; pass --dump-attention too");

  AttentionDumpRequest request{dumpAttentionPath, dumpLayers, dumpHeads, {},
                               "attnc run"};
  if (!dumpAttentionPath.empty()) {
    if (Status s = checkAttentionDump(*model, request); !s)
      return reportError(s.error().message());
    if (inputFile)
      for (const auto &[key, value] : inputFile->metadata())
        if (llvm::StringRef(key).starts_with("tokens."))
          request.metadata[key] = value;
  }

  Expected<TensorList> outputs = model->run(inputs);
  if (!outputs)
    return reportError(outputs.error().message());
  printProfile(*model);

  if (!dumpAttentionPath.empty()) {
    if (Status s = writeAttentionDump(*model, inputs, outputs->begin(),
                                      outputs->size(), request);
        !s)
      return reportError(s.error().message());
  }
  if (!outputsPath.empty())
    if (Status s = writeOutputs(outputsPath, *outputs); !s)
      return reportError(s.error().message());
  // With --outputs, the classes are printed when the model has logits.
  if (haveImage && (outputsPath.empty() || outputs->find("logits"))) {
    if (Status s = printTopClasses(llvm::outs(), *outputs, files->config,
                                   topClasses, printJson);
        !s)
      return reportError(s.error().message());
    return 0;
  }
  if (!outputsPath.empty())
    return 0;
  for (const attnc_tensor &tensor : *outputs)
    printSummary(llvm::outs(), tensor);
  return 0;
}
