// HTTP/1.1 load on Asio (see http_load.hpp). The only bench file that includes Boost.
//   - Each load thread owns an io_context and its share of the connections; nothing is
//     shared between threads while the load runs except a few atomics (the -n budget, the
//     stop flag, progress counters). Each thread records into its own Stats, merged at the end.
//   - The request's bytes are built once; responses are parsed by Beast's basic_parser with
//     a parser that counts the body instead of storing it.
#include "bench/http_load.hpp"

#include <time.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <thread>

namespace edgectl::bench {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// A connection whose connect failed tries again after this (a refused port fails at once:
// without a pause the loop would only count errors).
constexpr std::chrono::milliseconds kReconnectPause{20};
// Status codes counted one by one; anything outside is a protocol error.
constexpr int kMaxStatus = 999;
// How often each load thread checks whether the run is over.
constexpr std::chrono::milliseconds kWatchInterval{10};
// Bytes read per read call.
constexpr size_t kReadChunk = 16 * 1024;
// A response head larger than this is a protocol error (Beast's default is 8 KiB).
constexpr uint32_t kMaxResponseHead = 64 * 1024;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Parses a response, counting the body's bytes instead of keeping them.
class CountingParser final : public bhttp::basic_parser<false> {
 public:
  int status = 0;
  bool keep_alive_ok = true;

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int, beast::error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, beast::error_code& ec) override {
    status = code;
    if (code < 100 || code > kMaxStatus) ec = bhttp::error::bad_status;
  }
  void on_field_impl(bhttp::field, beast::string_view, beast::string_view, beast::error_code&) override {}
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  size_t on_body_impl(beast::string_view body, beast::error_code&) override { return body.size(); }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code&) override {
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}
};

enum class ErrorKind { Connect, Timeout, Reset, Protocol };

// One thread's measurements.
struct Stats {
  Histogram latency;
  std::array<uint64_t, kMaxStatus + 1> status{};
  ErrorCounts errors;
  uint64_t requests = 0, bytes = 0;
  std::vector<Histogram> per_second;  // timeline: latency of the responses in each second
  std::vector<uint64_t> errors_per_second;
  double cpu_start = 0, cpu_end = 0;
  // Progress, read by other threads: on a cache line of their own, so that two threads
  // counting do not bounce one line between cores on every response.
  alignas(64) std::atomic<uint64_t> completed{0};
  std::atomic<uint64_t> failed{0};
};

