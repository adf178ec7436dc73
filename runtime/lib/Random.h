//===- Random.h - A pseudo-random generator defined to the bit --*- C++ -*-===//
//
// xoshiro256** 1.0 (Blackman and Vigna, https://prng.di.unimi.it/), seeded
// with four successive outputs of splitmix64. Unlike std:: distributions,
// the numbers are the same with every compiler and C library.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_RANDOM_H
#define ATTNC_RUNTIME_LIB_RANDOM_H

#include <cstdint>

namespace attnc::rt {

class Xoshiro256StarStar {
public:
  explicit Xoshiro256StarStar(uint64_t seed) {
    for (uint64_t &word : state)
      word = splitmix64(seed);
  }

  uint64_t next() {
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
  }

  /// Uniform in [0, 1): the top 53 bits of next().
  double nextDouble() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Advances `x` by the golden gamma and returns the mixed value.
  static uint64_t splitmix64(uint64_t &x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

private:
  static uint64_t rotl(uint64_t x, int k) { return x << k | x >> (64 - k); }

  uint64_t state[4];
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_RANDOM_H
