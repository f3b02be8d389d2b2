#include "ui/progress.hpp"

#include <chrono>
#include <algorithm>
#include <cstdio>

#include "ui/style.hpp"

namespace edgectl::ui {
namespace {
constexpr auto kTick = std::chrono::milliseconds(100);
constexpr const char* kFrames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
constexpr size_t kFrameCount = sizeof(kFrames) / sizeof(kFrames[0]);
}  // namespace

void Spinner::start(std::string label) {
  stop();
  if (!is_terminal(stderr)) return;
  label_ = std::move(label);
  running_ = true;
  thread_ = std::thread([this] {
    auto begin = std::chrono::steady_clock::now();
    for (size_t frame = 0; running_; ++frame) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      std::fprintf(stderr, "\r\x1b[2K%s %s %.1fs", kFrames[frame % kFrameCount], label_.c_str(), secs);
      std::fflush(stderr);
      std::this_thread::sleep_for(kTick);
    }
  });
}

void Spinner::stop() {
  if (!running_) return;
  running_ = false;
  if (thread_.joinable()) thread_.join();
  std::fprintf(stderr, "\r\x1b[2K");
  std::fflush(stderr);
}

}  // namespace edgectl::ui

namespace edgectl::ui {
namespace {
int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(is_terminal(stderr)), started_ns_(now_ns()) {}

void ProgressBar::update(uint64_t done, uint64_t total) {
  if (!enabled_ || total == 0) return;
  const int64_t now = now_ns();
  if (drawn_ && now - last_ns_ < 100'000'000 && done < total) return;
  last_ns_ = now;
  drawn_ = true;
  constexpr int kWidth = 24;
  const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  const double secs = static_cast<double>(now - started_ns_) / 1e9;
  const double mib = 1024.0 * 1024.0;
  std::fprintf(stderr, "\r\x1b[2K%s %.1f / %.1f MiB [%s] %3d%%  %.1f MiB/s", label_.c_str(), static_cast<double>(done) / mib,
               static_cast<double>(total) / mib, bar.c_str(), static_cast<int>(fraction * 100),
               secs > 0 ? static_cast<double>(done) / mib / secs : 0.0);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!drawn_) return;
  drawn_ = false;
  std::fprintf(stderr, "\r\x1b[2K");
  std::fflush(stderr);
}

}  // namespace edgectl::ui
