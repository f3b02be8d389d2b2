#pragma once
// Output shared by the modes of `edgectl bench`: the summary table, reading and writing
// result documents and reports, and the end of a run (the baseline gate, --json, --html,
// the exit code).
#include <string>
#include <vector>

#include "bench/result.hpp"
#include "bench_modes.hpp"
#include "util/error.hpp"

namespace edgectl::cli {

inline constexpr int kBenchExitOk = 0;
inline constexpr int kBenchExitError = 1;  // nothing answered, or the baseline gate failed
inline constexpr int kBenchExitUsage = 2;

std::string format_ms(uint64_t ns);                        // "2.31"
std::string format_thousands(double v, int decimals = 0);  // "25,000.0"
void print_summary(const bench::RunResult& r);

Result<std::vector<bench::RunResult>> read_bench_document(const std::string& path);
Status write_bench_html(const std::string& path, const std::vector<bench::RunResult>& runs,
                        const std::vector<bench::RunResult>& compare);

// Prints the runs (a summary each, or the JSON document), applies the baseline gate, writes
// the report, and returns the exit code: 1 when a run got no response at all or the gate failed.
// `extra`'s keys (a mode's own figures, e.g. "cold_start") are added to the JSON document.
int finish_bench(const std::vector<bench::RunResult>& runs, const BenchCommon& common,
                 const std::string& baseline_path, const nlohmann::ordered_json& extra = {});

}  // namespace edgectl::cli
