// The Beast server (see server.hpp). The only translation unit that includes Beast.
//   - One acceptor on the I/O threads; a Session per connection reads one request at a time
//     (HTTP/1.1 keep-alive), with the header and body limits enforced by Beast's parser.
//   - A component request goes to the worker pool (guests block their thread); the response
//     is written back on the connection's executor. Static files, health and metrics are
//     answered on the I/O thread.
//   - Per component, a counter of running instances: over the limit, 503 with Retry-After.
//   - Metrics are counters and histograms under one mutex, rendered as Prometheus text.
//   - A WebSocket upgrade on a websocket route hands the socket to a WsConnection
//     (detail/ws_connection.hpp); a WsSessionHandler runs the guest per event (open,
//     message, close) on the worker pool. One ticker for all connections sends pings and
//     enforces the heartbeat and idle timeouts.
#include "http/server.hpp"

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "http/detail/ws_connection.hpp"
#include "http/static_files.hpp"
#include "util/process.hpp"

namespace edgectl::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Latency histogram buckets, seconds (Prometheus convention: cumulative, +Inf last).
constexpr std::array<double, 12> kLatencyBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01,   0.025,   0.05,   0.1,   0.5,    2.5};
constexpr int kRetryAfterSeconds = 1;
// While a component is at its concurrency limit, a request looks for a free slot this often.
constexpr std::chrono::milliseconds kQueueRetry{2};
// The WebSocket ticker runs this often at most and at least (the heartbeat's resolution).
constexpr std::chrono::milliseconds kMinTick{10}, kMaxTick{1'000};
// A WebSocket event waits at least this long for a free instance before its connection is
// closed with 1013: its client is already connected and waiting (a burst of thousands of
// connections opening must not be cut at the HTTP queue_wait of 100 ms).
constexpr std::chrono::milliseconds kWsEventQueueWait{5'000};
// A component whose requests take less than this on average runs on the I/O threads.
constexpr uint32_t kInlineGuestMaxUs = 500;
// WebSocket connections are spread over this many groups, a strand each (see WsGroup).
constexpr size_t kWsGroups = 16;
static_assert(kWsGroups <= 256, "WsSession keeps its group in a byte");

struct Histogram {
  std::array<uint64_t, kLatencyBuckets.size()> buckets{};
  uint64_t count = 0;
  double sum = 0;
  void observe(double seconds) {
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i)
      if (seconds <= kLatencyBuckets[i]) ++buckets[i];
    ++count;
    sum += seconds;
  }
};

std::string label(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

struct ComponentSlot {
  Component component;
  std::atomic<size_t> running{0};
  // Moving average of instantiate + run time, µs (1/8 weight per request).
  std::atomic<uint32_t> average_us{0};

  void observe_guest_time(std::chrono::nanoseconds t) {
    const auto us = static_cast<uint32_t>(std::min<int64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(t).count(), UINT32_MAX / 8));
    const uint32_t before = average_us.load(std::memory_order_relaxed);
    average_us.store(before - before / 8 + us / 8, std::memory_order_relaxed);  // racy updates are fine
  }
  // Quick enough to run on an I/O thread (see Session::dispatch).
  bool quick() const { return average_us.load(std::memory_order_relaxed) < kInlineGuestMaxUs; }
};

// What is being served: replaced as a whole by reload(). A request holds the state it
// started with, so in-flight requests finish on the old modules.
struct AppState {
  explicit AppState(App app) : router(std::move(app.routes)) {
    for (auto& c : app.components) {
      auto slot = std::make_unique<ComponentSlot>();
      slot->component = std::move(c);
      by_id[slot->component.id] = slot.get();
      slots.push_back(std::move(slot));
    }
  }
  Router router;
  std::vector<std::unique_ptr<ComponentSlot>> slots;
  std::map<std::string, ComponentSlot*, std::less<>> by_id;
};

class Metrics {
 public:
  void request(const std::string& route, const std::string& component, int status, double seconds) {
    std::lock_guard lock(mutex_);
    ++requests_[{route, component, status}];
    latency_[route].observe(seconds);
  }
  void execution(const std::string& component, const Execution& e) {
    std::lock_guard lock(mutex_);
    instantiate_[component].observe(std::chrono::duration<double>(e.instantiate_time).count());
    if (e.trapped && !e.timed_out) ++traps_[component];
    if (e.timed_out) ++timeouts_[component];
    if (!e.engine.empty()) engines_[component] = e.engine;
  }
  void limit_hit(std::string_view which) {
    std::lock_guard lock(mutex_);
    ++limits_[std::string(which)];
  }
  void ws_message(bool in) { (in ? ws_in_ : ws_out_)++; }
  void ws_closed(uint16_t code) {
    std::lock_guard lock(mutex_);
    ++ws_closes_[code];
  }
  std::string render(const std::vector<std::unique_ptr<ComponentSlot>>& slots, size_t ws_open) {
    std::lock_guard lock(mutex_);
    std::string o;
    o += "# HELP edgectl_requests_total HTTP requests by route, component and status.\n";
    o += "# TYPE edgectl_requests_total counter\n";
    for (const auto& [k, v] : requests_)
      o += "edgectl_requests_total{route=\"" + label(std::get<0>(k)) + "\",component=\"" +
           label(std::get<1>(k)) + "\",status=\"" + std::to_string(std::get<2>(k)) + "\"} " +
           std::to_string(v) + "\n";
    auto histogram = [&](const std::string& name, const std::string& help, const std::string& key,
                         const std::map<std::string, Histogram>& hs) {
      o += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
      for (const auto& [k, h] : hs) {
        for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
          char le[32];
          std::snprintf(le, sizeof le, "%g", kLatencyBuckets[i]);
          o += name + "_bucket{" + key + "=\"" + label(k) + "\",le=\"" + le + "\"} " +
               std::to_string(h.buckets[i]) + "\n";
        }
        o += name + "_bucket{" + key + "=\"" + label(k) + "\",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
        o += name + "_sum{" + key + "=\"" + label(k) + "\"} " + std::to_string(h.sum) + "\n";
        o += name + "_count{" + key + "=\"" + label(k) + "\"} " + std::to_string(h.count) + "\n";
      }
    };
    histogram("edgectl_request_duration_seconds", "Time from request read to response written.",
              "route", latency_);
    histogram("edgectl_instantiate_duration_seconds", "Guest instantiation time.", "component",
              instantiate_);
    o += "# HELP edgectl_instances_running Guest instances running now.\n";
    o += "# TYPE edgectl_instances_running gauge\n";
    for (const auto& s : slots)
      o += "edgectl_instances_running{component=\"" + label(s->component.id) + "\"} " +
           std::to_string(s->running.load()) + "\n";
    o += "# HELP edgectl_traps_total Guest traps (other than timeouts).\n# TYPE edgectl_traps_total counter\n";
    for (const auto& s : slots)
      o += "edgectl_traps_total{component=\"" + label(s->component.id) + "\"} " +
           std::to_string(traps_[s->component.id]) + "\n";
    o += "# HELP edgectl_timeouts_total Guests stopped at their time limit.\n# TYPE edgectl_timeouts_total counter\n";
    for (const auto& s : slots)
      o += "edgectl_timeouts_total{component=\"" + label(s->component.id) + "\"} " +
           std::to_string(timeouts_[s->component.id]) + "\n";
    o += "# HELP edgectl_limit_hits_total Requests refused by a server limit.\n# TYPE edgectl_limit_hits_total counter\n";
    for (const auto& [k, v] : limits_)
      o += "edgectl_limit_hits_total{limit=\"" + label(k) + "\"} " + std::to_string(v) + "\n";
    o += "# HELP edgectl_aot_compile_failures_total Native compiles that failed: the component runs on the interpreter (see the server log for why).\n";
    o += "# TYPE edgectl_aot_compile_failures_total counter\n";
    for (const auto& s : slots) {
      auto& failed = aot_failures_[s->component.id];
      if (!s->component.module->native_failure().empty()) failed.insert(s->component.module->sha256());
      o += "edgectl_aot_compile_failures_total{component=\"" + label(s->component.id) + "\"} " +
           std::to_string(failed.size()) + "\n";
    }
    o += "# HELP edgectl_component_engine The engine a component's last instance ran on.\n# TYPE edgectl_component_engine gauge\n";
    for (const auto& s : slots) {
      auto it = engines_.find(s->component.id);
      const std::string engine = it != engines_.end() ? it->second : std::string(s->component.module->engine());
      o += "edgectl_component_engine{component=\"" + label(s->component.id) + "\",engine=\"" +
           label(engine) + "\"} 1\n";
    }
    o += "# HELP edgectl_websocket_connections Open WebSocket connections.\n";
    o += "# TYPE edgectl_websocket_connections gauge\n";
    o += "edgectl_websocket_connections " + std::to_string(ws_open) + "\n";
    o += "# HELP edgectl_websocket_messages_total WebSocket messages received (in) and sent (out).\n";
    o += "# TYPE edgectl_websocket_messages_total counter\n";
    o += "edgectl_websocket_messages_total{direction=\"in\"} " + std::to_string(ws_in_.load()) + "\n";
    o += "edgectl_websocket_messages_total{direction=\"out\"} " + std::to_string(ws_out_.load()) + "\n";
    o += "# HELP edgectl_websocket_closes_total WebSocket closing handshakes by close code (sent by the server or the client; 1006: dropped without one).\n";
    o += "# TYPE edgectl_websocket_closes_total counter\n";
    for (const auto& [code, n] : ws_closes_)
      o += "edgectl_websocket_closes_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
    o += "# HELP process_resident_memory_bytes Resident memory of the server process.\n";
    o += "# TYPE process_resident_memory_bytes gauge\n";
    o += "process_resident_memory_bytes " + std::to_string(resident_bytes()) + "\n";
    return o;
  }

 private:
  std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_, instantiate_;
  std::map<std::string, uint64_t> traps_, timeouts_, limits_;
  std::map<std::string, std::string> engines_;
  // Per component, the modules (by sha256) whose native compile failed: a reload of the
  // same module counts once, a new failing version once more.
  std::map<std::string, std::set<std::string>> aot_failures_;
  std::map<uint16_t, uint64_t> ws_closes_;
  std::atomic<uint64_t> ws_in_{0}, ws_out_{0};
};

