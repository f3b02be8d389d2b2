#pragma once
// One WebSocket connection after the handshake: framing (ws_frame.hpp) over an Asio socket.
// Included by server.cpp only (Asio compiles slowly; see server.hpp).
//
// Lean while idle, by design (docs/benchmarks.md measures it): no read buffer is held while
// waiting (a zero-byte async_wait, then a read into a per-thread buffer), partial frames and
// the send queue are released once empty, frames are written directly when the socket takes
// them, and heartbeats need no timer per connection (the server's one ticker calls due() for
// each group of connections on their strand).
//
// Everything runs on the connection's strand (the socket's executor), shared with other
// connections of its group; send(), close() and resume() may be called from any thread.
#include <boost/asio.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "http/ws_frame.hpp"

namespace edgectl::http::detail {

// Read this much per wakeup into a per-thread buffer: a connection owns no read buffer.
inline constexpr size_t kWsReadChunk = 64 * 1024;
// After sending a close frame, how long to wait for the client's before dropping the socket.
inline constexpr std::chrono::milliseconds kWsCloseWait{2'000};

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The server's side (the guest's events) is a subclass: one allocation per connection.
class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  using tcp = boost::asio::ip::tcp;

  // The connection starts paused (busy): the server calls resume() once the guest's open
  // event succeeded.
  WsConnection(tcp::socket socket, const WebSocketLimits& limits, std::string id)
      : socket_(std::move(socket)), limits_(limits), id_(std::move(id)) {
    const int64_t t = now_ms();
    last_heard_ms_ = t;
    last_message_ms_ = t;
  }
  virtual ~WsConnection() = default;

  const std::string& id() const { return id_; }
  auto executor() { return socket_.get_executor(); }

  // `handshake_response`: the 101 response to write first; `pending`: bytes the client sent
  // after its handshake (already read by the HTTP parser).
  void start(std::string handshake_response, std::string pending) {
    boost::asio::dispatch(socket_.get_executor(), [self = shared_from_this(), h = std::move(handshake_response),
                                                   p = std::move(pending)]() mutable {
      if (!p.empty()) self->io().in = std::move(p);
      boost::system::error_code ignored;
      self->socket_.non_blocking(true, ignored);  // reads take what is there (on_readable)
      self->enqueue(std::move(h), /*control=*/true);
    });
  }

