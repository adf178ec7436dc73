//===- SoakDriver.cpp - Long runs of the runtime: no leaks, same results --===//
//
//   attnc-soak MODEL.so WEIGHTS --seconds N [--threads T] [--margin-mb M]
//
// Generates continuously for N seconds on T threads, each generation in a
// new session (a new KV cache), with prompts of several lengths, greedy and
// seeded sampling alike; meanwhile the main thread opens the model again,
// loads its weights, generates once and frees it, over and over. Every
// result must equal the first run's for its prompt and sampler (computed
// before the clock starts), and the resident memory at the end must stay
// within M MiB (default 4) of what it was after the warm-up (the first fifth
// of the time).
// Prints tokens generated, sessions, models loaded, RSS at start and end;
// exits 1 on any mismatch, failure or growth.
//
//===----------------------------------------------------------------------===//
#include "attnc/Decoder.h"
#include "attnc/Generator.h"
#include "attnc/generation.hpp"
#include "attnc/runtime.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace attnc;
using Clock = std::chrono::steady_clock;

namespace {

struct Job {
  std::vector<int64_t> prompt;
  attnc_sampler_config sampler;
  int64_t newTokens;
  std::vector<int64_t> expected; // the first run's tokens
};

struct Options {
  std::string model, weights;
  double seconds = 10;
  int threads = 2;
  double marginMb = 4;
};

std::atomic<bool> failed{false};
std::mutex printMutex;

void fail(const std::string &what) {
  std::lock_guard<std::mutex> lock(printMutex);
  std::fprintf(stderr, "attnc-soak: FAILED: %s\n", what.c_str());
  failed = true;
}

/// Resident set size in bytes (/proc/self/statm, pages).
uint64_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

/// The tokens of one generation in a fresh session of `model`.
Expected<std::vector<int64_t>> runJob(const Model &model, const Job &job,
                                      const Tokenizer &tokenizer) {
  Expected<std::unique_ptr<Decoder>> decoder = createDecoder(
      model, static_cast<int64_t>(job.prompt.size()) + job.newTokens);
  if (!decoder)
    return decoder.error();
  Expected<Sampler> sampler = Sampler::create(job.sampler);
  if (!sampler)
    return sampler.error();
  GenerationOptions options;
  options.maxNewTokens = job.newTokens;
  Expected<GenerationResult> result =
      generate(**decoder, *sampler, tokenizer, job.prompt, options);
  if (!result)
    return result.error();
  return result->tokens;
}

Expected<Model> openModel(const Options &options) {
  Expected<Model> model = Model::open(options.model);
  if (!model)
    return model.error();
  // One thread per model call: the soak's own threads are the parallelism.
  if (Status s = model->setNumThreads(1); !s)
    return s.error();
  if (Status s = model->loadWeights(options.weights); !s)
    return s.error();
  return model;
}

std::vector<Job> makeJobs(int64_t vocab) {
  std::vector<Job> jobs;
  const int64_t lengths[] = {1, 7, 24};
  for (int64_t length : lengths)
    for (int sampling = 0; sampling < 2; ++sampling) {
      Job job;
      for (int64_t i = 0; i < length; ++i)
        job.prompt.push_back((i * 31 + length) % vocab);
      job.sampler = Sampler::defaultConfig();
      if (sampling) {
        job.sampler.temperature = 0.8f;
        job.sampler.top_k = 20;
        job.sampler.seed = static_cast<uint64_t>(length);
      }
      job.newTokens = 32;
      jobs.push_back(job);
    }
  return jobs;
}

bool parseArgs(int argc, char **argv, Options &options) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * {
      return i + 1 < argc ? argv[++i] : nullptr;
    };
    const char *v = nullptr;
    if (arg == "--seconds" && (v = value()))
      options.seconds = std::atof(v);
    else if (arg == "--threads" && (v = value()))
      options.threads = std::atoi(v);
    else if (arg == "--margin-mb" && (v = value()))
      options.marginMb = std::atof(v);
    else if (arg.rfind("--", 0) == 0)
      return false;
    else
      positional.push_back(arg);
  }
  if (positional.size() != 2 || options.seconds <= 0 || options.threads < 1)
    return false;
  options.model = positional[0];
  options.weights = positional[1];
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  if (!parseArgs(argc, argv, options)) {
    std::fprintf(stderr, "usage: attnc-soak MODEL.so WEIGHTS --seconds N "
                         "[--threads T] [--margin-mb M]\n");
    return 2;
  }
  Expected<Model> model = openModel(options);
  if (!model) {
    std::fprintf(stderr, "attnc-soak: %s\n", model.error().message().c_str());
    return 1;
  }
  Expected<int64_t> vocab = checkDecoderContract(*model);
  if (!vocab) {
    std::fprintf(stderr, "attnc-soak: %s\n", vocab.error().message().c_str());
    return 1;
  }
  Expected<Tokenizer> tokenizer = Tokenizer::bytes();
  if (!tokenizer) {
    std::fprintf(stderr, "attnc-soak: %s\n",
                 tokenizer.error().message().c_str());
    return 1;
  }

  // The first run fixes every job's expected tokens.
  std::vector<Job> jobs = makeJobs(*vocab);
  for (Job &job : jobs) {
    Expected<std::vector<int64_t>> tokens = runJob(*model, job, *tokenizer);
    if (!tokens) {
      std::fprintf(stderr, "attnc-soak: %s\n",
                   tokens.error().message().c_str());
      return 1;
    }
    job.expected = *tokens;
  }
  std::atomic<uint64_t> tokensGenerated{0}, sessions{0}, modelsLoaded{1};
  auto check = [&](const Model &m, const Job &job) {
    Expected<std::vector<int64_t>> tokens = runJob(m, job, *tokenizer);
    sessions++;
    if (!tokens)
      return fail(tokens.error().message());
    tokensGenerated += tokens->size();
    if (*tokens != job.expected)
      fail("a generation differs from the first run's");
  };
  Clock::time_point begin = Clock::now();
  auto after = [&](double fraction) {
    return begin + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(options.seconds *
                                                     fraction));
  };
  // The first fifth of the budget warms up (allocator arenas and thread
  // pools of every thread); RSS is measured from its end.
  Clock::time_point warm = after(0.2), end = after(1.0);
  std::vector<std::thread> workers;
  for (int t = 0; t < options.threads; ++t)
    workers.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); !failed && Clock::now() < end;
           ++i)
        check(*model, jobs[i % jobs.size()]);
    });
  // Models loaded and freed while the others generate.
  uint64_t rssStart = 0;
  for (size_t i = 0; !failed && Clock::now() < end; ++i) {
    if (!rssStart && Clock::now() >= warm)
      rssStart = residentBytes();
    Expected<Model> other = openModel(options);
    if (!other) {
      fail(other.error().message());
      break;
    }
    modelsLoaded++;
    check(*other, jobs[i % jobs.size()]);
  }
  for (std::thread &worker : workers)
    worker.join();
  if (!rssStart)
    rssStart = residentBytes();
  uint64_t rssEnd = residentBytes();

  double mb = 1024.0 * 1024.0;
  std::printf("soak: %.0f s, %d threads: %llu tokens generated, %llu "
              "sessions, %llu models loaded; RSS %.1f MiB at start, %.1f MiB "
              "at end (margin %.0f MiB)\n",
              options.seconds, options.threads,
              static_cast<unsigned long long>(tokensGenerated.load()),
              static_cast<unsigned long long>(sessions.load()),
              static_cast<unsigned long long>(modelsLoaded.load()),
              rssStart / mb, rssEnd / mb, options.marginMb);
  if (rssEnd > rssStart + static_cast<uint64_t>(options.marginMb * mb))
    fail("RSS grew from " + std::to_string(rssStart) + " to " +
         std::to_string(rssEnd) + " bytes");
  if (failed)
    return 1;
  std::printf("soak: passed\n");
  return 0;
}
