// WebSocket load on Asio (see ws_load.hpp). The only file that includes Beast's websocket:
// its stream is a fine client (it answers pings, replies to close frames and parses the
// handshake response for us); at ~3 KB per connection, 10,000 cost ~30 MB, which is fine
// for a load generator (the server keeps its own, leaner framing in http/ws_frame.hpp).
//   - Each load thread owns an io_context and its share of the connections, opens them
//     in batches, and records into its own Stats, merged at the end.
//   - Phases are shared through atomics: opens_left reaching 0 starts the hold; the hold's
//     end (or a stop) sets `over`, and every thread closes its connections politely (a
//     close frame), then, after a grace period, by force.
#include "bench/ws_load.hpp"
#include "util/process.hpp"


#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace edgectl::bench {
namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// How often each load thread checks the phase (hold started, hold over, stop).
constexpr std::chrono::milliseconds kWatchInterval{5};
// At the end, how long servers get to answer our close frames before sockets are closed.
constexpr std::chrono::milliseconds kCloseGrace{1000};
// How often the calling thread looks at the progress counters.
constexpr std::chrono::milliseconds kProgressPoll{20};
// Open files besides the connections: stdio, each thread's epoll and timer descriptors,
// the resolver, a --message file.
constexpr uint64_t kReservedFiles = 64;
// RFC 6455 §7.1.5: the code reported for a close frame that carries none.
constexpr int kNoCloseCode = 1005;

// One thread's measurements.
struct Stats {
  Histogram connect, round_trip;
  WsOpenFailures failed;
  WsDrops dropped;
  uint64_t opened = 0, sent = 0, received = 0;
};

// What every thread shares.
struct Shared {
  const WsLoadOptions* options = nullptr;
  tcp::endpoint endpoint;
  std::string host_header, target;
  std::atomic<int64_t> opens_left{0};
  // Steady-clock nanoseconds; 0 until every connection has opened or failed.
  std::atomic<int64_t> hold_start_ns{0}, hold_end_ns{0};
  std::atomic<bool> over{false};
  std::atomic<uint64_t> opened{0}, failed{0}, dropped{0}, sent{0}, received{0};  // progress
};

int64_t to_ns(Clock::time_point t) {
  return std::chrono::duration_cast<nanoseconds>(t.time_since_epoch()).count();
}
Clock::time_point from_ns(int64_t ns) {
  return Clock::time_point(nanoseconds(ns));
}
uint64_t elapsed_ns(Clock::time_point from, Clock::time_point to) {
  return static_cast<uint64_t>(
      std::max<int64_t>(0, std::chrono::duration_cast<nanoseconds>(to - from).count()));
}

bool is_websocket_error(const beast::error_code& ec) {
  return ec.category() == beast::error_code(websocket::error::closed).category();
}
bool is_reset(const beast::error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::connection_aborted;
}

class Worker;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& ioc, Worker& worker, Shared& shared, Stats& stats)
      : ws_(ioc), timer_(ioc), worker_(worker), shared_(shared), stats_(stats) {}

  void open();
  bool is_open() const { return state_ == State::Open; }
  bool has_ended() const { return state_ == State::Ended || state_ == State::Idle; }
  void start_sending(Clock::time_point first_due, nanoseconds interval);
  void finish();       // the run is over: close politely
  void force_close();  // the grace period is over

 private:
  enum class State { Idle, Opening, Open, Closing, Ended };

  void on_open_failed(const beast::error_code& ec, bool connecting);
  void on_opened();
  void read();
  void on_message();
  void on_ended(const beast::error_code& ec);
  void schedule();
  void write();
  void close_socket() {
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
  }

  websocket::stream<tcp::socket> ws_;
  net::steady_timer timer_;  // the open timeout, then the message schedule
  Worker& worker_;
  Shared& shared_;
  Stats& stats_;
  State state_ = State::Idle;
  Clock::time_point started_{};
  bool timed_out_ = false;
  std::unique_ptr<websocket::response_type> response_;  // during the handshake only
  beast::flat_buffer buffer_;
  // Messages sent and not yet answered: their due times, oldest at head_.
  std::vector<Clock::time_point> unanswered_;
  size_t head_ = 0;
  bool writing_ = false;
  uint32_t owed_ = 0;  // messages due while a write was under way
  nanoseconds interval_{0};
  Clock::time_point next_due_{};
};