// What every thread shares, read-mostly.
struct Shared {
  const HttpLoadOptions* options = nullptr;
  std::string request;  // the bytes of every request
  bool head = false;
  tcp::endpoint endpoint;
  Clock::time_point warmup_end, measure_end;  // measure_end: max() for -n
  std::atomic<int64_t> budget{0};             // -n: measured requests left to start
  std::atomic<bool> over{false};              // the run is over: every connection stops
  std::vector<Stats>* stats = nullptr;             // every thread's, for progress
  uint64_t completed() const {
    uint64_t n = 0;
    for (const auto& s : *stats) n += s.completed.load(std::memory_order_relaxed);
    return n;
  }
  uint64_t failed() const {
    uint64_t n = 0;
    for (const auto& s : *stats) n += s.failed.load(std::memory_order_relaxed);
    return n;
  }
  double per_connection_rate = 0;                 // open loop: requests/s per connection
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& ioc, Shared& shared, Stats& stats, size_t index, size_t total)
      : socket_(ioc), pace_(ioc), shared_(shared), stats_(stats) {
    if (shared_.per_connection_rate > 0) {
      // Spread the connections' schedules over one interval so requests do not go in bursts.
      interval_ = nanoseconds(static_cast<int64_t>(1e9 / shared_.per_connection_rate));
      next_due_ = Clock::now() + interval_ * index / std::max<size_t>(total, 1);
    }
  }

  void start() { connect(); }
  // Closes the connection when its request is past its deadline: the pending read or write
  // fails, and on_error counts a timeout.
  void check_timeout(Clock::time_point now) {
    if (now < deadline_) return;
    deadline_ = Clock::time_point::max();
    timed_out_ = true;
    beast::error_code ignored;
    socket_.close(ignored);
  }
  void stop() {
    beast::error_code ignored;
    socket_.close(ignored);
    pace_.cancel();
  }

 private:
  bool finished() const {
    return shared_.over.load(std::memory_order_relaxed) || Clock::now() >= shared_.measure_end;
  }

  void connect() {
    if (finished()) return;
    beast::error_code ignored;
    socket_.close(ignored);
    socket_.async_connect(shared_.endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec == net::error::operation_aborted) return;
      if (ec) return self->on_connect_failed();
      beast::error_code ignored;
      self->socket_.set_option(tcp::no_delay(true), ignored);
      self->socket_.non_blocking(true, ignored);  // read_available() takes what is there
      self->next();
    });
  }

  void on_connect_failed() {
    // A request that could not even be sent: it takes one from a -n budget, and counts once
    // per pause (a dead server shows as connect errors, not as a hang).
    if (!claim()) return;
    fail(ErrorKind::Connect);
    pace_.expires_after(kReconnectPause);
    pace_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->connect();
    });
  }

  // Starts a request: false when the run is over or the -n budget spent. Decides, once,
  // whether it is measured (not warm-up); only measured requests take from the budget, and
  // every measured request ends counted, as a response or an error.
  bool claim() {
    if (finished()) return false;
    measured_ = Clock::now() >= shared_.warmup_end;
    if (!measured_ || !shared_.options->requests) return true;
    return shared_.budget.fetch_sub(1, std::memory_order_relaxed) > 0;
  }

  // Open loop: when the next request is due (and advances the schedule).
  Clock::time_point due_time(Clock::time_point) {
    const auto due = next_due_;
    next_due_ += interval_;
    return due;
  }

  void next() {
    if (shared_.per_connection_rate > 0) {
      if (Clock::now() < next_due_) {  // early: wait for the schedule
        pace_.expires_at(next_due_);
        pace_.async_wait([self = shared_from_this()](beast::error_code ec) {
          if (!ec) self->send(self->due_time(Clock::now()));
        });
        return;
      }
      return send(due_time(Clock::now()));  // late (or on time): latency counts from `due`
    }
    send(Clock::now());
  }

  void send(Clock::time_point intended) {
    if (!claim()) return;
    intended_ = intended;
    parser_.emplace();
    parser_->header_limit(kMaxResponseHead);
    // No limit: the body is counted, not kept. (Not boost::none: Beast 1.74 compares the
    // length against the optional, and a length is "greater" than none.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    if (shared_.head) parser_->skip(true);
    received_ = 0;
    deadline_ = Clock::now() + shared_.options->timeout;
    timed_out_ = false;
    net::async_write(socket_, net::buffer(shared_.request), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->on_error(ec);
      self->read();
    });
  }

  // Waits for the socket to be readable, then reads what is there. (async_read_some would
  // first try a read that, right after the request went out, almost always finds nothing:
  // one wasted system call per request, measurable against wrk at low rates.)
  void read() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->on_error(ec);
      self->read_available();
    });
  }
  void read_available() {
    beast::error_code ec;
    const size_t n = socket_.read_some(buffer_.prepare(kReadChunk), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) return read();
    if (ec) return on_error(ec);
    buffer_.commit(n);
    received_ += n;
    parse();
  }

  void parse() {
    beast::error_code ec;
    while (buffer_.size() > 0 && !parser_->is_done()) {
      const size_t used = parser_->put(buffer_.data(), ec);
      if (ec == bhttp::error::need_more) break;
      if (ec) return on_error(ec);
      buffer_.consume(used);
      if (used == 0) break;
    }
    if (!parser_->is_done()) return read();
    deadline_ = Clock::time_point::max();
    const auto now = Clock::now();
    // Bytes of this response: what was read minus what is left over (pipelining is not
    // used, so left-over bytes are an error the next parse will report).
    record(now, received_ - buffer_.size());
    const bool keep = parser_->keep_alive();
    parser_.reset();
    if (!keep) {
      buffer_.consume(buffer_.size());
      return connect();
    }
    next();
  }

  void record(Clock::time_point now, uint64_t bytes) {
    if (!measured_) return;
    const auto latency = static_cast<uint64_t>(std::chrono::duration_cast<nanoseconds>(now - intended_).count());
    stats_.latency.record(latency);
    stats_.status[static_cast<size_t>(parser_->status)]++;
    stats_.requests++;
    stats_.bytes += bytes;
    second(now).record(latency);
    stats_.completed.fetch_add(1, std::memory_order_relaxed);
  }

  Histogram& second(Clock::time_point now) {
    const auto s = static_cast<size_t>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::seconds>(now - shared_.warmup_end).count()));
    if (stats_.per_second.size() <= s) {
      stats_.per_second.resize(s + 1);
      stats_.errors_per_second.resize(s + 1);
    }
    return stats_.per_second[s];
  }

  void fail(ErrorKind kind) {
    if (!measured_) return;
    switch (kind) {
      case ErrorKind::Connect: stats_.errors.connect++; break;
      case ErrorKind::Timeout: stats_.errors.timeout++; break;
      case ErrorKind::Reset: stats_.errors.reset++; break;
      case ErrorKind::Protocol: stats_.errors.protocol++; break;
    }
    const auto now = Clock::now();
    second(now);
    stats_.errors_per_second[static_cast<size_t>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::seconds>(now - shared_.warmup_end).count()))]++;
    stats_.failed.fetch_add(1, std::memory_order_relaxed);
  }

  void on_error(beast::error_code ec) {
    deadline_ = Clock::time_point::max();
    if (finished() && ec == net::error::operation_aborted && !timed_out_) return;  // stopping
    ErrorKind kind = ErrorKind::Reset;
    if (timed_out_) kind = ErrorKind::Timeout;
    else if (ec.category() == beast::error_code(bhttp::error::bad_status).category())
      kind = ErrorKind::Protocol;
    else if (ec == net::error::eof && received_ > 0)
      kind = ErrorKind::Protocol;  // closed in the middle of a response
    fail(kind);
    parser_.reset();
    buffer_.consume(buffer_.size());
    connect();
  }

  tcp::socket socket_;
  // The request in flight times out at this (checked by the thread's watch, not by a timer
  // per request: arming and cancelling one per request cost more than the parsing).
  Clock::time_point deadline_ = Clock::time_point::max();
  net::steady_timer pace_;   // open loop: waiting for the next request's due time
  Shared& shared_;
  Stats& stats_;
  beast::flat_buffer buffer_;
  std::optional<CountingParser> parser_;
  Clock::time_point intended_{};
  uint64_t received_ = 0;
  bool timed_out_ = false;
  bool measured_ = false;   // the request in flight counts (see claim)
  nanoseconds interval_{0};
  Clock::time_point next_due_{};
};

