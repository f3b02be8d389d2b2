#pragma once
// Watching folders for changes (inotify), for `serve --watch`. A thread of its own calls
// back once a burst of changes has settled (editors and compilers write a file in several
// steps, or through a temporary file and a rename).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "util/error.hpp"

namespace edgectl {

class FolderWatcher {
 public:
  // Watches each folder (not recursively; list sub-folders too when needed). `on_change`
  // gets the changed paths after `settle` without further changes. Error: inotify refused.
  static Result<std::unique_ptr<FolderWatcher>> start(
      const std::vector<std::filesystem::path>& folders, std::chrono::milliseconds settle,
      std::function<void(const std::vector<std::filesystem::path>&)> on_change);
  ~FolderWatcher();

 private:
  FolderWatcher() = default;
  void run();
  int fd_ = -1;
  std::chrono::milliseconds settle_{0};
  std::function<void(const std::vector<std::filesystem::path>&)> on_change_;
  std::vector<std::pair<int, std::filesystem::path>> watches_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace edgectl
