// edgectl bench inside a project (see bench_modes.hpp).
#include "bench_modes.hpp"
#include "bench_output.hpp"
#include "ui/diagnostic.hpp"

namespace edgectl::cli {

void add_project_flags(CLI::App& cmd, ProjectBenchFlags& flags) {
  (void)cmd;
  (void)flags;
}

int run_project_bench(const ProjectBenchFlags&, const BenchCommon& common) {
  return ui::fail(Error("give a URL to load (benchmarking a project without one is not there yet)"), common.json),
         kBenchExitUsage;
}

}  // namespace edgectl::cli