std::string build_request(const HttpLoadOptions& o, const ParsedUrl& url) {
  std::string r = o.method + " " + url.target + " HTTP/1.1\r\n";
  bool host = false, length = false;
  for (const auto& [k, v] : o.headers) {
    host |= beast::iequals(k, "host");
    length |= beast::iequals(k, "content-length");
    r += k + ": " + v + "\r\n";
  }
  if (!host) r += "Host: " + url.host + (url.port == 80 ? "" : ":" + std::to_string(url.port)) + "\r\n";
  if (!length && (!o.body.empty() || o.method == "POST" || o.method == "PUT"))
    r += "Content-Length: " + std::to_string(o.body.size()) + "\r\n";
  r += "\r\n";
  r += o.body;
  return r;
}

}  // namespace

Result<ParsedUrl> parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://")) return Error("'" + std::string(url) + "': https is not supported yet (use http://)");
  if (!url.starts_with(kScheme)) return Error("'" + std::string(url) + "': expected a URL such as http://127.0.0.1:3000/hello");
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  ParsedUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error("'" + std::string(url) + "': unclosed '[' in the host");
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return Error("'" + std::string(url) + "': bad host");
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    authority = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (out.host.empty()) return Error("'" + std::string(url) + "': no host");
  if (!authority.empty()) {
    const std::string port(authority.substr(1));
    char* end = nullptr;
    const unsigned long p = std::strtoul(port.c_str(), &end, 10);
    if (port.empty() || *end || p == 0 || p > 65535) return Error("'" + std::string(url) + "': bad port '" + port + "'");
    out.port = static_cast<uint16_t>(p);
  }
  return out;
}

