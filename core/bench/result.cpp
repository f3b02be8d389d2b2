// The "edgectl-bench/v1" JSON document (docs/bench.md): written in a fixed key order, read
// back with errors that name the path of the offending field. check_baseline is in baseline.cpp.
#include "bench/result.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace edgectl::bench {
namespace {

using ordered_json = nlohmann::ordered_json;
using json = nlohmann::json;

constexpr const char* kToolName = "edgectl";
constexpr const char* kHistogramUnit = "ns";
constexpr double kNsPerUs = 1000.0;
constexpr double kUsPerS = 1e6;
// Derived figures are written to 3 decimals (1 ns for latencies): more is noise, and diffs
// of two result files stay readable.
constexpr double kDecimalScale = 1000.0;
// An offending value is quoted in the error up to this many characters.
constexpr size_t kMaxQuotedValue = 60;
// HTTP status codes are three digits.
constexpr int kMinStatus = 100, kMaxStatus = 999;

// The percentiles a run reports, as JSON keys.
struct ReportedPercentile {
  const char* key;
  double percentile;
};
constexpr ReportedPercentile kReportedPercentiles[] = {
    {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}, {"p99.99", 99.99}};

double three_decimals(double x) {
  return std::round(x * kDecimalScale) / kDecimalScale;
}
double ns_to_us(double ns) {
  return std::round(ns) / kNsPerUs;
}
uint64_t us_to_ns(double us) {
  return static_cast<uint64_t>(std::llround(us * kNsPerUs));
}

template <class T>
ordered_json or_null(const std::optional<T>& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json config_to_json(const RunConfig& c) {
  ordered_json j;
  j["url"] = c.url;
  j["method"] = c.method;
  j["connections"] = c.connections;
  j["threads"] = c.threads;
  j["duration_s"] = or_null(c.duration_s);
  j["requests"] = or_null(c.requests);
  j["rate"] = or_null(c.rate);
  j["warmup_s"] = c.warmup_s;
  j["timeout_s"] = c.timeout_s;
  return j;
}

ordered_json latency_to_json(const Histogram& h) {
  ordered_json j;
  j["min"] = ns_to_us(static_cast<double>(h.min()));
  j["mean"] = ns_to_us(h.mean());
  j["stdev"] = ns_to_us(h.stdev());
  j["max"] = ns_to_us(static_cast<double>(h.max()));
  for (const auto& p : kReportedPercentiles) {
    j[p.key] = ns_to_us(static_cast<double>(h.percentile(p.percentile)));
  }
  return j;
}

ordered_json run_to_json(const RunResult& r) {
  ordered_json j;
  j["label"] = r.label;
  j["config"] = config_to_json(r.config);
  j["elapsed_s"] = r.elapsed_s;
  j["requests"] = r.requests;
  j["requests_per_s"] = three_decimals(r.requests_per_s());
  j["bytes"] = r.bytes;
  j["bytes_per_s"] = three_decimals(r.bytes_per_s());
  j["latency_us"] = latency_to_json(r.latency);
  j["corrected"] = r.corrected;
  ordered_json status = ordered_json::object();
  for (const auto& [code, n] : r.status) status[std::to_string(code)] = n;
  j["status"] = std::move(status);
  j["errors"] = {{"connect", r.errors.connect},
                 {"timeout", r.errors.timeout},
                 {"reset", r.errors.reset},
                 {"protocol", r.errors.protocol},
                 {"total", r.errors.total()}};
  j["cpu_s"] = r.cpu_s;
  j["cpu_us_per_request"] =
      r.requests > 0 ? ordered_json(three_decimals(r.cpu_s * kUsPerS / double(r.requests)))
                     : ordered_json(nullptr);
  ordered_json buckets = ordered_json::array();
  for (const auto& [value, n] : r.latency.buckets()) buckets.push_back({value, n});
  j["histogram"] = {{"unit", kHistogramUnit},
                    {"sub_bucket_bits", Histogram::kSubBucketBits},
                    {"buckets", std::move(buckets)}};
  ordered_json timeline = ordered_json::array();
  for (const auto& p : r.timeline) {
    timeline.push_back({{"t", p.t},
                        {"requests", p.requests},
                        {"errors", p.errors},
                        {"p99_us", ns_to_us(static_cast<double>(p.p99_ns))}});
  }
  j["timeline"] = std::move(timeline);
  return j;
}

// Reads the fields of one JSON object. The first problem is kept, with the path of the field
// ("runs[1].config.connections"), and reads after it return defaults: callers read every
// field straight through and check problem() once.
class FieldReader {
 public:
  FieldReader(const json& object, std::string path, std::optional<std::string>& problem)
      : object_(object), path_(std::move(path)), problem_(problem) {
    if (!object_.is_object()) fail(path_, "must be an object", object_);
  }

  FieldReader object(const char* key) {
    const json* v = find(key, &json::is_object, "must be an object");
    return FieldReader(v ? *v : empty_object(), join(key), problem_);
  }
  const json& array(const char* key) {
    const json* v = find(key, &json::is_array, "must be an array");
    return v ? *v : empty_array();
  }
  std::string text(const char* key) {
    const json* v = find(key, &json::is_string, "must be a string");
    return v ? v->get<std::string>() : std::string();
  }
  bool boolean(const char* key) {
    const json* v = find(key, &json::is_boolean, "must be true or false");
    return v && v->get<bool>();
  }
  double number(const char* key) {
    const json* v = find(key, &json::is_number, "must be a number");
    return v ? v->get<double>() : 0;
  }
  uint64_t count(const char* key) {
    const json* v = find(key, &json::is_number, "must be a whole number >= 0");
    return v ? whole_number(*v, join(key)) : 0;
  }
  std::optional<double> number_or_null(const char* key) {
    const json* v = find(key, &json::is_number, "must be a number or null", true);
    return v && !v->is_null() ? std::optional<double>(v->get<double>()) : std::nullopt;
  }
  std::optional<uint64_t> count_or_null(const char* key) {
    const json* v = find(key, &json::is_number, "must be a whole number >= 0 or null", true);
    return v && !v->is_null() ? std::optional<uint64_t>(whole_number(*v, join(key))) : std::nullopt;
  }

  // A whole number >= 0 (JSON has one number type: 3.0 is accepted, 3.5 and -1 are not).
  uint64_t whole_number(const json& v, const std::string& path) {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return v.get<uint64_t>();
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (d >= 0 && d == std::floor(d) && d < std::numeric_limits<uint64_t>::max())
        return static_cast<uint64_t>(d);
    }
    fail(path, "must be a whole number >= 0", v);
    return 0;
  }

  // The object read (an empty one after a problem).
  const json& value() const { return problem_ ? empty_object() : object_; }

  void fail(const std::string& path, const std::string& what, const json& got) {
    if (problem_) return;
    std::string shown = got.dump();
    if (shown.size() > kMaxQuotedValue) shown = shown.substr(0, kMaxQuotedValue) + "...";
    problem_ = path + " " + what + ", got " + shown;
  }
  std::string join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  using TypeCheck = bool (json::*)() const noexcept;

  const json* find(const char* key, TypeCheck is_type, const char* what, bool nullable = false) {
    if (problem_ || !object_.is_object()) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end()) {
      problem_ = join(key) + " is missing";
      return nullptr;
    }
    if ((nullable && it->is_null()) || ((*it).*is_type)()) return &*it;
    fail(join(key), what, *it);
    return nullptr;
  }
  static const json& empty_object() {
    static const json kEmpty = json::object();
    return kEmpty;
  }
  static const json& empty_array() {
    static const json kEmpty = json::array();
    return kEmpty;
  }

