// [app]: the name, version and registry an app is built and pushed under.
#include "manifest/detail/sections.hpp"
#include "manifest/detail/values.hpp"

namespace edgectl::manifest::detail {

App read_app(const Context& cx, const toml::table& table) {
  TableReader r(cx, table, "in [app]", {"name", "version", "registry", "description"});
  App app;
  if (auto name = r.string("name", Presence::Required)) {
    if (auto ok = check_id(name->value, "app name"); !ok) cx.error(name->where, ok.error());
    app.name = std::move(*name);
  }
  if (auto version = r.string("version")) {
    if (auto ok = check_version(version->value); !ok) cx.error(version->where, ok.error());
    app.version = std::move(*version);
  }
  if (auto registry = r.string("registry")) {
    if (auto ok = check_registry(registry->value); !ok) cx.error(registry->where, ok.error());
    app.registry = std::move(*registry);
  }
  if (auto description = r.string("description")) app.description = std::move(description->value);
  return app;
}

}  // namespace edgectl::manifest::detail
