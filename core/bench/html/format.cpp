#include "bench/html/format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace edgectl::bench::html {
namespace {

constexpr double kNsPerMs = 1e6;
// Three significant digits: the histogram knows a value to within 1/128 (0.8%), so a
// fourth digit would be noise.
constexpr int kMsSignificantDigits = 3;
constexpr int kMsMaxDecimals = 4;  // below 0.01 ms, four decimals still show the value
constexpr int kDigitsPerGroup = 3;
constexpr int kChangeDecimals = 1;
constexpr double kPercent = 100;

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_grouped(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(value));
  std::string digits = buf;
  size_t point = digits.find('.');
  size_t integer_end = point == std::string::npos ? digits.size() : point;
  std::string out;
  for (size_t i = 0; i < integer_end; ++i) {
    if (i > 0 && (integer_end - i) % kDigitsPerGroup == 0) out += ',';
    out += digits[i];
  }
  out += digits.substr(integer_end);
  // "-0.0" would claim a sign the rounded value does not have.
  bool is_zero = out.find_first_not_of("0.,") == std::string::npos;
  return value < 0 && !is_zero ? "-" + out : out;
}

std::string format_count(uint64_t n) {
  return format_grouped(static_cast<double>(n), 0);
}

std::string format_rate(double per_second) {
  return format_grouped(per_second, 1);
}

std::string format_ms(double ns) {
  double ms = ns / kNsPerMs;
  int decimals = kMsMaxDecimals;
  if (ms > 0) {
    int magnitude = static_cast<int>(std::floor(std::log10(ms)));
    decimals = std::clamp(kMsSignificantDigits - 1 - magnitude, 0, kMsMaxDecimals);
  }
  return format_grouped(ms, decimals);
}

std::string format_change(double a, double b) {
  if (a == 0) return "";
  double change = (b - a) / a * kPercent;
  std::string text = format_grouped(change, kChangeDecimals);
  return (text[0] == '-' ? "" : "+") + text + "%";
}

}  // namespace edgectl::bench::html
