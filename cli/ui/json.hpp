#pragma once
// --json rendering helpers shared by the verbs.
#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace edgectl::ui {

// {"severity":"error","message":…,"file":…,"line":…,"column":…} or {"offset":…} etc.
nlohmann::json to_json(const Diagnostic& d);
nlohmann::json to_json(const Error& e);  // {"ok": false, "errors": [...]}

// Prints one JSON document on stdout, indented.
void print_json(const nlohmann::json& j);

}  // namespace edgectl::ui
