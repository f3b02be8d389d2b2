// edgectl bench --ws (see bench_modes.hpp): WebSocket load from core/bench/ws_load, a
// summary table or the `ws` key of a --json document (docs/bench.md, "WebSocket load").
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/ws_load.hpp"
#include "bench_modes.hpp"
#include "bench_output.hpp"
#include "ui/diagnostic.hpp"
#include "ui/style.hpp"
#include "util/units.hpp"

namespace edgectl::cli {
namespace {

// Sent with --rate when --message is not given.
constexpr const char* kDefaultMessage = "ping";
// `--message @FILE` reads the message from FILE.
constexpr char kFilePrefix = '@';

std::string count(uint64_t n) {
  return format_thousands(static_cast<double>(n));
}

// "status 503: 50, timeout: 2" from the non-zero counts; "none" when all are zero.
std::string reasons(const std::vector<std::pair<std::string, uint64_t>>& counts) {
  std::string out;
  for (const auto& [why, n] : counts)
    if (n) out += (out.empty() ? "" : ", ") + why + ": " + count(n);
  return out.empty() ? "none" : ui::paint(out, ui::Tone::Red, stdout);
}

std::string percentiles(const bench::Histogram& h) {
  if (!h.count()) return "none measured";
  return "p50 " + format_ms(h.percentile(50)) + "  p90 " + format_ms(h.percentile(90)) + "  p99 " +
         format_ms(h.percentile(99)) + "  max " + format_ms(h.max()) + " ms";
}

void print_ws_summary(const bench::WsResult& r) {
  std::printf("%s\n", ui::paint("WebSocket " + r.url, ui::Tone::Bold, stdout).c_str());
  std::printf("  %s connections asked, %u threads; opening took %.2f s, held %.1f s\n",
              count(r.connections).c_str(), r.threads, r.open_s, r.held_s);
  std::printf("  opened     %s\n", count(r.opened).c_str());
  std::vector<std::pair<std::string, uint64_t>> failed = {{"connect", r.failed.connect},
                                                          {"timeout", r.failed.timeout},
                                                          {"reset", r.failed.reset},
                                                          {"protocol", r.failed.protocol}};
  for (const auto& [status, n] : r.failed.status)
    failed.emplace_back("status " + std::to_string(status), n);
  std::printf("  failed     %s\n", reasons(failed).c_str());
  std::vector<std::pair<std::string, uint64_t>> dropped;
  for (const auto& [code, n] : r.dropped.close)
    dropped.emplace_back("close " + std::to_string(code), n);
  dropped.insert(
      dropped.end(),
      {{"eof", r.dropped.eof}, {"reset", r.dropped.reset}, {"protocol", r.dropped.protocol}});
  std::printf("  dropped    %s\n", reasons(dropped).c_str());
  std::printf("  connect    %s\n", percentiles(r.connect).c_str());
  if (!r.rate) return;
  std::printf("  messages   %s sent, %s received (%s/s asked)\n", count(r.messages_sent).c_str(),
              count(r.messages_received).c_str(), format_thousands(*r.rate).c_str());
  std::printf("  round trip %s\n", percentiles(r.round_trip).c_str());
}

Result<std::string> read_message(const std::string& flag) {
  if (flag.empty()) return std::string(kDefaultMessage);
  if (flag.front() != kFilePrefix) return flag;
  const std::string path = flag.substr(1);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("--message " + flag + ": cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

void add_ws_flags(CLI::App& cmd, WsBenchFlags& flags) {
  auto positive_duration = [](const std::string& v) {
    return parse_duration(v) && *parse_duration(v) > std::chrono::nanoseconds(0)
               ? ""
               : "expected a duration such as 30s";
  };
  CLI::Option* ws =
      cmd.add_flag("--ws", flags.ws,
                   "WebSocket load: open and hold -c connections to a ws:// URL (docs/bench.md)");
  cmd.add_option("--hold", flags.hold,
                 "With --ws: hold the connections this long (default: -d, 10s)")
      ->type_name("DUR")
      ->check(positive_duration)
      ->needs(ws);
  cmd.add_option("--message", flags.message,
                 "With --ws --rate: the message to send (default \"ping\"), or @FILE")
      ->type_name("TEXT|@FILE")
      ->needs(ws);
}

int run_ws_bench(const WsBenchFlags& flags, const BenchCommon& common) {
  const auto& load = common.load;
  const auto usage = [&](const Error& e) { return ui::fail(e, common.json), kBenchExitUsage; };
  if (load.url.empty()) return usage(Error("--ws needs a URL such as ws://127.0.0.1:3000/ws"));
  if (auto url = bench::parse_ws_url(load.url); !url) return usage(url.error());
  if (load.requests) return usage(Error("-n does not apply to --ws: give --hold (or -d)"));
  if (common.baseline || !common.html.empty())
    return usage(Error("--baseline and --html do not apply to --ws yet"));
  if (!flags.message.empty() && !load.rate)
    return usage(Error("--message is sent at --rate MSGS (per second): give one"));
  auto message = read_message(flags.message);
  if (!message) return usage(message.error());

  bench::WsLoadOptions ws;
  ws.url = load.url;
  ws.connections = load.connections;
  ws.threads = load.threads;
  ws.hold = flags.hold.empty() ? *load.duration : *parse_duration(flags.hold);
  ws.rate = load.rate;
  ws.message = std::move(message).value();
  ws.timeout = load.timeout;
  ws.stop = load.stop;
  const bool tty = ::isatty(STDERR_FILENO);
  if (tty && !common.json)
    ws.on_progress = [](const bench::WsProgress& p) {
      std::fprintf(stderr, "\r\033[K  %s  %s open  %s failed  %s dropped  %s sent  %s received",
                   p.holding ? "holding" : "opening", count(p.opened).c_str(),
                   count(p.failed).c_str(), count(p.dropped).c_str(), count(p.sent).c_str(),
                   count(p.received).c_str());
      std::fflush(stderr);
    };
  auto result = bench::run_ws_load(ws);
  if (tty && !common.json) std::fprintf(stderr, "\r\033[K");
  if (!result) return ui::fail(result.error(), common.json);

  if (common.json) {
    nlohmann::ordered_json doc = bench::to_json(std::vector<bench::RunResult>{});
    doc["ws"] = bench::to_json(*result);
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    print_ws_summary(*result);
  }
  if (result->opened < result->connections) {
    if (!common.json)
      ui::print_error(Error("opened " + count(result->opened) + " of " +
                            count(result->connections) + " connections (" +
                            count(result->failed.total()) + " failed; see above)"));
    return kBenchExitError;
  }
  return kBenchExitOk;
}

}  // namespace edgectl::cli
