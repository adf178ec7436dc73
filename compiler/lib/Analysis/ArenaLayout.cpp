//===- ArenaLayout.cpp - Offsets of buffers in one arena ------------------===//
#include "attnc/Analysis/ArenaLayout.h"

#include <numeric>

using namespace attnc;

ArenaLayout attnc::layOutArena(llvm::ArrayRef<BufferRequest> requests,
                               llvm::ArrayRef<int64_t> typical) {
  size_t n = requests.size();
  llvm::SmallVector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  llvm::SmallVector<int64_t> typicalBytes;
  for (const BufferRequest &r : requests)
    typicalBytes.push_back(r.bytes.evaluate(typical));
  llvm::sort(order, [&](size_t a, size_t b) {
    if (typicalBytes[a] != typicalBytes[b])
      return typicalBytes[a] > typicalBytes[b];
    if (requests[a].begin != requests[b].begin)
      return requests[a].begin < requests[b].begin;
    return a < b;
  });

  ArenaLayout layout;
  layout.offsets.resize(n);
  llvm::SmallVector<size_t> placed;
  for (size_t i : order) {
    const BufferRequest &request = requests[i];
    llvm::SmallVector<size_t> live;
    for (size_t j : placed)
      if (request.overlapsInTime(requests[j]))
        live.push_back(j);

    // [o, o + bytes) clears [offset_j, end_j) if it ends before or starts
    // after it, for every value of the symbols.
    auto clears = [&](const Polynomial &offset) {
      Polynomial end = offset + request.bytes;
      return llvm::all_of(live, [&](size_t j) {
        Polynomial endJ = layout.offsets[j] + requests[j].bytes;
        return end.dominatedBy(layout.offsets[j]) || endJ.dominatedBy(offset);
      });
    };
    llvm::SmallVector<std::pair<int64_t, Polynomial>> candidates{
        {0, Polynomial()}};
    Polynomial top;
    for (size_t j : live) {
      Polynomial endJ = layout.offsets[j] + requests[j].bytes;
      candidates.push_back({endJ.evaluate(typical), endJ});
      top = Polynomial::upperBound(top, endJ);
    }
    // Lowest first; among equal values, in the order of `live`.
    llvm::SmallVector<size_t> byValue(candidates.size());
    std::iota(byValue.begin(), byValue.end(), 0);
    llvm::sort(byValue, [&](size_t a, size_t b) {
      if (candidates[a].first != candidates[b].first)
        return candidates[a].first < candidates[b].first;
      return a < b;
    });
    Polynomial chosen = top;
    for (size_t c : byValue)
      if (clears(candidates[c].second)) {
        chosen = candidates[c].second;
        break;
      }
    layout.offsets[i] = chosen;
    layout.size =
        Polynomial::upperBound(layout.size, chosen + request.bytes);
    placed.push_back(i);
  }
  return layout;
}
