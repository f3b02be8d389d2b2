// inotify folder watching (see watch.hpp).
#include "util/watch.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace edgectl {
namespace {
// How often the thread looks at its stop flag while nothing happens.
constexpr int kPollIntervalMs = 100;
constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM;
}  // namespace

Result<std::unique_ptr<FolderWatcher>> FolderWatcher::start(
    const std::vector<std::filesystem::path>& folders, std::chrono::milliseconds settle,
    std::function<void(const std::vector<std::filesystem::path>&)> on_change) {
  std::unique_ptr<FolderWatcher> w(new FolderWatcher());
  w->fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (w->fd_ < 0) return Error(std::string("cannot watch files: inotify: ") + std::strerror(errno));
  w->settle_ = settle;
  w->on_change_ = std::move(on_change);
  std::set<std::filesystem::path> seen;
  for (const auto& f : folders) {
    if (!seen.insert(f).second) continue;
    int wd = ::inotify_add_watch(w->fd_, f.c_str(), kEvents);
    if (wd < 0)
      return Error("cannot watch " + f.string() + ": " + std::strerror(errno))
          .note(errno == ENOSPC ? "raise fs.inotify.max_user_watches" : "");
    w->watches_.emplace_back(wd, f);
  }
  w->thread_ = std::thread([raw = w.get()] { raw->run(); });
  return w;
}

FolderWatcher::~FolderWatcher() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void FolderWatcher::run() {
  std::vector<std::filesystem::path> changed;
  auto last = std::chrono::steady_clock::now();
  alignas(inotify_event) char buf[16 * 1024];
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, kPollIntervalMs);
    if (ready > 0) {
      ssize_t n;
      while ((n = ::read(fd_, buf, sizeof buf)) > 0) {
        for (char* at = buf; at < buf + n;) {
          auto* e = reinterpret_cast<inotify_event*>(at);
          for (const auto& [wd, dir] : watches_)
            if (wd == e->wd) changed.push_back(e->len ? dir / e->name : dir);
          at += sizeof(inotify_event) + e->len;
        }
        last = std::chrono::steady_clock::now();
      }
    }
    if (!changed.empty() && std::chrono::steady_clock::now() - last >= settle_) {
      on_change_(changed);
      changed.clear();
    }
  }
}

}  // namespace edgectl
