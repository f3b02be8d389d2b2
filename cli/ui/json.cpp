#include "ui/json.hpp"

#include <iostream>

namespace edgectl::ui {

nlohmann::json to_json(const Diagnostic& d) {
  nlohmann::json j;
  j["severity"] = d.severity == Severity::Error ? "error" : d.severity == Severity::Warning ? "warning" : "note";
  j["message"] = d.message;
  std::visit(
      [&](const auto& loc) {
        using T = std::decay_t<decltype(loc)>;
        if constexpr (std::is_same_v<T, FileLocation>) {
          j["file"] = loc.file;
        } else if constexpr (std::is_same_v<T, TextLocation>) {
          j["file"] = loc.file;
          j["line"] = loc.line;
          j["column"] = loc.column;
        } else if constexpr (std::is_same_v<T, WasmLocation>) {
          j["file"] = loc.file;
          j["offset"] = loc.offset;
        } else if constexpr (std::is_same_v<T, RegistryLocation>) {
          j["reference"] = loc.reference;
          j["http_status"] = loc.http_status;
          j["code"] = loc.code;
        }
      },
      d.location);
  if (!d.notes.empty()) j["notes"] = d.notes;
  return j;
}

nlohmann::json to_json(const Error& e) {
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& d : e.diagnostics()) errors.push_back(to_json(d));
  return {{"ok", false}, {"errors", errors}};
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << "\n" << std::flush; }

}  // namespace edgectl::ui
