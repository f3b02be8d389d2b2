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

namespace {

// Runs one instance of the component: `env` as its environment, `input` on stdin, stdout
// captured. On success (exit 0 or returning from _start) calls `on_output` with stdout;
// otherwise fills the 500/504 failure.
// The host module's state for one instance (null when the component has no services).
std::shared_ptr<runtime::host::Session> session_for(const Component& component, std::string_view request_id,
                                                    std::string ws_route = {}, std::string ws_connection = {}) {
  // Only modules that can call the host API pay for a session (not the hot hello path).
  if (!component.services || !component.imports_host_api) return nullptr;
  auto s = std::make_shared<runtime::host::Session>();
  s->services = component.services;
  s->grants = component.grants;
  s->request_id = std::string(request_id);
  s->ws_route = std::move(ws_route);
  s->ws_connection = std::move(ws_connection);
  return s;
}

template <class OnOutput>
Execution run_guest(const Component& component, std::vector<std::pair<std::string, std::string>> env,
                    std::string_view input, std::shared_ptr<runtime::host::Session> session, OnOutput on_output) {
  Execution out;
  runtime::wasi::WasiConfig config;
  config.host_session = std::move(session);
  config.args.push_back(component.id);
  config.args.insert(config.args.end(), component.args.begin(), component.args.end());
  config.env = std::move(env);
  config.preopens = component.preopens;
  config.stdin_mode = runtime::wasi::StdioMode::Buffer;
  config.stdin_data = std::string(input);
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
  if (wasi.output_truncated()) return fail(500, "output over " + std::to_string(kMaxResponseBytes) + " bytes");
  if (auto problem = on_output(std::move(wasi.captured_stdout()), out); !problem.empty())
    return fail(500, std::move(problem));
  return out;
}

}  // namespace

Execution execute(const Component& component, const Request& request, const RouteMatch& match,
                  std::string_view request_id) {
  return run_guest(component, cgi_environment(request, match, request_id, component.env), request.body,
                   session_for(component, request_id), [](std::string stdout_text, Execution& out) -> std::string {
                     auto parsed = parse_cgi_response(stdout_text);
                     if (!parsed) return "bad CGI response: " + parsed.error().message();
                     out.response = std::move(parsed).value();
                     return {};
                   });
}

std::string_view to_string(WsEvent event) {
  switch (event) {
    case WsEvent::Open: return "open";
    case WsEvent::Message: return "message";
    case WsEvent::Close: return "close";
  }
  return "?";
}

Execution execute_ws_event(const Component& component, const Request& upgrade, const RouteMatch& match,
                           std::string_view event_id, const WsEventInput& event) {
  auto env = cgi_environment(upgrade, match, event_id, component.env);
  // The WS_ variables replace any the component set itself (the server's values win).
  std::erase_if(env, [](const auto& kv) { return kv.first.starts_with("WS_"); });
  // CONTENT_LENGTH is the size of what is on stdin: the message, not the upgrade's body.
  for (auto& [name, value] : env)
    if (name == "CONTENT_LENGTH") value = std::to_string(event.payload.size());
  env.emplace_back("WS_EVENT", std::string(to_string(event.event)));
  env.emplace_back("WS_CONNECTION_ID", std::string(event.connection_id));
  env.emplace_back("WS_MESSAGE_TYPE", event.binary ? "binary" : "text");
  auto session = session_for(component, event_id, match.route,
                             std::string(event.connection_id));
  return run_guest(component, std::move(env), event.payload, std::move(session), [](std::string stdout_text, Execution& out) {
    out.response.body = std::move(stdout_text);
    return std::string();
  });
}

}  // namespace edgectl::http
