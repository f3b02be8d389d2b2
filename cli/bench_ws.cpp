// edgectl bench --ws (see bench_modes.hpp).
#include "bench_modes.hpp"
#include "bench_output.hpp"
#include "ui/diagnostic.hpp"

namespace edgectl::cli {

void add_ws_flags(CLI::App& cmd, WsBenchFlags& flags) {
  (void)cmd;
  (void)flags;
}

int run_ws_bench(const WsBenchFlags&, const BenchCommon& common) {
  return ui::fail(Error("--ws is not there yet"), common.json), kBenchExitUsage;
}

}  // namespace edgectl::cli