// One load thread: its event loop, connections and stats. Opens at most `limit` at once.
class Worker {
 public:
  Worker(Shared& shared, Stats& stats, uint32_t limit)
      : shared_(shared), stats_(stats), limit_(limit) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void add(size_t global_index) {
    conns_.push_back(std::make_shared<Connection>(ioc_, *this, shared_, stats_));
    indices_.push_back(global_index);
  }

  void run() {
    open_more();
    watch();
    ioc_.run();
  }

  // A connection's open ended (opened or failed): start the next; the last one over all
  // threads starts the hold.
  void open_done() {
    --in_flight_;
    if (shared_.opens_left.fetch_sub(1) == 1) {
      const auto now = Clock::now();
      const bool none_open = shared_.opened.load() == 0;  // nothing to hold
      shared_.hold_end_ns = to_ns(none_open ? now : now + shared_.options->hold);
      shared_.hold_start_ns = to_ns(now);
    }
    open_more();
  }

 private:
  void open_more() {
    while (in_flight_ < limit_ && next_open_ < conns_.size() && !shared_.over) {
      ++in_flight_;
      conns_[next_open_++]->open();
    }
  }

  void watch() {
    timer_.expires_after(kWatchInterval);
    timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      const int64_t start = shared_.hold_start_ns.load();
      if (start && !holding_) begin_hold(from_ns(start));
      const int64_t end = shared_.hold_end_ns.load();
      const bool all_dropped = start && shared_.dropped.load() >= shared_.opened.load();
      const bool stopped = shared_.options->stop && shared_.options->stop->load();
      if ((end && Clock::now() >= from_ns(end)) || stopped || all_dropped) shared_.over = true;
      if (!shared_.over) return watch();
      for (auto& c : conns_) c->finish();
      wait_closed(Clock::now() + kCloseGrace);
    });
  }

  // Until every connection has ended or the grace period is over; then the loop runs dry.
  void wait_closed(Clock::time_point deadline) {
    const bool all_ended =
        std::all_of(conns_.begin(), conns_.end(), [](const auto& c) { return c->has_ended(); });
    if (all_ended) return;
    if (Clock::now() >= deadline) {
      for (auto& c : conns_) c->force_close();
      return;
    }
    timer_.expires_after(kWatchInterval);
    timer_.async_wait([this, deadline](beast::error_code ec) {
      if (!ec) wait_closed(deadline);
    });
  }

  void begin_hold(Clock::time_point start) {
    holding_ = true;
    const auto& o = *shared_.options;
    const uint64_t opened = shared_.opened.load();
    if (!o.rate || opened == 0) return;
    // rate/opened messages per second on each connection, their schedules spread over
    // one interval so the messages do not go in bursts.
    const auto interval =
        nanoseconds(static_cast<int64_t>(1e9 * static_cast<double>(opened) / *o.rate));
    for (size_t i = 0; i < conns_.size(); ++i)
      if (conns_[i]->is_open())
        conns_[i]->start_sending(
            start + interval * static_cast<int64_t>(indices_[i]) / o.connections, interval);
  }

  net::io_context ioc_{1};
  net::steady_timer timer_{ioc_};
  Shared& shared_;
  Stats& stats_;
  uint32_t limit_;
  std::vector<std::shared_ptr<Connection>> conns_;
  std::vector<size_t> indices_;  // each connection's index over all threads
  size_t next_open_ = 0;
  uint32_t in_flight_ = 0;
  bool holding_ = false;
};

void Connection::open() {
  state_ = State::Opening;
  started_ = Clock::now();
  timer_.expires_after(shared_.options->timeout);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->state_ != State::Opening) return;
    self->timed_out_ = true;
    self->close_socket();  // the pending connect or handshake fails; counted as a timeout
  });
  ws_.next_layer().async_connect(
      shared_.endpoint, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->on_open_failed(ec, true);
        beast::error_code ignored;
        self->ws_.next_layer().set_option(tcp::no_delay(true), ignored);
        self->response_ = std::make_unique<websocket::response_type>();
        self->ws_.async_handshake(*self->response_, self->shared_.host_header, self->shared_.target,
                                  [self](beast::error_code ec) {
                                    if (ec) return self->on_open_failed(ec, false);
                                    self->on_opened();
                                  });
      });
}