class ServerImpl;

// What the handler produces for a request, with the log's fields.
struct Answer {
  std::string id, method, path;  // for the log
  Response response;
  std::string route, component, engine, failure, guest_stderr;
  std::string module_sha256;  // of the component's module (a reload changes it)
  bool canary = false;  // the route's canary component served it
  bool websocket = false;  // a websocket route: only upgrades are served
  uint16_t ws_close = 0;     // a WebSocket close event: the close code, and why the server closed
  std::string ws_close_why;
  double instantiate_us = 0, guest_us = 0;
};

// A request routed to a component, on its way to a worker.
struct Pending {
  std::shared_ptr<const AppState> state;  // keeps `slot` alive across a reload
  ComponentSlot* slot = nullptr;
  RouteMatch match;
  Request request;
  Answer answer;
  bool keep_alive = false, head = false;
  Clock::time_point started;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerImpl& server)
      : stream_(std::move(socket)), server_(server), timer_(stream_.get_executor()) {}
  void start() { read(); }

 private:
  void read();
  void on_read(beast::error_code ec);
  void dispatch(std::shared_ptr<Pending> pending);
  void upgrade(std::shared_ptr<Pending> pending);
  void reply(Answer answer, bool keep_alive, bool head, Clock::time_point started);
  void refuse(int status, std::string_view why);
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  ServerImpl& server_;
  bool first_ = true;
  std::shared_ptr<bhttp::response<bhttp::string_body>> out_;
  net::steady_timer timer_;  // waiting for a free instance slot
  std::string remote_addr_, local_addr_;  // the connection's endpoints
  uint16_t remote_port_ = 0, local_port_ = 0;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(App app, ServerOptions options)
      : options_(std::move(options)),
        state_(std::make_shared<const AppState>(std::move(app))),
        acceptor_(ioc_),
        ticker_(ioc_),
        workers_(options_.worker_threads ? options_.worker_threads
                                         : 2 * std::max(1u, std::thread::hardware_concurrency())) {
    for (size_t i = 0; i < kWsGroups; ++i) ws_groups_.push_back(std::make_unique<WsGroup>(ioc_));
  }
  ~ServerImpl() override {
    stop(std::chrono::milliseconds(0));
    wait();
  }

  Status listen() {
    // Every connection is a descriptor: take the open-file limit the system allows (the
    // soft limit is often 1024, far below WebSocketLimits::max_connections).
    raise_open_file_limit();
    beast::error_code ec;
    auto address = net::ip::make_address(options_.host, ec);
    if (ec) return Error("cannot listen on '" + options_.host + "': not an IP address");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return Error("cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
                   ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept();
    tick();
    // Keeps the I/O threads running while a guest works and nothing else is pending (after
    // stop() closed the acceptor, a response may still have to be written).
    work_.emplace(net::make_work_guard(ioc_));
    const size_t n = options_.io_threads ? options_.io_threads : std::max(1u, std::thread::hardware_concurrency()) + 1;
    inline_free_ = static_cast<int>(n) - 1;
    for (size_t i = 0; i < n; ++i)
      io_threads_.emplace_back([this] {
        // A handler that throws (out of memory, a library bug) costs its connection, not the
        // thread: run() is entered again.
        for (;;) {
          try {
            ioc_.run();
            return;
          } catch (const std::exception& e) {
            if (options_.on_log) options_.on_log(std::string("internal error: ") + e.what());
          }
        }
      });
    return {};
  }

  uint16_t port() const override { return port_; }
  runtime::host::WebSocketHooks websocket_hooks() override;  // after WsSession, below

  void reload(App app) override {
    auto next = std::make_shared<const AppState>(std::move(app));
    std::lock_guard lock(state_mutex_);
    state_ = std::move(next);
  }
  std::shared_ptr<const AppState> state() const {
    std::lock_guard lock(state_mutex_);
    return state_;
  }

  void stop(std::chrono::milliseconds grace) override {
    std::call_once(stopped_, [&] {
      net::post(ioc_, [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
      });
      // WebSocket clients are told (1001) and their close events run, within the grace.
      for (auto& conn : ws_connections()) conn->close(ws::kCloseGoingAway, "server stopping");
      const auto deadline = Clock::now() + grace;
      while ((in_flight_.load() > 0 || ws_open_.load() > 0) && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      work_.reset();
      ioc_.stop();
      for (auto& t : io_threads_) t.join();
      workers_.join();
      done_ = true;
    });
  }
  void wait() override {
    while (!done_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  const ServerOptions& options() const { return options_; }
  net::thread_pool& workers() { return workers_; }
  std::atomic<int>& in_flight() { return in_flight_; }
  Metrics& metrics() { return metrics_; }
  std::atomic<size_t>& ws_open() { return ws_open_; }
  bool enter_inline() {
    if (inline_free_.fetch_sub(1) > 0) return true;
    inline_free_.fetch_add(1);
    return false;
  }
  void leave_inline() { inline_free_.fetch_add(1); }

  // Takes over an upgraded connection (see WsSession below).
  void open_websocket(tcp::socket socket, std::shared_ptr<Pending> pending, std::string handshake,
                      std::string leftover);
  void forget_websocket(size_t group, const std::string& id) {
    std::lock_guard lock(ws_groups_[group]->mutex);
    ws_groups_[group]->connections.erase(id);
  }
  // The connections open now (of one group, or all).
  std::vector<std::shared_ptr<detail::WsConnection>> ws_connections(std::optional<size_t> group = {}) {
    std::vector<std::shared_ptr<detail::WsConnection>> out;
    for (size_t g = 0; g < ws_groups_.size(); ++g) {
      if (group && g != *group) continue;
      std::lock_guard lock(ws_groups_[g]->mutex);
      out.reserve(out.size() + ws_groups_[g]->connections.size());
      for (const auto& [id, conn] : ws_groups_[g]->connections)
        if (auto alive = conn->weak_from_this().lock()) out.push_back(std::move(alive));
    }
    return out;
  }

  // Everything but the component call: answered here. For a component, `slot` is set and
  // the caller runs it on the worker pool.
  Answer handle(const AppState& state, const Request& request, ComponentSlot** slot, RouteMatch* match);

  void log(const Answer& a, int status, size_t bytes, double total_us) {
    if (!options_.on_log) return;
    const std::string& id = a.id;
    const std::string& path = a.path;
    if (options_.json_log) {
      nlohmann::json j = {{"time", std::time(nullptr)}, {"request_id", id},  {"method", a.method},
                          {"path", path},               {"route", a.route},    {"component", a.component},
                          {"status", status},           {"bytes", bytes},      {"total_us", total_us},
                          {"instantiate_us", a.instantiate_us}, {"guest_us", a.guest_us},
                          {"engine", a.engine}};
      if (!a.module_sha256.empty()) j["module_sha256"] = a.module_sha256;
      if (!a.failure.empty()) j["error"] = a.failure;
      if (a.canary) j["canary"] = true;
      if (a.ws_close) j["ws_close"] = a.ws_close;
      if (!a.ws_close_why.empty()) j["ws_close_reason"] = a.ws_close_why;
      if (!a.guest_stderr.empty()) j["stderr"] = a.guest_stderr;
      options_.on_log(j.dump());
    } else {
      char line[512];
      std::snprintf(line, sizeof line, "%s %s %d %zu B %.0f µs%s%s", a.method.c_str(), path.c_str(),
                    status, bytes, total_us, a.component.empty() ? "" : " ",
                    a.component.c_str());
      std::string out = id + " " + line + (a.canary ? " (canary)" : "");
      if (a.ws_close) out += " close " + std::to_string(a.ws_close) + (a.ws_close_why.empty() ? "" : " (" + a.ws_close_why + ")");
      if (!a.failure.empty()) out += " error: " + a.failure;
      if (!a.guest_stderr.empty()) out += "\n  stderr: " + a.guest_stderr;
      options_.on_log(out);
    }
  }
  std::string next_request_id() {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08x-%06llx", session_salt_,
                  static_cast<unsigned long long>(++next_id_));
    return buf;
  }

 private:
  // Heartbeats and timeouts of every WebSocket connection, from one timer.
  void tick() {
    const auto& w = options_.websocket;
    const auto period = std::clamp(std::min({w.ping_interval, w.pong_timeout, w.idle_timeout}) / 4, kMinTick, kMaxTick);
    ticker_.expires_after(period);
    ticker_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      const int64_t now = detail::now_ms();
      for (size_t g = 0; g < ws_groups_.size(); ++g)
        net::post(ws_groups_[g]->strand, [this, g, now] {
          for (auto& conn : ws_connections(g)) conn->due(now);
        });
      tick();
    });
  }

  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed: stopping
      std::make_shared<Session>(std::move(socket), *this)->start();
      accept();
    });
  }

  ServerOptions options_;
  mutable std::mutex state_mutex_;
  std::shared_ptr<const AppState> state_;
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  net::steady_timer ticker_;
  net::thread_pool workers_;
  std::vector<std::thread> io_threads_;
  uint16_t port_ = 0;
  std::once_flag stopped_;
  std::atomic<bool> done_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> next_id_{0};
  uint32_t session_salt_ = std::random_device{}();
  Metrics metrics_;
  // WebSocket connections in a few groups. A group's connections share a strand (one per
  // connection would cost ~100 bytes each), so the ticker posts one handler per group.
  struct WsGroup {
    explicit WsGroup(net::io_context& ioc) : strand(net::make_strand(ioc)) {}
    net::strand<net::io_context::executor_type> strand;
    std::mutex mutex;
    // Open connections by id (a connection removes itself when destroyed).
    std::unordered_map<std::string, detail::WsConnection*> connections;
  };
  std::vector<std::unique_ptr<WsGroup>> ws_groups_;
  std::atomic<size_t> next_group_{0};
  std::atomic<size_t> ws_open_{0};
  std::atomic<int> inline_free_{0};  // I/O threads that may run a guest now (see dispatch)
};

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Answer ServerImpl::handle(const AppState& state, const Request& request, ComponentSlot** slot,
                          RouteMatch* match) {
  Answer a;
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path == options_.health_path) {
    a.response = text(200, "ok\n");
    return a;
  }
  if (path == options_.metrics_path) {
    a.response = text(200, metrics_.render(state.slots, ws_open_.load()));
    a.response.headers[0].second = "text/plain; version=0.0.4; charset=utf-8";
    return a;
  }
  auto routed = state.router.route(path);
  if (!routed) {
    a.response = text(400, "Bad Request: " + routed.error().message() + "\n");
    return a;
  }
  if (!*routed) {
    a.response = text(404, "Not Found\n");
    return a;
  }
  const RouteTarget& target = *(*routed)->target;
  a.route = target.route;
  if (!target.static_dir.empty()) {
    std::string inm;
    for (const auto& [k, v] : request.headers)
      if (beast::iequals(k, "if-none-match")) inm += (inm.empty() ? "" : ", ") + v;
    // HEAD is answered as GET; reply() drops the body and keeps its Content-Length.
    StaticResult s = serve_static(target.static_dir, (*routed)->match.path_info,
                                  request.method == "HEAD" ? std::string_view("GET") : request.method, inm);
    a.failure = s.error;
    a.response.status = s.status;
    a.response.headers = std::move(s.headers);
    a.response.body = std::move(s.body);
    return a;
  }
  thread_local std::mt19937 random{std::random_device{}()};
  const double roll = std::uniform_real_distribution<double>(0, 100)(random);
  bool canary = false;
  const std::string& component = choose_component(target, request.headers, roll, &canary);
  a.canary = canary;
  a.websocket = target.websocket;
  auto it = state.by_id.find(component);
  if (it == state.by_id.end()) {
    a.response = text(500, "Internal Server Error\n");
    a.failure = "route " + target.route + " names no loaded component '" + component + "'";
    return a;
  }
  a.component = component;
  a.module_sha256 = it->second->component.module->sha256();
  *slot = it->second;
  *match = (*routed)->match;
  return a;
}

