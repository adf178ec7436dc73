//===- Progress.cpp - A progress line on a terminal -----------------------===//
#include "attnc/Support/Progress.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace attnc;

namespace {

constexpr std::chrono::milliseconds kRedrawInterval(100);
/// Below this, a rate and a time left are noise.
constexpr double kMinSecondsForRate = 0.05;
/// ANSI "erase to the end of the line".
constexpr const char *kEraseLine = "\x1b[K";

} // namespace

std::string attnc::formatBytes(uint64_t bytes) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (bytes < 1000)
    os << bytes << " B";
  else if (bytes < 1000 * 1000)
    os << llvm::format("%.1f kB", bytes / 1e3);
  else if (bytes < 1000ull * 1000 * 1000)
    os << llvm::format("%.2f MB", bytes / 1e6);
  else
    os << llvm::format("%.2f GB", bytes / 1e9);
  return text;
}

std::string attnc::formatProgress(ProgressUnit unit, uint64_t done,
                                  uint64_t total, double seconds) {
  std::string text;
  llvm::raw_string_ostream os(text);
  bool bytes = unit == ProgressUnit::Bytes;
  if (bytes)
    os << formatBytes(done) << " of " << formatBytes(total);
  else
    os << done << " of " << total << " steps";
  if (total > 0)
    os << " (" << done * 100 / total << "%)";
  if (done == 0 || seconds < kMinSecondsForRate)
    return text;
  if (!bytes) // steps differ too much in length to predict the rest
    return text + llvm::formatv(", {0:f1} s", seconds).str();
  double rate = done / seconds;
  os << ", " << formatBytes(static_cast<uint64_t>(rate)) << "/s";
  if (done < total)
    os << llvm::format(", %.1f s left", (total - done) / rate);
  return text;
}

ProgressLine::ProgressLine(llvm::raw_ostream &os, bool enabled,
                           std::string label, ProgressUnit unit)
    : os(os), enabled(enabled), label(std::move(label)), unit(unit) {}

void ProgressLine::update(uint64_t done, uint64_t total,
                          llvm::StringRef detail) {
  if (!enabled)
    return;
  Clock::time_point now = Clock::now();
  if (shown && done < total && now - lastDrawn < kRedrawInterval)
    return;
  lastDrawn = now;
  shown = true;
  double seconds = std::chrono::duration<double>(now - start).count();
  os << "\r" << label << ": " << formatProgress(unit, done, total, seconds);
  if (!detail.empty())
    os << " [" << detail << "]";
  os << kEraseLine;
  os.flush();
}

void ProgressLine::finish() {
  if (!shown)
    return;
  os << "\r" << kEraseLine;
  os.flush();
  shown = false;
}
