#include "util/units.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace edgectl {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "1.5MiB" into 1.5 and "mib". Rejects signs, exponents and empty numbers.
bool split_number(std::string_view text, long double& number, std::string& suffix) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  size_t i = 0;
  bool digits = false, dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else if (c == '_') {
      continue;
    } else {
      break;
    }
  }
  if (!digits) return false;
  std::string num;
  for (char c : text.substr(0, i))
    if (c != '_') num.push_back(c);
  number = std::strtold(num.c_str(), nullptr);
  std::string_view rest = text.substr(i);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  suffix = lower(rest);
  return std::isfinite(static_cast<double>(number));
}

}  // namespace

std::optional<ByteSize> parse_byte_size(std::string_view text) {
  long double n;
  std::string suffix;
  if (!split_number(text, n, suffix)) return std::nullopt;
  long double mult;
  if (suffix.empty() || suffix == "b") mult = 1;
  else if (suffix == "kb" || suffix == "k") mult = 1e3;
  else if (suffix == "mb" || suffix == "m") mult = 1e6;
  else if (suffix == "gb" || suffix == "g") mult = 1e9;
  else if (suffix == "kib") mult = 1024.0L;
  else if (suffix == "mib") mult = 1024.0L * 1024;
  else if (suffix == "gib") mult = 1024.0L * 1024 * 1024;
  else return std::nullopt;
  long double v = n * mult;
  if (v > 1.8e19L || v != std::floor(v)) return std::nullopt;
  return ByteSize{static_cast<uint64_t>(v)};
}

std::optional<Duration> parse_duration(std::string_view text) {
  long double n;
  std::string suffix;
  if (!split_number(text, n, suffix)) return std::nullopt;
  long double ns_per;
  if (suffix.empty() || suffix == "s") ns_per = 1e9;
  else if (suffix == "ns") ns_per = 1;
  else if (suffix == "us" || suffix == "µs") ns_per = 1e3;
  else if (suffix == "ms") ns_per = 1e6;
  else if (suffix == "m" || suffix == "min") ns_per = 60e9;
  else if (suffix == "h") ns_per = 3600e9;
  else return std::nullopt;
  long double v = n * ns_per;
  if (v > 9.2e18L) return std::nullopt;
  return Duration(static_cast<int64_t>(std::llround(static_cast<double>(v))));
}

std::string format_byte_size(ByteSize size) {
  constexpr std::array<std::pair<uint64_t, const char*>, 3> kUnits{
      {{1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}}};
  for (auto [unit, name] : kUnits)
    if (size.bytes >= unit && size.bytes % unit == 0) return std::to_string(size.bytes / unit) + name;
  return std::to_string(size.bytes);
}

std::string format_duration(Duration d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  if (ns % 1000000000 == 0) return std::to_string(ns / 1000000000) + "s";
  if (ns % 1000000 == 0) return std::to_string(ns / 1000000) + "ms";
  if (ns % 1000 == 0) return std::to_string(ns / 1000) + "us";
  return std::to_string(ns) + "ns";
}

std::string human_bytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < 1024ull * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  } else if (bytes < 1024ull * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / (1024.0 * 1024));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
  }
  return buf;
}

std::string human_duration(Duration d) {
  double ns = static_cast<double>(d.count());
  char buf[32];
  if (ns < 1e3) std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  else if (ns < 1e6) std::snprintf(buf, sizeof buf, "%.1f us", ns / 1e3);
  else if (ns < 1e9) std::snprintf(buf, sizeof buf, "%.1f ms", ns / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2f s", ns / 1e9);
  return buf;
}

}  // namespace edgectl
