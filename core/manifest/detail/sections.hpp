#pragma once
// Internal to core/manifest: one reader per table of edgectl.toml. Each fills what it could
// read and records every problem in the Context; checks that span tables (route -> component)
// run afterwards in manifest.cpp.
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "manifest/detail/reader.hpp"
#include "manifest/manifest.hpp"

namespace edgectl::manifest::detail {

// "c", "rust", ... in the order docs/manifest.md lists them.
std::vector<std::string> language_names();

App read_app(const Context& cx, const toml::table& table);
Component read_component(const Context& cx, const toml::table& table);
Route read_route(const Context& cx, const toml::table& table);
ServeSettings read_serve(const Context& cx, const toml::table& table);

}  // namespace edgectl::manifest::detail
