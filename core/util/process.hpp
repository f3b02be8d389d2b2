#pragma once
// Running other programs (toolchains): argv only, never a shell unless asked for, with the
// child's output streamed to a callback as it comes.
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace edgectl {

enum class OutputStream { Stdout, Stderr };

struct ProcessSpec {
  std::vector<std::string> argv;                   // argv[0] is looked up in PATH
  std::filesystem::path cwd;                       // empty: inherit
  std::map<std::string, std::string> env_overrides;  // set on top of the inherited environment
  // Receives output chunks as they arrive; empty: the child inherits our stdout/stderr.
  std::function<void(OutputStream, std::string_view)> on_output;
  // Set to true from any thread to stop the child and everything it started (SIGTERM to its
  // process group, SIGKILL half a second later; the result says signaled). Checked every
  // kCancelPollInterval while output is captured (on_output set). With a cancel flag the
  // child runs in a process group of its own, reaped whole before run_process returns
  // (this process becomes a child subreaper for that). Every child starts with no signal
  // blocked, whatever the calling thread blocks.
  const std::atomic<bool>* cancel = nullptr;
  // Written to the child's stdin, which is then closed (credential helpers read a line).
  // At most a pipe's buffer (64 KiB); nullopt: stdin is inherited.
  std::optional<std::string> input;
};

struct ProcessResult {
  int exit_code = 0;        // valid when !signaled
  bool signaled = false;
  int signal = 0;
};

// Runs to completion. Fails (Error) only when the program cannot be started.
Result<ProcessResult> run_process(const ProcessSpec& spec);

// Runs and captures stdout (stderr discarded); nullopt if it cannot start or exits non-zero.
std::optional<std::string> capture_output(const std::vector<std::string>& argv);

struct Captured {
  ProcessResult result;
  std::string out, err;
};
// Runs with `input` on stdin and captures both streams. Error: it cannot start.
Result<Captured> run_captured(const std::vector<std::string>& argv, std::optional<std::string> input = std::nullopt);

// The full path of `name` in PATH (or `name` itself if it contains a '/' and is executable).
std::optional<std::filesystem::path> find_program(std::string_view name);

// Raises this process's open-file soft limit to its hard limit (servers and load generators
// hold a descriptor per connection; the soft limit is often 1024). Returns the limit now in
// force; UINT64_MAX when unlimited.
uint64_t raise_open_file_limit();

// "sh -c" for manifest `command` strings, which users write as shell lines.
std::vector<std::string> shell_command(const std::string& line);

}  // namespace edgectl
