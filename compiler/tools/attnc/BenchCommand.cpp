//===- BenchCommand.cpp - The `attnc bench` subcommand --------------------===//
#include "BenchCommand.h"
#include "ReportError.h"

#include "ModelBench.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace cl = llvm::cl;
using namespace attnc::bench;

llvm::cl::SubCommand attnc::benchSubCommand(
    "bench", "Time a compiled model: first (cold) call, warm median, spread, "
             "tokens/s");

namespace {

cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.so>"),
                               cl::sub(attnc::benchSubCommand));
cl::opt<std::string> weightsPath(
    "weights",
    cl::desc("The model's parameters: a safetensors file, a sharded index, or "
             "a directory holding model.safetensors or its index (default: "
             "random weights)"),
    cl::value_desc("file|dir"), cl::sub(attnc::benchSubCommand));
cl::list<std::string>
    dims("dim", cl::desc("The size of a dynamic dim, e.g. --dim seq=512"),
         cl::value_desc("name=N"), cl::sub(attnc::benchSubCommand));
cl::opt<int> threads("threads",
                     cl::desc("Threads (default: $ATTNC_NUM_THREADS, else one "
                              "per core)"),
                     cl::init(0), cl::value_desc("n"),
                     cl::sub(attnc::benchSubCommand));
cl::opt<int> runs("runs", cl::desc("Timed calls (default 10)"), cl::init(10),
                  cl::value_desc("n"), cl::sub(attnc::benchSubCommand));
cl::opt<int> warmup("warmup",
                    cl::desc("Untimed calls after the first one (default 3)"),
                    cl::init(3), cl::value_desc("n"),
                    cl::sub(attnc::benchSubCommand));
cl::opt<int64_t> decode(
    "decode",
    cl::desc("Time single-token decode steps after a prefill of CONTEXT "
             "tokens (needs --dim seq=CONTEXT)"),
    cl::init(0), cl::value_desc("context"), cl::sub(attnc::benchSubCommand));
cl::opt<unsigned> seed("seed", cl::desc("Seed of the random weights and inputs"),
                       cl::init(1), cl::sub(attnc::benchSubCommand));
cl::opt<bool> jsonOutput("json", cl::desc("Print one JSON object"),
                   cl::sub(attnc::benchSubCommand));
cl::opt<bool> profile(
    "profile",
    cl::desc("Profile the timed calls: time per kernel, per layer, per op "
             "kind and per thread (with --json: its \"profile\" member)"),
    cl::sub(attnc::benchSubCommand));

int fail(const llvm::Twine &message) {
  return attnc::reportError(message, "attnc bench");
}

double tokensPerSecond(int64_t tokens, double ms) {
  return ms > 0 ? tokens / (ms / 1e3) : 0;
}

void printJson(const ModelBenchOptions &o, const ModelBenchResult &r,
               const Spread &wall, const Spread &cpu) {
  llvm::json::OStream out(llvm::outs(), 2);
  out.object([&] {
    out.attribute("model", modelPath.getValue());
    out.attributeObject("dims", [&] {
      for (const auto &[name, size] : o.dims)
        out.attribute(name, size);
    });
    out.attribute("weights", o.weights.empty() ? "random" : o.weights);
    out.attribute("threads", o.threads);
    out.attribute("mode", o.decode > 0 ? "decode" : "forward");
    out.attribute("runs", o.runs);
    out.attribute("warmup", o.warmup);
    if (o.decode > 0) {
      out.attribute("context", o.decode);
      out.attribute("prefill_ms", r.prefill.wallMs);
    }
    out.attribute("first_ms", r.first.wallMs);
    out.attribute("first_cpu_ms", r.first.cpuMs);
    out.attribute("median_ms", wall.median);
    out.attribute("min_ms", wall.min);
    out.attribute("max_ms", wall.max);
    out.attribute("q1_ms", wall.q1);
    out.attribute("q3_ms", wall.q3);
    out.attribute("median_cpu_ms", cpu.median);
    out.attribute("first_over_median", wall.median > 0 ? r.first.wallMs / wall.median : 0);
    out.attribute("tokens_per_call", r.tokensPerCall);
    out.attribute("tokens_per_s", tokensPerSecond(r.tokensPerCall, wall.median));
    out.attributeArray("times_ms", [&] {
      for (const CallTime &t : r.runs)
        out.value(t.wallMs);
    });
    if (!r.profile.empty()) {
      llvm::Expected<llvm::json::Value> report = llvm::json::parse(r.profile);
      if (report)
        out.attribute("profile", std::move(*report));
      else
        llvm::consumeError(report.takeError());
    }
  });
  llvm::outs() << "\n";
}

void printText(const ModelBenchOptions &o, const ModelBenchResult &r,
               const Spread &wall, const Spread &cpu) {
  auto &os = llvm::outs();
  os << modelPath << ":";
  for (const auto &[name, size] : o.dims)
    os << " " << name << "=" << size;
  os << ", " << (o.weights.empty() ? std::string("random weights") : o.weights)
     << ", " << (o.threads ? std::to_string(o.threads) : std::string("default"))
     << " threads\n";
  const char *call = o.decode > 0 ? "step" : "run";
  if (o.decode > 0)
    os << llvm::format("prefill of %lld tokens: %.3f ms\n",
                       static_cast<long long>(o.decode), r.prefill.wallMs);
  os << llvm::format("first %s (cold): %.3f ms (%.2fx the warm median)\n", call,
                     r.first.wallMs,
                     wall.median > 0 ? r.first.wallMs / wall.median : 0.0);
  os << llvm::format("warm: median %.3f ms over %d %ss after %d warm-up, "
                     "min %.3f, max %.3f, IQR %.3f-%.3f ms; CPU %.3f ms\n",
                     wall.median, o.runs, call, o.warmup, wall.min, wall.max,
                     wall.q1, wall.q3, cpu.median);
  os << llvm::format("%.1f tokens/s (%lld per %s)\n",
                     tokensPerSecond(r.tokensPerCall, wall.median),
                     static_cast<long long>(r.tokensPerCall), call);
  if (!r.profile.empty())
    os << "\n" << r.profile;
}

} // namespace

int attnc::benchCommandMain() {
  ModelBenchOptions o;
  for (const std::string &d : dims) {
    auto [name, value] = llvm::StringRef(d).split('=');
    int64_t size;
    if (name.empty() || value.getAsInteger(10, size) || size < 1)
      return fail("--dim " + d + ": expected name=N with N >= 1");
    o.dims[name.str()] = size;
  }
  o.weights = weightsPath;
  o.threads = threads;
  o.runs = runs;
  o.warmup = warmup;
  o.decode = decode;
  o.seed = seed;
  if (profile)
    o.profile = jsonOutput ? "json" : "table";
  Expected<ModelBenchResult> result = benchModel(modelPath, o);
  if (!result)
    return fail(result.error().message());
  std::vector<double> wallMs, cpuMs;
  for (const CallTime &t : result->runs) {
    wallMs.push_back(t.wallMs);
    cpuMs.push_back(t.cpuMs);
  }
  Spread wall = spread(wallMs), cpu = spread(cpuMs);
  if (jsonOutput)
    printJson(o, *result, wall, cpu);
  else
    printText(o, *result, wall, cpu);
  return 0;
}