void Session::read() {
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(server_.options().limits.max_header_bytes));
  parser_->body_limit(server_.options().limits.max_body_bytes);
  stream_.expires_after(first_ ? server_.options().limits.header_timeout
                               : server_.options().limits.idle_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
}

void Session::refuse(int status, std::string_view why) {
  server_.metrics().limit_hit(why);
  server_.in_flight()++;  // until the response is written
  Answer a;
  a.id = server_.next_request_id();
  a.response = text(status, std::string(why) + "\n");
  a.failure = std::string(why);
  reply(std::move(a), /*keep_alive=*/false, /*head=*/false, Clock::now());
}

void Session::on_read(beast::error_code ec) {
  first_ = false;
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted)
    return close();
  if (ec == bhttp::error::header_limit) return refuse(431, "request headers too large");
  if (ec == bhttp::error::body_limit) return refuse(413, "request body too large");
  if (ec) return refuse(400, "bad request: " + ec.message());

  const auto started = Clock::now();
  server_.in_flight()++;  // until the response is written (stop() waits for it)
  auto& msg = parser_->get();
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.version = msg.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
  for (const auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  req.body = std::move(msg.body());
  if (remote_addr_.empty()) {  // once per connection: two system calls
    beast::error_code ignored;
    auto remote = stream_.socket().remote_endpoint(ignored);
    auto local = stream_.socket().local_endpoint(ignored);
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; guests get the IPv4 address.
    auto address = remote.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
      address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    remote_addr_ = address.to_string();
    remote_port_ = remote.port();
    local_addr_ = local.address().to_string();
    local_port_ = local.port();
  }
  req.remote_addr = remote_addr_;
  req.remote_port = remote_port_;
  req.server_port = local_port_;
  req.server_name = local_addr_;
  if (auto host = msg.find(bhttp::field::host); host != msg.end()) {
    std::string h(host->value());
    req.server_name = h.substr(0, h.rfind(':') == std::string::npos || h.back() == ']' ? h.size() : h.rfind(':'));
  }
  const bool keep_alive = msg.keep_alive();
  const bool head = msg.method() == bhttp::verb::head;

  ComponentSlot* slot = nullptr;
  RouteMatch match;
  std::shared_ptr<const AppState> state = server_.state();
  Answer answer = server_.handle(*state, req, &slot, &match);
  answer.id = server_.next_request_id();
  answer.method = req.method;
  answer.path = req.target.substr(0, req.target.find('?'));
  if (!slot) return reply(std::move(answer), keep_alive, head, started);
  std::string ws_accept;
  if (answer.websocket) {
    // RFC 6455 §4.2.1: a GET with Upgrade: websocket, Connection: upgrade, version 13, a key.
    const bool is_upgrade = msg.method() == bhttp::verb::get && msg.version() == 11 &&
                            bhttp::token_list(msg[bhttp::field::connection]).exists("upgrade") &&
                            bhttp::token_list(msg[bhttp::field::upgrade]).exists("websocket");
    auto refuse_upgrade = [&](int status, std::string body) {
      answer.response = text(status, std::move(body));
      answer.failure = "websocket upgrade refused";
      return reply(std::move(answer), false, head, started);
    };
    if (!is_upgrade) {
      answer.response = text(426, "Upgrade Required: " + answer.route + " is a WebSocket route\n");
      answer.response.headers.emplace_back("Upgrade", "websocket");
      answer.response.headers.emplace_back("Connection", "Upgrade");
      return reply(std::move(answer), false, head, started);
    }
    if (msg[bhttp::field::sec_websocket_version] != "13") {
      answer.response = text(426, "Upgrade Required: only WebSocket version 13 is supported\n");
      answer.response.headers.emplace_back("Sec-WebSocket-Version", "13");
      return reply(std::move(answer), false, head, started);
    }
    const auto key_field = msg[bhttp::field::sec_websocket_key];
    const std::string_view key(key_field.data(), key_field.size());
    if (!ws::valid_client_key(key)) return refuse_upgrade(400, "Bad Request: a malformed Sec-WebSocket-Key\n");
    if (server_.ws_open().fetch_add(1) >= server_.options().websocket.max_connections) {
      server_.ws_open()--;
      server_.metrics().limit_hit("websocket connections");
      answer.response.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
      return refuse_upgrade(503, "Service Unavailable: too many WebSocket connections\n");
    }
    ws_accept = ws::accept_key(key);
  }

  auto pending = std::make_shared<Pending>();
  pending->state = std::move(state);
  pending->slot = slot;
  pending->match = std::move(match);
  pending->request = std::move(req);
  pending->answer = std::move(answer);
  pending->keep_alive = keep_alive;
  pending->head = head;
  pending->started = started;
  if (!ws_accept.empty()) {
    pending->answer.response.status = 101;
    pending->answer.response.body = ws_accept;  // handed to upgrade() here
    return upgrade(std::move(pending));
  }
  dispatch(std::move(pending));
}

