#pragma once
// The resource-limit flags, defined once for every verb that runs guests (run now; serve and
// bench later): --max-memory SIZE, --timeout DUR, --fuel N, --max-call-depth N. Values are
// checked while parsing, so a bad one is a usage error (exit 2) naming the flag.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "runtime/runtime.hpp"

namespace edgectl::cli {

struct LimitFlags {
  std::string max_memory;  // SIZE, e.g. 64MiB; empty: the default
  std::string timeout;     // DUR, e.g. 250ms; empty: none
  std::optional<uint64_t> fuel;
  std::optional<uint32_t> max_call_depth;

  void add_to(CLI::App& cmd);
  // `base` (Limits::defaults() unless a caller has its own, e.g. serve's profile) with the
  // flags given applied (they were validated by add_to's checks).
  runtime::Limits to_limits(runtime::Limits base = runtime::Limits::defaults()) const;
};

}  // namespace edgectl::cli
