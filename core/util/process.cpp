#include "util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace fs = std::filesystem;

namespace edgectl {
namespace {
// How often a captured child's cancel flag is looked at: short enough that stopping a
// compiler feels immediate, long enough to cost nothing.
constexpr int kCancelPollIntervalMs = 50;
// A cancelled child's process group gets SIGTERM (compiler drivers delete their temporary
// files on it), then SIGKILL if anything of it still holds the output pipes this long after.
constexpr auto kCancelKillAfter = std::chrono::milliseconds(500);

// Cancellable children run in a process group of their own, so that cancelling reaches the
// whole tree (gcc's driver does not pass SIGTERM on to cc1 or as). A member orphaned by its
// parent's death would be reparented to PID 1, which in containers often reaps nothing: as a
// child subreaper, this process inherits them instead and reaps them with the group.
void become_subreaper() {
  static std::once_flag once;
  std::call_once(once, [] { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); });
}

// Reaps what is left of the process group `pgid` after its leader exited: members this
// process inherited as subreaper. Those still running are killed when `kill_rest`.
void reap_group(pid_t pgid, bool kill_rest) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    if (kill_rest) ::kill(-pgid, SIGKILL);  // our own group, by its id
    int status = 0;
    const pid_t r = ::waitpid(-pgid, &status, WNOHANG);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return;  // ECHILD: none of the group is our child any more
    if (r == 0) {
      // Members that are not (yet) our children: gone, or still being reparented.
      if (::kill(-pgid, 0) != 0 || std::chrono::steady_clock::now() > deadline) return;
      ::usleep(5000);
    }
  }
}
}  // namespace

std::optional<fs::path> find_program(std::string_view name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    if (::access(std::string(name).c_str(), X_OK) == 0) return fs::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    fs::path candidate = fs::path(dir.empty() ? "." : std::string(dir)) / std::string(name);
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::vector<std::string> shell_command(const std::string& line) { return {"/bin/sh", "-c", line}; }

Result<ProcessResult> run_process(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Error("internal: empty command line");
  auto exe = find_program(spec.argv[0]);
  if (!exe) return Error("program not found: " + spec.argv[0]);

  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto key = std::string(kv.substr(0, kv.find('=')));
    if (!spec.env_overrides.count(key)) env_store.emplace_back(kv);
  }
  for (const auto& [k, v] : spec.env_overrides) env_store.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_store = spec.argv;
  std::vector<char*> argv;
  for (auto& s : argv_store) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  const bool capture = static_cast<bool>(spec.on_output);
  if (capture) {
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
      posix_spawn_file_actions_destroy(&actions);
      return Error(std::string("cannot create pipes: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  }
  int in_pipe[2] = {-1, -1};
  if (spec.input) {
    if (spec.input->size() > 65536) {
      posix_spawn_file_actions_destroy(&actions);
      return Error("internal: more than 64 KiB for a child's stdin");
    }
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
      posix_spawn_file_actions_destroy(&actions);
      return Error(std::string("cannot create pipes: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  }
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());

  // The child starts with no blocked signals and default stop-signal handling, whatever this
  // process has (serve blocks SIGINT/SIGTERM/SIGHUP in every thread to sigwait for them, and
  // a blocked mask is inherited: a compiler would then ignore being told to stop).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (spec.cancel) {
    become_subreaper();
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attr, 0);
  }
  posix_spawnattr_setflags(&attr, flags);

  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, exe->c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (capture) {
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
  }
  if (spec.input) {
    ::close(in_pipe[0]);
    if (rc == 0) {
      // Fits in the pipe's buffer (checked above), so this cannot block on the child.
      const char* p = spec.input->data();
      size_t left = spec.input->size();
      while (left > 0) {
        const ssize_t n = ::write(in_pipe[1], p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // the child closed stdin early: its exit status tells
        p += n;
        left -= static_cast<size_t>(n);
      }
    }
    ::close(in_pipe[1]);
  }
  if (rc != 0) {
    if (capture) {
      ::close(out_pipe[0]);
      ::close(err_pipe[0]);
    }
    return Error("cannot start " + spec.argv[0] + ": " + std::strerror(rc));
  }

  if (capture) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[8192];
    bool killed = false, hard_killed = false;
    std::chrono::steady_clock::time_point killed_at;
    while (open_fds > 0) {
      if (spec.cancel && !killed && spec.cancel->load()) {
        ::kill(-pid, SIGTERM);  // our own child's process group, by its id
        killed = true;
        killed_at = std::chrono::steady_clock::now();
      } else if (killed && !hard_killed && std::chrono::steady_clock::now() - killed_at > kCancelKillAfter) {
        ::kill(-pid, SIGKILL);
        hard_killed = true;
      }
      const int rc_poll = ::poll(fds, 2, spec.cancel ? kCancelPollIntervalMs : -1);
      if (rc_poll < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          spec.on_output(i == 0 ? OutputStream::Stdout : OutputStream::Stderr,
                         std::string_view(buf, static_cast<size_t>(n)));
        } else if (n == 0 || errno != EINTR) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        }
      }
    }
  }

  const bool cancelled = spec.cancel && spec.cancel->load();
  if (cancelled) ::kill(-pid, SIGTERM);  // not captured, or cancelled after the pipes closed
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error(std::string("waitpid: ") + std::strerror(errno));
  }
  if (spec.cancel) reap_group(pid, cancelled);
  ProcessResult r;
  if (WIFSIGNALED(status)) {
    r.signaled = true;
    r.signal = WTERMSIG(status);
    r.exit_code = 128 + r.signal;
  } else {
    r.exit_code = WEXITSTATUS(status);
  }
  return r;
}

std::optional<std::string> capture_output(const std::vector<std::string>& argv) {
  std::string out;
  ProcessSpec spec;
  spec.argv = argv;
  spec.on_output = [&](OutputStream s, std::string_view chunk) {
    if (s == OutputStream::Stdout) out.append(chunk);
  };
  auto r = run_process(spec);
  if (!r || r->signaled || r->exit_code != 0) return std::nullopt;
  return out;
}

Result<Captured> run_captured(const std::vector<std::string>& argv, std::optional<std::string> input) {
  Captured c;
  ProcessSpec spec;
  spec.argv = argv;
  spec.input = std::move(input);
  spec.on_output = [&](OutputStream s, std::string_view chunk) { (s == OutputStream::Stdout ? c.out : c.err).append(chunk); };
  auto r = run_process(spec);
  if (!r) return std::move(r).error();
  c.result = *r;
  return c;
}

uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(limit.rlim_cur);
}

}  // namespace edgectl