void Session::upgrade(std::shared_ptr<Pending> p) {
  const std::string handshake = "HTTP/1.1 101 Switching Protocols\r\nServer: edgectl/" EDGECTL_VERSION
                                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                                p->answer.response.body + "\r\n\r\n";
  p->answer.response.body.clear();
  // Bytes the client sent after its handshake were read with it; the connection gets them.
  std::string leftover = beast::buffers_to_string(buffer_.data());
  const double total_us = std::chrono::duration<double, std::micro>(Clock::now() - p->started).count();
  server_.metrics().request(p->answer.route, p->answer.component, 101, total_us / 1e6);
  server_.log(p->answer, 101, 0, total_us);
  server_.in_flight()--;
  stream_.expires_never();
  server_.open_websocket(stream_.release_socket(), std::move(p), handshake, std::move(leftover));
}

void Session::dispatch(std::shared_ptr<Pending> p) {
  ComponentSlot* slot = p->slot;
  const size_t limit = slot->component.max_concurrent.value_or(server_.options().limits.max_concurrent_per_component);
  if (slot->running.fetch_add(1) >= limit) {
    slot->running.fetch_sub(1);
    // Full: wait a little for a free slot (a burst should not fail), then refuse.
    if (Clock::now() - p->started < server_.options().limits.queue_wait) {
      timer_.expires_after(kQueueRetry);
      timer_.async_wait([self = shared_from_this(), p](beast::error_code ec) mutable {
        if (!ec) self->dispatch(std::move(p));
      });
      return;
    }
    server_.metrics().limit_hit("concurrency");
    Answer& answer = p->answer;
    answer.response = text(503, "Service Unavailable: too many requests for '" + slot->component.id + "'\n");
    answer.response.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
    answer.failure = "concurrency limit";
    return reply(std::move(answer), p->keep_alive, p->head, p->started);
  }
  auto run = [this, p] {
    Execution e;
    try {
      e = execute(p->slot->component, p->request, p->match, p->answer.id);
    } catch (const std::exception& ex) {  // never take the worker (and the server) down
      e.response = text(500, "Internal Server Error\n");
      e.failure = std::string("internal error: ") + ex.what();
    }
    p->slot->running.fetch_sub(1);
    p->slot->observe_guest_time(e.instantiate_time + e.guest_time);
    server_.metrics().execution(p->slot->component.id, e);
    Answer& answer = p->answer;
    answer.response = std::move(e.response);
    answer.engine = e.engine;
    answer.failure = e.failure;
    answer.guest_stderr = e.guest_stderr;
    answer.instantiate_us = std::chrono::duration<double, std::micro>(e.instantiate_time).count();
    answer.guest_us = std::chrono::duration<double, std::micro>(e.guest_time).count();
  };
  // A component whose requests are quick runs right here, on the I/O thread: handing it to a
  // worker and back cost two thread switches, more than the guest itself (perf, issue 5).
  // At most io_threads - 1 at once, so one I/O thread is always free however long a guest
  // turns out to run (its time limit still applies).
  if (slot->quick() && server_.enter_inline()) {
    run();
    server_.leave_inline();
    return reply(std::move(p->answer), p->keep_alive, p->head, p->started);
  }
  net::post(server_.workers(), [self = shared_from_this(), p, run]() {
    run();
    net::post(self->stream_.get_executor(), [self, p]() {
      self->reply(std::move(p->answer), p->keep_alive, p->head, p->started);
    });
  });
}

