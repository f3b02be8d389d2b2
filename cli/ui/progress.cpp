#include "ui/progress.hpp"

#include <chrono>
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
