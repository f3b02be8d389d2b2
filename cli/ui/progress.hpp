#pragma once
// A one-line "working…" indicator with elapsed time for long steps (binaryen -Oz on a Go
// module takes tens of seconds and has no progress callback). Drawn on stderr only when it
// is a terminal; otherwise silent.
#include <atomic>
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

}  // namespace edgectl::ui