  // Sends one message (text or binary). Beyond the send queue's limit: closed with 1008.
  void send(std::string payload, bool binary) {
    boost::asio::dispatch(socket_.get_executor(), [self = shared_from_this(), p = std::move(payload), binary] {
      if (self->state_ != State::Open) return;
      self->last_message_ms_ = now_ms();
      self->enqueue(ws::encode_frame(binary ? ws::Opcode::Binary : ws::Opcode::Text, p), false);
    });
  }
  void close(uint16_t code, std::string reason) {
    boost::asio::dispatch(socket_.get_executor(), [self = shared_from_this(), code, r = std::move(reason)] {
      self->begin_close(code, r);
    });
  }
  // Reads the next message (after on_message's event, or the open event, is done).
  void resume() {
    boost::asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->busy_ = false;
      self->process();
    });
  }

  // Heartbeat and timeouts. Called by the server's ticker on the connection's strand.
  void due(int64_t now) {
    if (state_ == State::Closed) return;
    if (state_ == State::Closing) {
      if (now >= close_deadline_ms_) shut();
      return;
    }
    if (busy_) {  // a guest is working for it and nothing is read meanwhile (a pong may be
      last_heard_ms_ = now;  // waiting): the heartbeat starts over when it is done
      ping_sent_ms_ = 0;
      return;
    }
    if (now - last_message_ms_ >= limits_.idle_timeout.count()) return begin_close(ws::kCloseGoingAway, "idle timeout");
    if (ping_sent_ms_ && now - ping_sent_ms_ >= limits_.pong_timeout.count())
      return begin_close(ws::kCloseNoHeartbeat, "no answer to ping");
    if (!ping_sent_ms_ && now - last_heard_ms_ >= limits_.ping_interval.count()) {
      ping_sent_ms_ = now;
      enqueue(ws::encode_frame(ws::Opcode::Ping, {}), true);
    }
  }

  // Why the connection closed (after on_closing): the code sent, and the reason.
  uint16_t close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_why_; }

 protected:
  // A complete message arrived. The connection reads nothing more until resume().
  virtual void on_message(std::string payload, bool binary) = 0;
  // The closing handshake starts (once): `code` is the close code sent.
  virtual void on_closing(uint16_t code) = 0;
  // The connection is closed (once): `code` is the close code sent or received, 1006 when
  // it dropped without a close frame.
  virtual void on_closed(uint16_t code, std::string_view why) = 0;

 private:
  enum class State : uint8_t { Open, Closing, Closed };

  void wait_readable() {
    if (reading_ || state_ == State::Closed) return;
    reading_ = true;
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
      self->reading_ = false;
      if (ec) return self->shut();
      self->on_readable();
    });
  }

  void on_readable() {
    thread_local std::unique_ptr<char[]> chunk(new char[kWsReadChunk]);
    boost::system::error_code ec;
    size_t n = socket_.read_some(boost::asio::buffer(chunk.get(), kWsReadChunk), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) return wait_readable();
    if (ec) return shut();  // EOF or reset without a close frame (1006)
    last_heard_ms_ = now_ms();
    ping_sent_ms_ = 0;  // anything heard answers the ping
    io().in.append(chunk.get(), n);
    process();
  }

  // Frames out of the bytes read, until a message is handed to the guest or they run out.
  void process() {
    if (failing_) {  // after a protocol error nothing more is framed: drain until EOF
      if (io_) io_->in.clear();
      release_if_idle();
      return wait_readable();
    }
    size_t at = 0;
    // While closing, frames are read for the client's close frame even if a guest is busy.
    auto reading = [&] { return state_ == State::Closing || (!busy_ && state_ == State::Open); };
    while (io_ && reading()) {
      const std::string_view rest(io_->in.data() + at, io_->in.size() - at);
      const ws::ParsedHeader parsed = ws::parse_header(rest);
      if (parsed.status == ws::ParseStatus::NeedMore) break;
      if (parsed.status == ws::ParseStatus::Error) return protocol_error(parsed.close_code, parsed.why);
      const ws::FrameHeader& h = parsed.header;
      const bool control = static_cast<uint8_t>(h.opcode) & 0x8;
      if (!control) {
        if ((h.opcode == ws::Opcode::Continuation) != fragmented_)
          return protocol_error(ws::kCloseProtocol, fragmented_ ? "a new message inside a fragmented one"
                                                                : "a continuation frame with no message");
        if (io_->message.size() + h.length > limits_.max_message_bytes)
          return protocol_error(ws::kCloseTooBig, "message over the " + std::to_string(limits_.max_message_bytes) + "-byte limit");
      }
      if (rest.size() - h.header_bytes < h.length) break;  // the payload is still coming
      std::string payload(rest.substr(h.header_bytes, h.length));
      ws::unmask(payload.data(), payload.size(), h.mask, 0);
      at += h.header_bytes + h.length;
      switch (h.opcode) {
        case ws::Opcode::Ping:
          if (state_ == State::Open) enqueue(ws::encode_frame(ws::Opcode::Pong, payload), true);
          break;
        case ws::Opcode::Pong:
          break;
        case ws::Opcode::Close: {
          const uint16_t code = ws::parse_close_code(payload);
          if (code == 0) return protocol_error(ws::kCloseProtocol, "a malformed close frame");
          peer_closed_ = true;
          if (state_ == State::Open) {
            begin_close(code == 1005 ? uint16_t{ws::kCloseNormal} : code, "", /*empty_payload=*/code == 1005);
          } else if (close_sent_) {
            return shut();
          }
          break;
        }
        default: {
          if (h.opcode != ws::Opcode::Continuation) {
            binary_ = h.opcode == ws::Opcode::Binary;
            io_->message = std::move(payload);
          } else {
            io_->message += payload;
          }
          fragmented_ = !h.fin;
          if (fragmented_ || state_ != State::Open) break;
          if (!binary_ && !ws::valid_utf8(io_->message)) return protocol_error(ws::kCloseBadData, "a text message that is not UTF-8");
          busy_ = true;
          last_message_ms_ = now_ms();
          on_message(std::exchange(io_->message, std::string()), binary_);
        }
      }
    }
    if (io_) io_->in.erase(0, at);
    release_if_idle();  // no buffer kept while idle
    if (reading()) wait_readable();
  }

  // RFC 6455 §7.1.7, failing the connection: the rest of the stream cannot be framed, so
  // it is drained unread; after the close frame the socket is shut for sending, and closed
  // at the client's EOF (or kWsCloseWait).
  void protocol_error(uint16_t code, const std::string& why) {
    if (io_) {
      io_->in.clear();
      io_->message.clear();
    }
    failing_ = true;
    if (state_ == State::Open) begin_close(code, why);
    wait_readable();
  }

  // Sends a close frame (dropping queued messages not yet started), then waits for the
  // client's close frame, at most kWsCloseWait.
  void begin_close(uint16_t code, const std::string& why, bool empty_payload = false) {
    if (state_ != State::Open) return;
    state_ = State::Closing;
    close_code_ = code;
    on_closing(code);
    close_why_ = why;
    close_deadline_ms_ = now_ms() + kWsCloseWait.count();
    if (io_ && io_->queue.size() > (writing_ ? 1 : 0)) {
      const size_t keep = writing_ ? 1 : 0;  // the frame being written must finish
      for (size_t i = keep; i < io_->queue.size(); ++i) io_->queued_bytes -= io_->queue[i].size();
      io_->queue.resize(keep);
    }
    close_queued_ = true;
    enqueue(empty_payload ? ws::encode_frame(ws::Opcode::Close, {}) : ws::encode_close(code, why), true);
    wait_readable();  // for the client's close frame
  }

  void enqueue(std::string frame, bool control) {
    if (state_ == State::Closed) return;
    if (!control && (io_ ? io_->queued_bytes : 0) + frame.size() > limits_.max_send_queue_bytes)
      return begin_close(ws::kClosePolicy, "send queue over " + std::to_string(limits_.max_send_queue_bytes) +
                                              " bytes (the client reads too slowly)");
    if (!writing_ && (!io_ || io_->queue.empty())) {
      // Most frames fit in the socket's buffer: written at once, with no operation (and no
      // allocation) while 10,000 connections get their pings together.
      boost::system::error_code ec;
      const size_t n = socket_.write_some(boost::asio::buffer(frame), ec);
      if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) return shut();
      if (n == frame.size()) return drained();
      frame.erase(0, n);
    }
    io().queued_bytes += frame.size();
    io_->queue.push_back(std::move(frame));
    if (!writing_) write_next();
  }

  // Everything queued is written.
  void drained() {
    release_if_idle();
    if (close_queued_ && !close_sent_) {
      close_sent_ = true;
      if (peer_closed_) return shut();
      if (failing_) {
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
      }
    }
  }

  void write_next() {
    writing_ = true;
    boost::asio::async_write(socket_, boost::asio::buffer(io_->queue.front()),
                             [self = shared_from_this()](boost::system::error_code ec, size_t) {
                               self->on_written(ec);
                             });
  }

  void on_written(boost::system::error_code ec) {
    writing_ = false;
    if (ec || state_ == State::Closed) return shut();
    io_->queued_bytes -= io_->queue.front().size();
    io_->queue.erase(io_->queue.begin());
    if (!io_->queue.empty()) return write_next();
    drained();
  }

  void shut() {
    if (state_ == State::Closed) return;
    if (state_ == State::Open) close_code_ = 1006;  // closed without a close frame
    state_ = State::Closed;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (!writing_) io_.reset();  // else the write in progress still points into it
    on_closed(close_code_, close_why_);
  }

  tcp::socket socket_;
  const WebSocketLimits& limits_;  // the server's: outlives every connection
  std::string id_;
  // Buffers, allocated while in use only (an idle connection has none).
  struct Buffers {
    std::string in;       // bytes read, not yet framed
    std::string message;  // a fragmented message being put together
    std::vector<std::string> queue;  // frames to write, the front one being written
    size_t queued_bytes = 0;
  };
  Buffers& io() {
    if (!io_) io_ = std::make_unique<Buffers>();
    return *io_;
  }
  void release_if_idle() {
    if (io_ && !writing_ && io_->in.empty() && io_->message.empty() && io_->queue.empty()) io_.reset();
  }
  std::unique_ptr<Buffers> io_;
  std::string close_why_;
  uint16_t close_code_ = 0;
  bool reading_ = false, writing_ = false, fragmented_ = false, binary_ = false;
  bool close_queued_ = false, close_sent_ = false, peer_closed_ = false, failing_ = false;
  bool busy_ = true;  // a guest event runs for it: nothing is read
  State state_ = State::Open;
  int64_t last_heard_ms_ = 0, last_message_ms_ = 0, ping_sent_ms_ = 0, close_deadline_ms_ = 0;
};

}  // namespace edgectl::http::detail