void Connection::on_open_failed(const beast::error_code& ec, bool connecting) {
  state_ = State::Ended;
  timer_.cancel();
  const bool stopping = shared_.over && ec == net::error::operation_aborted && !timed_out_;
  if (!stopping) {
    auto& f = stats_.failed;
    if (timed_out_)
      f.timeout++;
    else if (connecting)
      f.connect++;
    else if (ec == websocket::error::upgrade_declined && response_)
      f.status[static_cast<int>(response_->result_int())]++;
    else if (is_reset(ec))
      f.reset++;
    else
      f.protocol++;
    shared_.failed++;
  }
  response_.reset();
  close_socket();
  worker_.open_done();
}

void Connection::on_opened() {
  timer_.cancel();
  response_.reset();
  if (shared_.over) {  // stopped while opening: not counted
    state_ = State::Ended;
    close_socket();
    return worker_.open_done();
  }
  state_ = State::Open;
  stats_.connect.record(elapsed_ns(started_, Clock::now()));
  stats_.opened++;
  shared_.opened++;
  read();
  worker_.open_done();
}

void Connection::read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec) return self->on_ended(ec);
    self->buffer_.consume(self->buffer_.size());
    self->on_message();
    self->read();
  });
}

void Connection::on_message() {
  if (state_ != State::Open) return;
  const auto now = Clock::now();
  stats_.received++;
  shared_.received++;
  if (head_ == unanswered_.size()) return;  // unsolicited (a greeting, a broadcast)
  stats_.round_trip.record(elapsed_ns(unanswered_[head_++], now));
  if (head_ == unanswered_.size()) {
    unanswered_.clear();
    head_ = 0;
  }
}

void Connection::on_ended(const beast::error_code& ec) {
  if (state_ != State::Open) return;  // we are closing: not a drop
  state_ = State::Ended;
  timer_.cancel();
  auto& d = stats_.dropped;
  if (ec == websocket::error::closed) {
    const int code = static_cast<int>(ws_.reason().code);
    d.close[code == websocket::close_code::none ? kNoCloseCode : code]++;
  } else if (ec == net::error::eof) {
    d.eof++;
  } else if (is_websocket_error(ec)) {
    d.protocol++;
  } else {
    d.reset++;
  }
  shared_.dropped++;
  close_socket();
}

void Connection::start_sending(Clock::time_point first_due, nanoseconds interval) {
  interval_ = interval;
  next_due_ = first_due;
  ws_.text(true);
  schedule();
}

void Connection::schedule() {
  if (state_ != State::Open) return;
  timer_.expires_at(next_due_);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->state_ != State::Open) return;
    self->unanswered_.push_back(self->next_due_);  // the round trip counts from the due time
    self->next_due_ += self->interval_;
    if (self->writing_)
      self->owed_++;
    else
      self->write();
    self->schedule();
  });
}

void Connection::write() {
  writing_ = true;
  ws_.async_write(net::buffer(shared_.options->message),
                  [self = shared_from_this()](beast::error_code ec, size_t) {
                    self->writing_ = false;
                    if (ec) return self->on_ended(ec);
                    self->stats_.sent++;
                    self->shared_.sent++;
                    if (self->state_ == State::Closing)
                      return self->finish();  // the close waited for this write
                    if (self->owed_ && self->state_ == State::Open) {
                      self->owed_--;
                      self->write();
                    }
                  });
}

void Connection::finish() {
  if (state_ == State::Opening || state_ == State::Idle) return close_socket();
  if (state_ != State::Open && state_ != State::Closing) return;
  state_ = State::Closing;
  timer_.cancel();
  if (writing_) return;  // write() calls finish() again when done
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
    self->state_ = State::Ended;
    self->close_socket();
  });
}

void Connection::force_close() {
  timer_.cancel();
  close_socket();
}

}  // namespace

Result<ParsedUrl> parse_ws_url(std::string_view url) {
  constexpr std::string_view kScheme = "ws://";
  const std::string quoted = "'" + std::string(url) + "'";
  if (url.starts_with("wss://")) return Error(quoted + ": wss:// is not supported yet (use ws://)");
  if (!url.starts_with(kScheme))
    return Error(quoted + ": --ws expects a URL such as ws://127.0.0.1:3000/ws");
  auto parsed = parse_url("http://" + std::string(url.substr(kScheme.size())));
  if (!parsed) return Error(quoted + ": expected ws://HOST[:PORT]/PATH");
  return parsed;
}

