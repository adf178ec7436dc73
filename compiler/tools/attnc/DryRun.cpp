//===- DryRun.cpp - `--dry-run` of attnc run and attnc generate -----------===//
#include "DryRun.h"

#include "GenerateCommand.h"
#include "RunCommand.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;

namespace {

cl::opt<bool> dryRun(
    "dry-run",
    cl::desc("Print the memory plan (weights, packs, arena, KV cache, "
             "outputs, and the process's limit) and exit without loading "
             "weights or running: 0 if it fits, else 1"),
    cl::sub(attnc::runSubCommand), cl::sub(attnc::generateSubCommand));

void printRow(llvm::raw_ostream &os, llvm::StringRef name, uint64_t bytes) {
  os << "  " << llvm::left_justify(name, 10);
  if (bytes == UINT64_MAX)
    os << "unlimited\n";
  else
    os << llvm::right_justify(std::to_string(bytes), 20) << " bytes  ("
       << llvm::format("%.1f", bytes / (1024.0 * 1024.0)) << " MiB)\n";
}

} // namespace

bool attnc::dryRunRequested() { return dryRun; }

int attnc::printMemoryPlan(const Model &model,
                           const std::vector<attnc_tensor> &inputs,
                           int64_t kvCapacity) {
  Expected<attnc_memory_plan> plan = model.planMemory(inputs, kvCapacity);
  if (!plan) {
    llvm::WithColor::error() << plan.error().message() << "\n";
    return 1;
  }
  llvm::raw_ostream &os = llvm::outs();
  os << "memory plan of model '" << model.name() << "'";
  if (kvCapacity > 0)
    os << " with a KV cache of " << kvCapacity << " tokens";
  os << ":\n";
  printRow(os, "weights", plan->weights);
  printRow(os, "packs", plan->packs);
  printRow(os, "arena", plan->arena);
  printRow(os, "KV cache", plan->kv_cache);
  printRow(os, "outputs", plan->outputs);
  printRow(os, "total", plan->total);
  printRow(os, "limit", plan->limit);
  os << "  (limit: " << (*plan->limit_source ? plan->limit_source : "none found")
     << ")\n";
  os.flush();
  if (!*plan->verdict) {
    os << "fits\n";
    return 0;
  }
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(plan->verdict).split(lines, '\n');
  for (llvm::StringRef line : lines)
    llvm::WithColor::error() << line << "\n";
  return 1;
}
