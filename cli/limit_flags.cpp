#include "limit_flags.hpp"

#include "util/units.hpp"

namespace edgectl::cli {
namespace {

const CLI::Validator kSize(
    [](std::string& text) {
      return parse_byte_size(text) ? std::string() : "not a size (e.g. 64MiB, 512KB, 1048576)";
    },
    "");  // unnamed: the help shows type_name() alone

const CLI::Validator kDuration(
    [](std::string& text) {
      return parse_duration(text) ? std::string() : "not a duration (e.g. 250ms, 5s, 2m)";
    },
    "");

}  // namespace

void LimitFlags::add_to(CLI::App& cmd) {
  const runtime::Limits defaults = runtime::Limits::defaults();
  cmd.add_option("--max-memory", max_memory, "Linear memory cap; memory.grow past it returns -1")
      ->check(kSize)
      ->type_name("SIZE")
      ->default_str(format_byte_size({*defaults.max_memory_bytes}));
  cmd.add_option("--timeout", timeout,
                 "Wall-clock limit for the run (e.g. 500ms, 10s); none by default")
      ->check(kDuration)
      ->type_name("DUR");
  cmd.add_option("--fuel", fuel, "Instruction budget; none by default")->type_name("N");
  cmd.add_option("--max-call-depth", max_call_depth, "Deepest call stack, in frames")
      ->type_name("N")
      ->default_str(std::to_string(*defaults.max_call_depth));
}

runtime::Limits LimitFlags::to_limits(runtime::Limits base) const {
  runtime::Limits limits = std::move(base);
  if (auto size = parse_byte_size(max_memory)) limits.max_memory_bytes = size->bytes;
  if (auto d = parse_duration(timeout)) limits.timeout = *d;
  if (fuel) limits.fuel = *fuel;
  if (max_call_depth) limits.max_call_depth = *max_call_depth;
  return limits;
}

}  // namespace edgectl::cli
