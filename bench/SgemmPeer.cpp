//===- SgemmPeer.cpp - Time the peers' sgemm on one matmul shape ---------===//
//
//   attnc-sgemm-peer {dnnl|openblas} --m M --n N --k K [--threads T]
//                    [--runs R] [--warmup W]
//
// C[M, N] = A[M, K] B[K, N], row-major, no transposes: each library's best
// case. oneDNN (dnnl_sgemm) and OpenBLAS (cblas_sgemm) are the BLAS users of
// attnc would otherwise reach for; bench/run.sh compares attnc's linear with
// them. OpenBLAS must run with OPENBLAS_CORETYPE=SkylakeX on this CPU (its
// detection falls back to SSE3 kernels otherwise); run.sh sets it. Only the
// libraries CMake found are built in (ATTNC_BENCH_HAVE_DNNL/OPENBLAS).
//
//===----------------------------------------------------------------------===//
#include "Timing.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#ifdef ATTNC_BENCH_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif
#ifdef ATTNC_BENCH_HAVE_OPENBLAS
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
#endif

namespace {

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "attnc-sgemm-peer: error: %s\n", message.c_str());
  std::exit(1);
}

std::vector<float> randomMatrix(size_t n, unsigned seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (float &x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) / float(1 << 24) - 0.5f;
  }
  return v;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    fail("usage: attnc-sgemm-peer {dnnl|openblas} --m M --n N --k K "
         "[--threads T] [--runs R] [--warmup W]");
  std::string lib = argv[1];
  long m = 0, n = 0, k = 0;
  int threads = 1, runs = 10, warmup = 3;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      fail("missing value after " + arg);
    long value = std::stol(argv[++i]);
    if (arg == "--m") m = value;
    else if (arg == "--n") n = value;
    else if (arg == "--k") k = value;
    else if (arg == "--threads") threads = int(value);
    else if (arg == "--runs") runs = int(value);
    else if (arg == "--warmup") warmup = int(value);
    else fail("unknown argument '" + arg + "'");
  }
  if (m < 1 || n < 1 || k < 1 || runs < 1 || threads < 1)
    fail("--m, --n, --k, --runs and --threads must be positive");
  std::vector<float> a = randomMatrix(m * k, 1), b = randomMatrix(k * n, 2),
                     c(m * n);

#ifdef ATTNC_BENCH_HAVE_DNNL
  if (lib == "dnnl") {
    // Debian's oneDNN threads with GNU OpenMP, which reads OMP_NUM_THREADS
    // before main: the caller sets it (run.sh does), --threads must agree.
    const char *omp = std::getenv("OMP_NUM_THREADS");
    if (!omp || std::atoi(omp) != threads)
      fail("run oneDNN with OMP_NUM_THREADS=" + std::to_string(threads));
    attnc::bench::timeRuns(warmup, runs, [&] {
      if (dnnl_sgemm('N', 'N', m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f,
                     c.data(), n) != dnnl_success)
        fail("dnnl_sgemm failed");
    });
    return 0;
  }
#endif
#ifdef ATTNC_BENCH_HAVE_OPENBLAS
  if (lib == "openblas") {
    openblas_set_num_threads(threads);
    attnc::bench::timeRuns(warmup, runs, [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
                  a.data(), k, b.data(), n, 0.0f, c.data(), n);
    });
    return 0;
  }
#endif
  fail("'" + lib + "' is not built in (oneDNN: libdnnl-dev, OpenBLAS: "
       "libopenblas-dev)");
}
