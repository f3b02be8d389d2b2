#pragma once
// `edgectl new`: project templates compiled into the binary (templates/<name>/), written
// out with the app name filled in. A template folder holds template.toml (its description,
// not copied), edgectl.toml, the handler source and a README.md; "{{name}}" in any file
// becomes the app name.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace edgectl::scaffold {

struct TemplateInfo {
  std::string name;         // "http-c"
  std::string description;  // one line
  std::string language;     // "c", "rust", "go", "tinygo", "assemblyscript", "wat"
  std::vector<std::string> files;  // relative paths written into the project
};

std::vector<TemplateInfo> list_templates();

enum class Overwrite { No, Yes };

struct ScaffoldResult {
  std::filesystem::path dir;
  std::vector<std::string> files;  // relative paths written
};

// Writes template `template_name` into `dir` (created if missing). Refuses a non-empty
// `dir` unless overwrite is Yes. `app_name` must be a valid component id.
Result<ScaffoldResult> create_project(std::string_view template_name, std::string_view app_name,
                                      const std::filesystem::path& dir, Overwrite overwrite);

}  // namespace edgectl::scaffold