  const json& object_;
  std::string path_;
  std::optional<std::string>& problem_;
};

std::string indexed(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

RunConfig config_from_json(FieldReader in) {
  RunConfig c;
  c.url = in.text("url");
  c.method = in.text("method");
  uint64_t connections = in.count("connections"), threads = in.count("threads");
  if (connections > std::numeric_limits<uint32_t>::max())
    in.fail(in.join("connections"), "is too large", connections);
  if (threads > std::numeric_limits<uint32_t>::max())
    in.fail(in.join("threads"), "is too large", threads);
  c.connections = static_cast<uint32_t>(connections);
  c.threads = static_cast<uint32_t>(threads);
  c.duration_s = in.number_or_null("duration_s");
  c.requests = in.count_or_null("requests");
  c.rate = in.number_or_null("rate");
  c.warmup_s = in.number("warmup_s");
  c.timeout_s = in.number("timeout_s");
  return c;
}

// The histogram carries the latencies; latency_us only summarises it, so it is checked for
// shape but not read back (the summary is recomputed from the buckets).
Histogram latency_from_json(FieldReader& run) {
  FieldReader summary = run.object("latency_us");
  for (const char* key : {"min", "mean", "stdev", "max"}) summary.number(key);
  for (const auto& p : kReportedPercentiles) summary.number(p.key);

  FieldReader h = run.object("histogram");
  std::string unit = h.text("unit");
  if (unit != kHistogramUnit) h.fail(h.join("unit"), "must be \"ns\"", unit);
  uint64_t bits = h.count("sub_bucket_bits");
  if (bits != static_cast<uint64_t>(Histogram::kSubBucketBits)) {
    h.fail(h.join("sub_bucket_bits"), "must be " + std::to_string(Histogram::kSubBucketBits), bits);
  }
  std::vector<std::pair<uint64_t, uint64_t>> buckets;
  const json& list = h.array("buckets");
  for (size_t i = 0; i < list.size(); ++i) {
    std::string path = indexed(h.join("buckets"), i);
    const json& b = list[i];
    if (!b.is_array() || b.size() != 2) {
      h.fail(path, "must be a [value, count] pair", b);
      break;
    }
    buckets.emplace_back(h.whole_number(b[0], path + "[0]"), h.whole_number(b[1], path + "[1]"));
  }
  return Histogram::from_buckets(buckets);
}

// Keys are status codes as text ("200"); values are counts.
std::map<int, uint64_t> status_from_json(FieldReader in) {
  std::map<int, uint64_t> status;
  for (const auto& [code_text, n] : in.value().items()) {
    int code = 0;
    const char* end = code_text.data() + code_text.size();
    auto parsed = std::from_chars(code_text.data(), end, code);
    if (parsed.ec != std::errc() || parsed.ptr != end || code < kMinStatus || code > kMaxStatus) {
      in.fail(in.join(code_text),
              "is not an HTTP status code (" + std::to_string(kMinStatus) + " to " +
                  std::to_string(kMaxStatus) + ")",
              code_text);
      break;
    }
    status[code] = in.whole_number(n, in.join(code_text));
  }
  return status;
}

RunResult run_from_json(const json& j, const std::string& path,
                        std::optional<std::string>& problem) {
  FieldReader in(j, path, problem);
  RunResult r;
  r.label = in.text("label");
  r.config = config_from_json(in.object("config"));
  r.elapsed_s = in.number("elapsed_s");
  r.requests = in.count("requests");
  r.bytes = in.count("bytes");
  r.latency = latency_from_json(in);
  r.corrected = in.boolean("corrected");

  r.status = status_from_json(in.object("status"));

  FieldReader errors = in.object("errors");
  r.errors.connect = errors.count("connect");
  r.errors.timeout = errors.count("timeout");
  r.errors.reset = errors.count("reset");
  r.errors.protocol = errors.count("protocol");
  r.cpu_s = in.number("cpu_s");

  const json& timeline = in.array("timeline");
  for (size_t i = 0; i < timeline.size() && !problem; ++i) {
    FieldReader point(timeline[i], indexed(in.join("timeline"), i), problem);
    TimelinePoint p;
    p.t = point.number("t");
    p.requests = point.count("requests");
    p.errors = point.count("errors");
    p.p99_ns = us_to_ns(point.number("p99_us"));
    r.timeline.push_back(p);
  }
  return r;
}

}  // namespace

