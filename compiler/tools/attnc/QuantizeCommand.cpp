//===- QuantizeCommand.cpp - The `attnc quantize` subcommand --------------===//
#include "QuantizeCommand.h"
#include "ReportError.h"

#include "attnc/runtime.hpp"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace cl = llvm::cl;

llvm::cl::SubCommand attnc::quantizeSubCommand(
    "quantize",
    "Write a checkpoint with a model's int8 weights quantized ahead of time");

using attnc::reportError;

namespace {

cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.so>"),
                               cl::sub(attnc::quantizeSubCommand));
cl::opt<std::string>
    checkpointPath(cl::Positional, cl::Required,
                   cl::desc("<weights.safetensors | index.json | model dir>"),
                   cl::sub(attnc::quantizeSubCommand));
cl::opt<std::string> outputPath("o", cl::Required,
                                cl::desc("Write the quantized checkpoint to "
                                         "this safetensors file"),
                                cl::value_desc("file"),
                                cl::sub(attnc::quantizeSubCommand));

} // namespace

int attnc::quantizeCommandMain() {
  Expected<Model> model = Model::open(modelPath);
  if (!model)
    return reportError(model.error().message());
  if (Status s = model->quantizeWeights(checkpointPath, outputPath); !s)
    return reportError(s.error().message());
  uint64_t in = 0, out = 0;
  if (!llvm::sys::fs::file_size(checkpointPath, in) &&
      !llvm::sys::fs::file_size(outputPath, out) && in)
    llvm::outs() << outputPath << ": " << out << " bytes, "
                 << llvm::format("%.3f", static_cast<double>(out) / in)
                 << "x of " << checkpointPath << "\n";
  return 0;
}
