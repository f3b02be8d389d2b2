// The `ws` object of an edgectl-bench/v1 document (see ws_result.hpp, docs/bench.md).
#include "bench/ws_result.hpp"

#include <cmath>

namespace edgectl::bench {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr const char* kHistogramUnit = "ns";
constexpr double kNsPerUs = 1000.0;
// Seconds are written to 3 decimals: more is noise.
constexpr double kDecimalScale = 1000.0;

struct ReportedPercentile {
  const char* key;
  double percentile;
};
constexpr ReportedPercentile kReportedPercentiles[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}};

double ns_to_us(double ns) {
  return std::round(ns) / kNsPerUs;
}
double three_decimals(double x) {
  return std::round(x * kDecimalScale) / kDecimalScale;
}

// Summary figures in µs, as RunResult's latency_us.
ordered_json summary_to_json(const Histogram& h) {
  ordered_json j;
  j["count"] = h.count();
  j["min"] = ns_to_us(static_cast<double>(h.min()));
  j["mean"] = ns_to_us(h.mean());
  for (const auto& p : kReportedPercentiles)
    j[p.key] = ns_to_us(static_cast<double>(h.percentile(p.percentile)));
  j["max"] = ns_to_us(static_cast<double>(h.max()));
  return j;
}

// The buckets, as RunResult's histogram.
ordered_json histogram_to_json(const Histogram& h) {
  ordered_json buckets = ordered_json::array();
  for (const auto& [value, n] : h.buckets()) buckets.push_back({value, n});
  return {{"unit", kHistogramUnit},
          {"sub_bucket_bits", Histogram::kSubBucketBits},
          {"buckets", std::move(buckets)}};
}

ordered_json by_code(const std::map<int, uint64_t>& counts) {
  ordered_json j = ordered_json::object();
  for (const auto& [code, n] : counts) j[std::to_string(code)] = n;
  return j;
}

}  // namespace

uint64_t WsOpenFailures::total() const {
  uint64_t n = connect + timeout + reset + protocol;
  for (const auto& [code, count] : status) n += count;
  return n;
}

uint64_t WsDrops::total() const {
  uint64_t n = eof + reset + protocol;
  for (const auto& [code, count] : close) n += count;
  return n;
}

ordered_json to_json(const WsResult& r) {
  ordered_json j;
  j["url"] = r.url;
  j["connections"] = r.connections;
  j["threads"] = r.threads;
  j["hold_s"] = three_decimals(r.hold_s);
  j["rate"] = r.rate ? ordered_json(*r.rate) : ordered_json(nullptr);
  j["message"] = r.rate ? ordered_json(r.message) : ordered_json(nullptr);
  j["opened"] = r.opened;
  j["open_s"] = three_decimals(r.open_s);
  j["held_s"] = three_decimals(r.held_s);
  j["failed"] = {{"connect", r.failed.connect},
                 {"timeout", r.failed.timeout},
                 {"reset", r.failed.reset},
                 {"protocol", r.failed.protocol},
                 {"status", by_code(r.failed.status)},
                 {"total", r.failed.total()}};
  j["dropped"] = {{"close", by_code(r.dropped.close)},
                  {"eof", r.dropped.eof},
                  {"reset", r.dropped.reset},
                  {"protocol", r.dropped.protocol},
                  {"total", r.dropped.total()}};
  j["connect_us"] = summary_to_json(r.connect);
  j["connect_histogram"] = histogram_to_json(r.connect);
  j["messages_sent"] = r.messages_sent;
  j["messages_received"] = r.messages_received;
  j["round_trip_us"] = summary_to_json(r.round_trip);
  j["round_trip_histogram"] = histogram_to_json(r.round_trip);
  return j;
}

}  // namespace edgectl::bench
