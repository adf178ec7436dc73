//===- BenchDriver.cpp - Time a compiled model through the runtime API ---===//
//
//   attnc-bench model.so --dim batch=1 --dim seq=512 [--runs 10]
//                        [--warmup 3] [--threads N] [--seed 1]
//                        [--profile[=json]] (the timed calls' profile, on stderr)
//                        [--decode CONTEXT] [--weights FILE] [--dump DIR]
//
// bench/run.sh's timing program; the measurement is ModelBench.h's (also
// `attnc bench`). Prints the lines bench/run.sh reads (Timing.h): one per
// timed call, the summary, then first_ms=... for the first (cold) call and,
// with --decode, prefill_ms=... and kv_position=...
//
// --dump DIR writes DIR/weights.safetensors, DIR/inputs.safetensors and
// DIR/outputs.safetensors (one run's outputs), so that bench/torch_bench.py
// --check can run PyTorch on the same weights and inputs and compare.
//
//===----------------------------------------------------------------------===//
#include "ModelBench.h"
#include "Timing.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using attnc::bench::ModelBenchOptions;

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "attnc-bench: error: %s\n", message.c_str());
  std::exit(1);
}

int64_t number(const std::string &option, const std::string &text) {
  char *end = nullptr;
  errno = 0;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    fail(option + " takes an integer, not '" + text + "'");
  return value;
}

constexpr const char *kUsage =
    "usage: attnc-bench model.so --dim name=value... [--runs N] "
    "[--warmup N] [--threads N] [--seed N] [--decode CONTEXT] "
    "[--weights FILE] [--dump DIR] [--profile[=json]]";

ModelBenchOptions parse(int argc, char **argv, std::string &model) {
  ModelBenchOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        fail("missing value after " + arg);
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::printf("%s\n(bench/BenchDriver.cpp; `attnc bench` times a model "
                  "the same way)\n",
                  kUsage);
      std::exit(0);
    }
    if (arg == "--dim") {
      std::string d = value();
      size_t eq = d.find('=');
      if (eq == std::string::npos)
        fail("--dim takes name=value, got '" + d + "'");
      o.dims[d.substr(0, eq)] = number("--dim", d.substr(eq + 1));
    } else if (arg == "--runs") {
      o.runs = static_cast<int>(number(arg, value()));
    } else if (arg == "--warmup") {
      o.warmup = static_cast<int>(number(arg, value()));
    } else if (arg == "--threads") {
      o.threads = static_cast<int>(number(arg, value()));
    } else if (arg == "--seed") {
      o.seed = static_cast<unsigned>(number(arg, value()));
    } else if (arg == "--decode") {
      o.decode = number(arg, value());
    } else if (arg == "--weights") {
      o.weights = value();
    } else if (arg == "--dump") {
      o.dump = value();
    } else if (arg == "--profile" || arg == "--profile=table" ||
               arg == "--profile=json") {
      o.profile = arg == "--profile=json" ? "json" : "table";
    } else if (!arg.empty() && arg[0] != '-' && model.empty()) {
      model = arg;
    } else {
      fail("unknown argument '" + arg + "'");
    }
  }
  if (model.empty())
    fail(kUsage);
  return o;
}

} // namespace

int main(int argc, char **argv) {
  std::string model;
  ModelBenchOptions o = parse(argc, argv, model);
  std::vector<double> times, cpuTimes;
  attnc::Expected<attnc::bench::ModelBenchResult> result =
      attnc::bench::benchModel(model, o, [&](const attnc::bench::CallTime &t) {
        attnc::bench::printRun(t.wallMs, t.cpuMs);
        times.push_back(t.wallMs);
        cpuTimes.push_back(t.cpuMs);
      });
  if (!result)
    fail(result.error().message());
  attnc::bench::printSummary(times, cpuTimes);
  std::printf("first_ms=%.4f first_cpu_ms=%.4f\n", result->first.wallMs,
              result->first.cpuMs);
  if (o.decode > 0)
    std::printf("prefill_ms=%.4f kv_position=%lld\n", result->prefill.wallMs,
                static_cast<long long>(result->kvPosition));
  // On stderr, apart from the lines run.sh reads.
  std::fputs(result->profile.c_str(), stderr);
  return 0;
}