Result<RunResult> run_http_load(const HttpLoadOptions& o) {
  auto url = parse_url(o.url);
  if (!url) return std::move(url).error();
  if (o.connections == 0) return Error("at least one connection is needed");
  if (o.duration.has_value() == o.requests.has_value()) return Error("give a duration or a number of requests");
  if (o.rate && *o.rate <= 0) return Error("the rate must be above 0");
  const uint32_t threads = std::max<uint32_t>(1, std::min(o.threads, o.connections));

  Shared shared;
  shared.options = &o;
  shared.request = build_request(o, *url);
  shared.head = o.method == "HEAD";
  {
    net::io_context resolver_ioc;
    tcp::resolver resolver(resolver_ioc);
    beast::error_code ec;
    auto found = resolver.resolve(url->host, std::to_string(url->port), ec);
    if (ec || found.empty()) return Error("cannot resolve '" + url->host + "': " + ec.message());
    shared.endpoint = *found.begin();
  }
  if (o.requests) shared.budget = static_cast<int64_t>(*o.requests);
  if (o.rate) shared.per_connection_rate = *o.rate / o.connections;

  const auto start = Clock::now();
  shared.warmup_end = start + o.warmup;
  shared.measure_end = o.duration ? shared.warmup_end + *o.duration : Clock::time_point::max();

  std::vector<Stats> stats(threads);
  shared.stats = &stats;
  std::vector<std::thread> workers;
  std::vector<std::unique_ptr<net::io_context>> loops;
  for (uint32_t t = 0; t < threads; ++t) loops.push_back(std::make_unique<net::io_context>(1));
  for (uint32_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      net::io_context& ioc = *loops[t];
      std::vector<std::shared_ptr<Connection>> conns;
      for (uint32_t c = t; c < o.connections; c += threads)
        conns.push_back(std::make_shared<Connection>(ioc, shared, stats[t], c, o.connections));
      for (auto& c : conns) c->start();
      // The measured period's CPU time: from the end of the warm-up (or the start).
      net::steady_timer mark(ioc);
      mark.expires_at(shared.warmup_end);
      mark.async_wait([&](beast::error_code) { stats[t].cpu_start = thread_cpu_seconds(); });
      // Ends the run at measure_end, on a stop, or when every -n request has ended.
      net::steady_timer end(ioc);
      std::function<void()> watch = [&] {
        end.expires_after(kWatchInterval);
        end.async_wait([&](beast::error_code ec) {
          if (ec) return;
          const bool all_ended = o.requests && shared.completed() + shared.failed() >= *o.requests;
          if (Clock::now() >= shared.measure_end || (o.stop && o.stop->load()) || all_ended)
            shared.over = true;
          if (!shared.over) {
            const auto now = Clock::now();
            for (auto& c : conns) c->check_timeout(now);
            return watch();
          }
          stats[t].cpu_end = thread_cpu_seconds();
          for (auto& c : conns) c->stop();
        });
      };
      watch();
      ioc.run();
    });
  }

  // Progress, from this thread.
  uint64_t last_done = 0;
  auto last_time = Clock::now();
  while (!shared.over.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!o.on_progress || Clock::now() - last_time < o.progress_interval) continue;
    const auto now = Clock::now();
    Progress p;
    p.elapsed_s = std::chrono::duration<double>(now - shared.warmup_end).count();
    p.requests = shared.completed();
    p.errors = shared.failed();
    p.requests_per_s = static_cast<double>(p.requests - last_done) / std::chrono::duration<double>(now - last_time).count();
    last_done = p.requests;
    last_time = now;
    o.on_progress(p);
  }
  for (auto& w : workers) w.join();
  const auto finished = Clock::now();

  RunResult r;
  r.label = o.label.empty() ? o.method + " " + o.url : o.label;
  r.config.url = o.url;
  r.config.method = o.method;
  r.config.connections = o.connections;
  r.config.threads = threads;
  if (o.duration) r.config.duration_s = std::chrono::duration<double>(*o.duration).count();
  r.config.requests = o.requests;
  r.config.rate = o.rate;
  r.config.warmup_s = std::chrono::duration<double>(o.warmup).count();
  r.config.timeout_s = std::chrono::duration<double>(o.timeout).count();
  r.elapsed_s = std::chrono::duration<double>(std::min(finished, shared.measure_end) - shared.warmup_end).count();
  r.corrected = o.rate.has_value();
  size_t seconds = 0;
  for (const auto& s : stats) seconds = std::max(seconds, s.per_second.size());
  std::vector<Histogram> per_second(seconds);
  std::vector<uint64_t> errors_per_second(seconds, 0);
  for (const auto& s : stats) {
    r.latency.merge(s.latency);
    for (int code = 0; code <= kMaxStatus; ++code)
      if (s.status[static_cast<size_t>(code)]) r.status[code] += s.status[static_cast<size_t>(code)];
    r.errors.connect += s.errors.connect;
    r.errors.timeout += s.errors.timeout;
    r.errors.reset += s.errors.reset;
    r.errors.protocol += s.errors.protocol;
    r.requests += s.requests;
    r.bytes += s.bytes;
    if (s.cpu_end > s.cpu_start && s.cpu_start > 0) r.cpu_s += s.cpu_end - s.cpu_start;
    for (size_t i = 0; i < s.per_second.size(); ++i) {
      per_second[i].merge(s.per_second[i]);
      errors_per_second[i] += s.errors_per_second[i];
    }
  }
  for (size_t i = 0; i < seconds; ++i) {
    TimelinePoint p;
    p.t = static_cast<double>(i + 1);
    p.requests = per_second[i].count();
    p.errors = errors_per_second[i];
    p.p99_ns = per_second[i].percentile(99);
    r.timeline.push_back(p);
  }
  return r;
}

}  // namespace edgectl::bench
