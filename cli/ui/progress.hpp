#pragma once
// A one-line "working…" indicator with elapsed time for long steps (binaryen -Oz on a Go
// module takes tens of seconds and has no progress callback). Drawn on stderr only when it
// is a terminal; otherwise silent.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace edgectl::ui {

class Spinner {
 public:
  Spinner() = default;
  ~Spinner() { stop(); }
  Spinner(const Spinner&) = delete;
  Spinner& operator=(const Spinner&) = delete;
  void start(std::string label);
  void stop();  // erases the line

 private:
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::string label_;
};

// A transfer's progress bar, "pushing  12.0 / 50.0 MiB [#####.....]  24%  31.2 MiB/s",
// redrawn at most every 100 ms on stderr when it is a terminal; otherwise silent.
// update() may be called from the transfer's callbacks as often as they come.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar() { finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  void update(uint64_t done, uint64_t total);
  void finish();  // erases the line

 private:
  std::string label_;
  bool enabled_ = false;
  bool drawn_ = false;
  int64_t started_ns_ = 0;
  int64_t last_ns_ = 0;
};

}  // namespace edgectl::ui