void Session::reply(Answer answer, bool keep_alive, bool head, Clock::time_point started) {
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
  res->version(11);
  res->result(static_cast<unsigned>(answer.response.status));
  if (!answer.response.reason.empty()) res->reason(answer.response.reason);
  res->set(bhttp::field::server, "edgectl/" EDGECTL_VERSION);
  for (const auto& [k, v] : answer.response.headers) res->insert(k, v);
  const size_t bytes = answer.response.body.size();
  res->body() = std::move(answer.response.body);
  res->keep_alive(keep_alive);
  res->prepare_payload();
  if (head) res->body().clear();  // Content-Length stays the GET's
  const double total_us = std::chrono::duration<double, std::micro>(Clock::now() - started).count();
  server_.metrics().request(answer.route.empty() ? "(none)" : answer.route, answer.component,
                            answer.response.status, total_us / 1e6);
  server_.log(answer, answer.response.status, bytes, total_us);
  out_ = res;
  stream_.expires_after(server_.options().limits.idle_timeout);
  bhttp::async_write(stream_, *out_, [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
    self->out_.reset();
    self->server_.in_flight()--;
    if (ec || !keep_alive) return self->close();
    self->read();
  });
}

// Runs the guest for one WebSocket connection's events (docs/contract.md, "WebSocket"): a
// fresh instance per event, with the upgrade request's environment, on the worker pool.
class WsSession final : public detail::WsConnection {
 public:
  WsSession(tcp::socket socket, size_t group, ServerImpl& server, const Pending& upgrade)
      : WsConnection(std::move(socket), server.options().websocket, upgrade.answer.id),
        server_(server), state_(upgrade.state), slot_(upgrade.slot), request_(pack(upgrade.request)),
        group_(static_cast<uint8_t>(group)), canary_(upgrade.answer.canary) {}
  // Runs before the connection's members go: the ticker never sees a half-destroyed one.
  ~WsSession() override {
    server_.forget_websocket(group_, id());
    if (!closed_) {  // the connection went without on_closed (the server stopping): count it
      server_.ws_open()--;
      server_.metrics().ws_closed(1006);
    }
  }

