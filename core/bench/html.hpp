#pragma once
// `edgectl bench --html FILE`: a self-contained HTML report of one result, or of two drawn
// together (--compare A.json B.json). One file: inline CSS and inline SVG charts drawn here,
// no scripts and no external references, so it opens offline and can be attached to a CI run.
//
// Per run: a summary table (html/summary.hpp lists its cell ids, e.g. "rps-0", "p99-0"), the
// latency percentile curve, the latency histogram and throughput over time (html/charts.hpp);
// the figures come from the run's histogram and timeline. Strings from the data (labels,
// URLs, the title) are HTML-escaped.
#include <string>
#include <string_view>
#include <vector>

#include "bench/result.hpp"

namespace edgectl::bench {

// With `compare` non-empty, each run is drawn with its counterpart: the compare run with the
// same label, or the only one when both hold one run. "A" (blue) is `runs`, "B" (orange) is
// `compare`, and a legend names them by label. A run with no counterpart is shown alone.
std::string render_html(const std::vector<RunResult>& runs,
                        const std::vector<RunResult>& compare = {},
                        std::string_view title = "edgectl bench");

}  // namespace edgectl::bench
