#pragma once
// How the HTML report writes text and numbers. Each form is fixed and documented here so
// that tests and scripts (tests/integration/bench_html.sh) can reproduce what the page shows.
#include <cstdint>
#include <string>
#include <string_view>

namespace edgectl::bench::html {

// Text for HTML and SVG content and attribute values: & < > " ' become entities.
std::string escape(std::string_view text);

// A fixed number of decimals with "," between groups of three digits: (1234567.891, 1) ->
// "1,234,567.9" (printf's rounding; Python's f"{x:,.1f}" gives the same).
std::string format_grouped(double value, int decimals);

// A count: "250,000".
std::string format_count(uint64_t n);

// A rate per second, one decimal: "25,000.0".
std::string format_rate(double per_second);

// Nanoseconds as milliseconds to three significant digits, with 0 to 4 decimals:
// "0.0123", "0.123", "3.00", "45.6", "123", "1,234". Decimals = 2 - floor(log10(ms)),
// clamped to [0, 4]; 0 ns is "0.0000".
std::string format_ms(double ns);

// The relative change from a to b: "+3.2%", "-15.0%"; empty when a is 0.
std::string format_change(double a, double b);

}  // namespace edgectl::bench::html