  std::shared_ptr<WsSession> self() { return std::static_pointer_cast<WsSession>(shared_from_this()); }

  void run(WsEvent event, std::string payload, bool binary, Clock::time_point queued) {
    auto conn = self();
    ComponentSlot* slot = slot_;
    const size_t limit = slot->component.max_concurrent.value_or(server_.options().limits.max_concurrent_per_component);
    if (event != WsEvent::Close && slot->running.fetch_add(1) >= limit) {
      slot->running.fetch_sub(1);
      if (Clock::now() - queued < std::max<std::chrono::milliseconds>(server_.options().limits.queue_wait, kWsEventQueueWait)) {
        auto timer = std::make_shared<net::steady_timer>(conn->executor(), kQueueRetry);
        timer->async_wait([conn, timer, event, payload = std::move(payload), binary, queued](beast::error_code) mutable {
          conn->run(event, std::move(payload), binary, queued);
        });
        return;
      }
      server_.metrics().limit_hit("concurrency");
      log_event(event, "concurrency limit", {}, 0);
      return conn->close(1013, "try again later: too many instances of '" + slot->component.id + "'");
    }
    if (event == WsEvent::Close) slot->running.fetch_add(1);
    server_.in_flight()++;
    net::post(server_.workers(), [this, conn, event, payload = std::move(payload), binary] {
      const auto started = Clock::now();
      Execution e;
      try {
        WsEventInput input{event, conn->id(), binary, payload};
        const Request upgrade = unpack(request_);
        const RouteMatch match = route(upgrade);
        e = execute_ws_event(slot_->component, upgrade, match, id(), input);
      } catch (const std::exception& ex) {
        e.failure = std::string("internal error: ") + ex.what();
      }
      slot_->running.fetch_sub(1);
      server_.metrics().execution(slot_->component.id, e);
      log_event(event, e.failure, e, std::chrono::duration<double, std::micro>(Clock::now() - started).count());
      std::string& reply = e.response.body;
      if (event == WsEvent::Open) {
        if (!e.failure.empty()) {
          conn->close(ws::kCloseInternal, "the open event failed");
        } else {
          opened_ = true;
          if (!reply.empty()) send_reply(std::move(reply), false);
          conn->resume();
        }
      } else if (event == WsEvent::Message) {
        // A failed message event sends nothing; the connection stays open (the log says why).
        if (e.failure.empty() && !reply.empty()) send_reply(std::move(reply), binary);
        conn->resume();
      }
      server_.in_flight()--;
    });
  }