Status ensure_open_files(uint32_t connections) {
  const uint64_t needed = connections + kReservedFiles;
  const uint64_t allowed = raise_open_file_limit();
  if (allowed < needed)
    return Error(
        std::to_string(connections) + " connections need about " + std::to_string(needed) +
        " open files, and this process may open at most " + std::to_string(allowed) +
        " (the hard limit, `ulimit -Hn`): use fewer connections (-c), or raise the hard limit " +
        "(as root, or LimitNOFILE= for a systemd service)");
  return {};
}

Result<WsResult> run_ws_load(const WsLoadOptions& o) {
  auto url = parse_ws_url(o.url);
  if (!url) return std::move(url).error();
  if (o.connections == 0) return Error("at least one connection is needed");
  if (o.rate && *o.rate <= 0) return Error("the rate must be above 0");
  if (o.max_in_flight == 0) return Error("at least one handshake must be allowed at a time");
  if (auto s = ensure_open_files(o.connections); !s) return std::move(s).error();
  const uint32_t threads = std::max<uint32_t>(1, std::min(o.threads, o.connections));

  Shared shared;
  shared.options = &o;
  const bool ipv6 = url->host.find(':') != std::string::npos;
  shared.host_header = (ipv6 ? "[" + url->host + "]" : url->host) +
                       (url->port == 80 ? "" : ":" + std::to_string(url->port));
  shared.target = url->target;
  {
    net::io_context resolver_ioc;
    tcp::resolver resolver(resolver_ioc);
    beast::error_code ec;
    auto found = resolver.resolve(url->host, std::to_string(url->port), ec);
    if (ec || found.empty()) return Error("cannot resolve '" + url->host + "': " + ec.message());
    shared.endpoint = *found.begin();
  }
  shared.opens_left = o.connections;

  std::vector<Stats> stats(threads);
  std::vector<std::unique_ptr<Worker>> workers;
  const uint32_t per_thread = std::max<uint32_t>(1, o.max_in_flight / threads);
  for (uint32_t t = 0; t < threads; ++t)
    workers.push_back(std::make_unique<Worker>(shared, stats[t], per_thread));
  for (uint32_t c = 0; c < o.connections; ++c) workers[c % threads]->add(c);
  const auto start = Clock::now();
  std::vector<std::thread> running;
  for (auto& w : workers) running.emplace_back([&w] { w->run(); });

  auto last_progress = Clock::now();
  while (!shared.over.load()) {
    std::this_thread::sleep_for(kProgressPoll);
    if (!o.on_progress || Clock::now() - last_progress < o.progress_interval) continue;
    last_progress = Clock::now();
    o.on_progress({shared.opened.load(), shared.failed.load(), shared.dropped.load(),
                   shared.sent.load(), shared.received.load(), shared.hold_start_ns.load() != 0});
  }
  const auto over_at = Clock::now();
  for (auto& t : running) t.join();

  WsResult r;
  r.url = o.url;
  r.connections = o.connections;
  r.threads = threads;
  r.hold_s = std::chrono::duration<double>(o.hold).count();
  r.rate = o.rate;
  r.message = o.message;
  const int64_t hold_start = shared.hold_start_ns.load();
  const auto open_end = hold_start ? from_ns(hold_start) : over_at;
  r.open_s = std::chrono::duration<double>(open_end - start).count();
  // The main thread notices the end up to a poll late: a hold that ran its course ends at hold_end.
  const int64_t hold_end = shared.hold_end_ns.load();
  const auto held_until = hold_end ? std::min(over_at, from_ns(hold_end)) : over_at;
  r.held_s = hold_start ? std::chrono::duration<double>(held_until - open_end).count() : 0;
  for (const auto& s : stats) {
    r.opened += s.opened;
    r.connect.merge(s.connect);
    r.round_trip.merge(s.round_trip);
    r.messages_sent += s.sent;
    r.messages_received += s.received;
    r.failed.connect += s.failed.connect;
    r.failed.timeout += s.failed.timeout;
    r.failed.reset += s.failed.reset;
    r.failed.protocol += s.failed.protocol;
    for (const auto& [code, n] : s.failed.status) r.failed.status[code] += n;
    r.dropped.eof += s.dropped.eof;
    r.dropped.reset += s.dropped.reset;
    r.dropped.protocol += s.dropped.protocol;
    for (const auto& [code, n] : s.dropped.close) r.dropped.close[code] += n;
  }
  return r;
}

}  // namespace edgectl::bench
