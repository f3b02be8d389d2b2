#include "serve_banner.hpp"

#include <cstdio>

namespace edgectl::cli {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

template <class Rep, class Period>
int64_t ms(std::chrono::duration<Rep, Period> d) {
  return duration_cast<milliseconds>(d).count();
}

template <class T>
nlohmann::json or_null(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json limits_json(const http::ServeLimits& l) {
  return {{"max_header_bytes", l.server.max_header_bytes},
          {"max_body_bytes", l.server.max_body_bytes},
          {"header_timeout_ms", ms(l.server.header_timeout)},
          {"idle_timeout_ms", ms(l.server.idle_timeout)},
          {"max_concurrent", l.server.max_concurrent_per_component},
          {"queue_wait_ms", ms(l.server.queue_wait)},
          {"websocket",
           {{"max_message_bytes", l.websocket.max_message_bytes},
            {"max_send_queue_bytes", l.websocket.max_send_queue_bytes},
            {"ping_interval_ms", ms(l.websocket.ping_interval)},
            {"pong_timeout_ms", ms(l.websocket.pong_timeout)},
            {"idle_timeout_ms", ms(l.websocket.idle_timeout)},
            {"max_connections", l.websocket.max_connections}}}};
}

nlohmann::json profile_json(const http::PlatformProfile* p) {
  if (!p) return nullptr;
  return {{"name", manifest::to_string(p->platform)},
          {"platform", p->title},
          {"plan", p->plan},
          {"source", p->source},
          {"request_time_ms", ms(p->request_time)},
          {"time_is_cpu", p->time_is_cpu},
          {"max_memory_bytes", p->max_memory_bytes},
          {"max_header_bytes", p->max_header_bytes},
          {"max_body_bytes", or_null(p->max_body_bytes)},
          {"max_module_gzip_bytes", p->max_module_gzip_bytes}};
}

}  // namespace

Banner make_banner(const http::App& app, const http::ServeLimits& limits) {
  Banner b;
  b.limits = limits;
  b.routes = app.routes;
  b.components = nlohmann::json::array();
  for (const auto& c : app.components) {
    b.engines[c.id] = std::string(c.module->engine());
    // The limits each guest runs under: its own (capped by the profile) over the defaults.
    std::optional<int64_t> timeout_ms;
    if (c.limits.timeout) timeout_ms = ms(*c.limits.timeout);
    b.components.push_back({{"id", c.id},
                            {"engine", b.engines[c.id]},
                            {"timeout_ms", or_null(timeout_ms)},
                            {"max_memory_bytes", or_null(c.limits.max_memory_bytes)},
                            {"max_concurrent", c.max_concurrent.value_or(
                                                   limits.server.max_concurrent_per_component)}});
  }
  return b;
}

void print_banner(const Banner& b, bool json) {
  auto engine = [&](const std::string& id) {
    auto it = b.engines.find(id);
    return it == b.engines.end() ? std::string() : it->second;
  };
  if (json) {
    nlohmann::json j = {{"event", "listening"}, {"url", b.url}, {"app", b.title}};
    j["profile"] = profile_json(b.limits.profile);
    j["limits"] = limits_json(b.limits);
    j["components"] = b.components;
    for (const auto& r : b.routes)
      j["routes"].push_back({{"route", r.route},
                             {"component", r.component},
                             {"static", r.static_dir},
                             {"engine", r.component.empty() ? "" : engine(r.component)}});
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("Serving %s on %s\n", b.title.c_str(), b.url.c_str());
    if (b.limits.profile) std::printf("  profile %s\n", http::describe(*b.limits.profile).c_str());
    for (const auto& r : b.routes) {
      if (!r.static_dir.empty())
        std::printf("  %-24s static %s\n", r.route.c_str(), r.static_dir.c_str());
      else
        std::printf("  %-24s %s (%s)%s\n", r.route.c_str(), r.component.c_str(),
                    engine(r.component).c_str(), r.websocket ? " websocket" : "");
    }
    std::printf("  %-24s health\n  %-24s metrics\n", b.health_path.c_str(), b.metrics_path.c_str());
  }
  std::fflush(stdout);
}

}  // namespace edgectl::cli