  // For the host module's ws_* functions: the route this connection came in on (worked
  // out when asked: an idle connection keeps no copy), and whether its open event is done.
  std::string route_path() const { return route(unpack(request_)).route; }
  bool open_done() const { return opened_ && !closed_; }
  void send_from_app(std::string message, bool binary) { send_reply(std::move(message), binary); }

  void on_closing(uint16_t code) override { server_.metrics().ws_closed(code); }
  void on_message(std::string payload, bool binary) override {
    server_.metrics().ws_message(true);
    run(WsEvent::Message, std::move(payload), binary, Clock::now());
  }
  void on_closed(uint16_t code, std::string_view /*why: close_reason()*/) override {
    closed_ = true;
    server_.ws_open()--;
    if (code == 1006) server_.metrics().ws_closed(code);  // else counted by on_closing
    if (opened_) run(WsEvent::Close, {}, false, Clock::now());
    else log_event(WsEvent::Close, {}, {}, 0);
  }

 private:
  void send_reply(std::string message, bool binary) {
    server_.metrics().ws_message(false);
    send(std::move(message), binary);
  }
  void log_event(WsEvent event, const std::string& failure, const Execution& e, double total_us) {
    Answer a;
    a.id = id();
    a.method = "WS " + std::string(to_string(event));
    const Request upgrade = unpack(request_);
    a.path = upgrade.target.substr(0, upgrade.target.find('?'));
    a.route = route(upgrade).route;
    a.component = slot_->component.id;
    a.module_sha256 = slot_->component.module->sha256();
    a.canary = canary_;
    a.engine = e.engine;
    a.failure = failure;
    if (event == WsEvent::Close) {
      a.ws_close = close_code();
      a.ws_close_why = close_reason();
    }
    a.guest_stderr = e.guest_stderr;
    a.instantiate_us = std::chrono::duration<double, std::micro>(e.instantiate_time).count();
    a.guest_us = std::chrono::duration<double, std::micro>(e.guest_time).count();
    server_.log(a, failure.empty() ? 200 : e.response.status, e.response.body.size(), total_us);
  }

