#pragma once
// TOML source text for diagnostics: the file's lines, so each problem carries its source
// line for the caret display, and the sink that collects every problem (in source order)
// instead of stopping at the first. Used by core/manifest (edgectl.toml) and by the host's
// runtime config.
#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace edgectl {

// A text's lines (a UTF-8 BOM dropped, tabs shown as one space as toml++ counts them).
class SourceText {
 public:
  SourceText(std::string_view text, std::string file);
  const std::string& file() const { return file_; }
  // A location covering `region` (toml++ counts columns in code points, as the caret display
  // does). A region spanning lines is underlined to the end of its first line.
  TextLocation at(const toml::source_region& region) const;
  TextLocation at(uint32_t line, uint32_t column, uint32_t length) const;
  // The text `region` covers when it is on one line ("1.2" for a float), else "".
  std::string text(const toml::source_region& region) const;

 private:
  std::string file_;
  std::vector<std::string> lines_;
};

// Every problem found so far.
class Diagnostics {
 public:
  void add(Location where, std::string message, std::vector<std::string> notes = {});
  bool empty() const { return list_.empty(); }
  // In source order, whatever order the checks ran in (toml++ iterates tables by key name);
  // problems with no line (a missing table) come first.
  std::vector<Diagnostic> take_in_source_order() &&;

 private:
  std::vector<Diagnostic> list_;
};

}  // namespace edgectl