nlohmann::ordered_json to_json(const std::vector<RunResult>& runs) {
  ordered_json doc;
  doc["schema"] = kSchema;
  doc["tool"] = {{"name", kToolName}, {"version", EDGECTL_VERSION}};
  ordered_json list = ordered_json::array();
  for (const auto& r : runs) list.push_back(run_to_json(r));
  doc["runs"] = std::move(list);
  return doc;
}

Result<std::vector<RunResult>> from_json(const nlohmann::json& document) {
  const std::string expected = std::string("\"") + kSchema + "\"";
  if (!document.is_object() || !document.contains("schema")) {
    return Error(
        "not an edgectl bench result: no \"schema\" field (expected \"schema\": " + expected + ")");
  }
  const json& schema = document.at("schema");
  if (!schema.is_string() || schema.get<std::string>() != kSchema) {
    return Error("unsupported bench result schema " + schema.dump() + ": this edgectl reads " +
                 expected);
  }
  std::optional<std::string> problem;
  FieldReader doc(document, "", problem);
  const json& list = doc.array("runs");
  std::vector<RunResult> runs;
  for (size_t i = 0; i < list.size() && !problem; ++i) {
    runs.push_back(run_from_json(list[i], indexed("runs", i), problem));
  }
  if (problem) return Error("invalid bench result: " + *problem);
  return runs;
}

}  // namespace edgectl::bench