  // An idle connection's bookkeeping is most of what it costs (docs/benchmarks.md): the
  // upgrade request is kept packed in one string (fields and header lines NUL-separated),
  // without the handshake's own headers, and unpacked (and routed again) per event.
  static std::string pack(const Request& r) {
    std::string out;
    for (const std::string* f : {&r.method, &r.target, &r.version, &r.remote_addr, &r.server_name}) {
      out += *f;
      out += '\0';
    }
    out += std::to_string(r.remote_port) + '\0' + std::to_string(r.server_port) + '\0';
    for (const auto& [name, value] : r.headers) {
      if (beast::iequals(name, "sec-websocket-key") || beast::iequals(name, "sec-websocket-version") ||
          beast::iequals(name, "sec-websocket-extensions") || beast::iequals(name, "connection") ||
          beast::iequals(name, "upgrade"))  // the last two are hop-by-hop: never in the environment
        continue;
      out += name;
      out += '\0';
      out += value;
      out += '\0';
    }
    out.shrink_to_fit();
    return out;
  }
  static Request unpack(std::string_view packed) {
    auto next = [&] {
      const size_t end = packed.find('\0');
      std::string field(packed.substr(0, end));
      packed.remove_prefix(end + 1);
      return field;
    };
    Request r;
    for (std::string* f : {&r.method, &r.target, &r.version, &r.remote_addr, &r.server_name}) *f = next();
    r.remote_port = static_cast<uint16_t>(std::stoul(next()));
    r.server_port = static_cast<uint16_t>(std::stoul(next()));
    while (!packed.empty()) {
      std::string name = next();
      r.headers.emplace_back(std::move(name), next());
    }
    return r;
  }
  RouteMatch route(const Request& upgrade) const {
    auto routed = state_->router.route(upgrade.target.substr(0, upgrade.target.find('?')));
    return routed && *routed ? (*routed)->match : RouteMatch{};  // it routed at the upgrade
  }

  ServerImpl& server_;
  std::shared_ptr<const AppState> state_;  // keeps slot_ alive across a reload
  ComponentSlot* slot_;
  std::string request_;  // pack()ed
  uint8_t group_;
  bool canary_;
  std::atomic<bool> opened_{false};
  std::atomic<bool> closed_{false};  // also read by the host module's hooks, from workers
};

void ServerImpl::open_websocket(tcp::socket socket, std::shared_ptr<Pending> pending, std::string handshake,
                                std::string leftover) {
  // The connection moves to its group's strand.
  beast::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  const auto fd = socket.release(ec);
  if (ec) {
    ws_open_--;
    return;
  }
  const size_t group = next_group_++ % ws_groups_.size();
  tcp::socket grouped(ws_groups_[group]->strand, protocol, fd);
  auto conn = std::make_shared<WsSession>(std::move(grouped), group, *this, *pending);
  pending.reset();
  {
    std::lock_guard lock(ws_groups_[group]->mutex);
    ws_groups_[group]->connections[conn->id()] = conn.get();
  }
  conn->start(std::move(handshake), std::move(leftover));
  conn->run(WsEvent::Open, {}, false, Clock::now());
}

runtime::host::WebSocketHooks ServerImpl::websocket_hooks() {
  // The connection with this id, if it is open on `route`.
  auto find = [this](const std::string& route, const std::string& id) -> std::shared_ptr<WsSession> {
    for (auto& group : ws_groups_) {
      std::shared_ptr<WsSession> conn;
      {
        std::lock_guard lock(group->mutex);
        auto it = group->connections.find(id);
        if (it == group->connections.end()) continue;
        conn = std::dynamic_pointer_cast<WsSession>(it->second->weak_from_this().lock());
      }
      // Checked (and possibly released) outside the lock: if this is the last reference,
      // the session's destructor takes the group's mutex to forget itself.
      if (conn && conn->open_done() && conn->route_path() == route) return conn;
      return nullptr;
    }
    return nullptr;
  };
  runtime::host::WebSocketHooks hooks;
  hooks.send = [find](const std::string& route, const std::string& id, bool binary, std::string data) {
    auto conn = find(route, id);
    if (!conn) return false;
    conn->send_from_app(std::move(data), binary);
    return true;
  };
  hooks.close = [find](const std::string& route, const std::string& id, uint16_t code) {
    auto conn = find(route, id);
    if (!conn) return false;
    conn->close(code, "closed by the app");
    return true;
  };
  hooks.connections = [this](const std::string& route) {
    std::vector<std::string> ids;
    for (auto& c : ws_connections()) {
      auto conn = std::dynamic_pointer_cast<WsSession>(c);
      if (conn && conn->open_done() && conn->route_path() == route) ids.push_back(conn->id());
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  return hooks;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(App app, ServerOptions options) {
  auto server = std::make_unique<ServerImpl>(std::move(app), std::move(options));
  if (auto s = server->listen(); !s) return std::move(s).error();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace edgectl::http
