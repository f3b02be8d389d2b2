// Loading what serve serves (see app.hpp).
#include "http/app.hpp"

#include <algorithm>

#include "util/fs.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::http {
namespace {

namespace fs = std::filesystem;

Result<std::shared_ptr<const runtime::Module>> load_module(const fs::path& path, runtime::Engine& engine,
                                                           const LoadAppOptions& options,
                                                           const std::set<std::string>& host_modules) {
  auto bytes = wasm::read_module(path);
  if (!bytes) return std::move(bytes).error();
  runtime::LoadOptions load;
  load.name = path.string();
  load.host_modules = host_modules;
  load.on_notice = options.on_notice;
  load.on_warning = options.on_warning;
  return engine.load(*bytes, load);
}

bool imports_host_api(const runtime::Module& module) {
  const auto& imports = module.info().imports;
  return std::any_of(imports.begin(), imports.end(),
                     [](const auto& i) { return i.module == runtime::host::kModuleName; });
}

runtime::Limits with_default_timeout(runtime::Limits limits) {
  if (!limits.timeout) limits.timeout = kDefaultRequestTimeout;
  return limits;
}

}  // namespace

Result<App> load_app(const manifest::Manifest& m, runtime::Engine& engine, const LoadAppOptions& options) {
  App app;
  std::shared_ptr<runtime::host::Services> services = options.services;
  if (!services) {
    runtime::host::ServicesOptions o;
    o.kv_dir = m.dir / ".edgectl" / "kv";
    services = std::make_shared<runtime::host::Services>(std::move(o));
  }
  for (const auto& c : m.components) {
    const fs::path source = m.dir / c.source.value;
    std::set<std::string> hosts(c.host_modules.begin(), c.host_modules.end());
    auto module = load_module(source, engine, options, hosts);
    if (!module) {
      Error e = std::move(module).error();
      return std::move(e).context("component '" + c.id.value + "' (" + m.path.string() + ":" +
                                  std::to_string(c.id.where.line) + "): ");
    }
    Component out;
    out.id = c.id.value;
    out.module = std::move(module).value();
    out.env = c.env;
    out.args = c.args;
    for (const auto& f : c.files)
      out.preopens.push_back({m.dir / f.source, f.destination, f.writable});
    out.limits = with_default_timeout(options.defaults);
    if (c.limits.max_memory) out.limits.max_memory_bytes = c.limits.max_memory->value.bytes;
    if (c.limits.timeout) out.limits.timeout = c.limits.timeout->value;
    if (c.limits.fuel) out.limits.fuel = c.limits.fuel->value;
    if (c.limits.max_concurrent) out.max_concurrent = c.limits.max_concurrent->value;
    auto grants = std::make_shared<runtime::host::Grants>();
    grants->component = c.id.value;
    for (const auto& store : c.key_value_stores) grants->stores.insert(store.value);
    for (const auto& h : c.allowed_outbound_hosts)
      if (auto p = runtime::host::parse_host_pattern(h.value)) grants->outbound.push_back(std::move(*p));
    out.services = services;
    out.grants = std::move(grants);
    out.imports_host_api = imports_host_api(*out.module);
    app.components.push_back(std::move(out));
  }
  for (const auto& r : m.routes) {
    RouteTarget t;
    t.route = r.path.value;
    t.prefix = r.prefix;
    t.exact = r.match == manifest::RouteMatch::Exact;
    if (r.component) t.component = r.component->value;
    if (r.static_dir) t.static_dir = (m.dir / r.static_dir->value).lexically_normal().string();
    t.websocket = r.websocket;
    if (r.canary) {
      Canary c;
      c.component = r.canary->component.value;
      if (r.canary->header_name) c.header_name = *r.canary->header_name;
      if (r.canary->header_value) c.header_value = *r.canary->header_value;
      if (r.canary->weight) c.weight = r.canary->weight->value;
      if (r.canary->sticky) {
        const std::string& s = *r.canary->sticky;
        if (s.starts_with("cookie:")) c.sticky_cookie = s.substr(7);
        else if (s.starts_with("header:")) c.sticky_header = s.substr(7);
      }
      t.canary = std::move(c);
    }
    app.routes.push_back(std::move(t));
  }
  return app;
}

Result<App> load_module_app(const fs::path& path, runtime::Engine& engine, const LoadAppOptions& options) {
  auto module = load_module(path, engine, options, {});
  if (!module) return std::move(module).error();
  App app;
  Component c;
  c.id = "main";
  c.module = std::move(module).value();
  c.limits = with_default_timeout(options.defaults);
  // A bare module may log; it has no stores or outbound hosts to use.
  c.services = options.services;
  if (!c.services) {
    runtime::host::ServicesOptions o;
    o.kv = runtime::host::ServicesOptions::Kv::Memory;
    c.services = std::make_shared<runtime::host::Services>(std::move(o));
  }
  auto grants = std::make_shared<runtime::host::Grants>();
  grants->component = "main";
  c.grants = std::move(grants);
  c.imports_host_api = imports_host_api(*c.module);
  app.components.push_back(std::move(c));
  RouteTarget all;
  all.route = "/...";
  all.prefix = "/";
  all.component = "main";
  app.routes.push_back(std::move(all));
  return app;
}

}  // namespace edgectl::http
