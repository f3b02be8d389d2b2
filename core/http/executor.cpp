// The WAGI executor (see executor.hpp).
#include "http/executor.hpp"

namespace edgectl::http {
namespace {

Response error_response(int status, std::string_view text) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = std::string(text) + "\n";
  return r;
}

}  // namespace

Execution execute(const Component& component, const Request& request, const RouteMatch& match,
                  std::string_view request_id) {
  Execution out;
  runtime::wasi::WasiConfig config;
  config.args.push_back(component.id);
  config.args.insert(config.args.end(), component.args.begin(), component.args.end());
  config.env = cgi_environment(request, match, request_id, component.env);
  config.preopens = component.preopens;
  config.stdin_mode = runtime::wasi::StdioMode::Buffer;
  config.stdin_data = request.body;
  config.stdout_mode = runtime::wasi::StdioMode::Buffer;
  config.stderr_mode = runtime::wasi::StdioMode::Buffer;
  config.max_captured_output = kMaxResponseBytes;

  auto fail = [&](int status, std::string why) {
    out.failure = std::move(why);
    out.response = error_response(status, status == 504 ? "Gateway Timeout" : "Internal Server Error");
    return out;
  };
  auto ctx = runtime::wasi::WasiCtx::create(std::move(config));
  if (!ctx) return fail(500, "wasi: " + ctx.error().message());
  auto instance = component.module->instantiate(std::move(ctx).value(), component.limits);
  if (!instance) return fail(500, "instantiate: " + instance.error().message());
  auto outcome = (*instance)->run_start();
  auto& wasi = (*instance)->wasi();
  out.guest_stderr = wasi.captured_stderr().substr(0, kMaxLoggedStderr);
  if (!outcome) return fail(500, outcome.error().message());
  out.engine = std::string(outcome->engine);
  out.instantiate_time = outcome->instantiate_time;
  out.guest_time = outcome->run_time;
  using S = runtime::RunOutcome::Status;
  if (outcome->status == S::Trapped) {
    out.trapped = true;
    if (outcome->trap->kind == runtime::TrapKind::Timeout) {
      out.timed_out = true;
      return fail(504, "trap: " + runtime::describe(*outcome->trap));
    }
    return fail(500, "trap: " + runtime::describe(*outcome->trap));
  }
  if (outcome->status == S::Exited && outcome->exit_code != 0)
    return fail(500, "exit code " + std::to_string(outcome->exit_code));
  if (wasi.output_truncated()) return fail(500, "response over " + std::to_string(kMaxResponseBytes) + " bytes");
  auto parsed = parse_cgi_response(wasi.captured_stdout());
  if (!parsed) return fail(500, "bad CGI response: " + parsed.error().message());
  out.response = std::move(parsed).value();
  return out;
}

}  // namespace edgectl::http
