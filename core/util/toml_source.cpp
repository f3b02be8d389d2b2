// Source text for TOML diagnostics (see toml_source.hpp).
#include "util/toml_source.hpp"

#include <algorithm>
#include <tuple>

namespace edgectl {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Code points in a UTF-8 string: every byte that is not a continuation byte (10xxxxxx).
constexpr unsigned char kContinuationMask = 0xC0, kContinuationTag = 0x80;
bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & kContinuationMask) == kContinuationTag;
}

uint32_t code_points(std::string_view s) {
  return static_cast<uint32_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

}  // namespace

SourceText::SourceText(std::string_view text, std::string file) : file_(std::move(file)) {
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // toml++ counts a tab as one column; a space keeps the caret under the right character.
    std::replace(line.begin(), line.end(), '\t', ' ');
    lines_.push_back(std::move(line));
    start = end + 1;
  }
}

TextLocation SourceText::at(uint32_t line, uint32_t column, uint32_t length) const {
  TextLocation loc{file_, line, column, std::max<uint32_t>(length, 1), {}};
  if (line >= 1 && line <= lines_.size()) loc.source_line = lines_[line - 1];
  return loc;
}

TextLocation SourceText::at(const toml::source_region& region) const {
  const uint32_t line = region.begin.line, column = region.begin.column;
  uint32_t length = 1;
  if (region.end.line == line && region.end.column > column) {
    length = region.end.column - column;
  } else if (region.end.line > line && line >= 1 && line <= lines_.size()) {
    const uint32_t width = code_points(lines_[line - 1]);
    if (width >= column) length = width - column + 1;
  }
  // Never past the end of the line (a line shown redacted is shorter than the one parsed).
  if (line >= 1 && line <= lines_.size()) {
    const uint32_t width = code_points(lines_[line - 1]);
    if (column <= width && column + length > width + 1) length = width - column + 1;
  }
  return at(line, column, length);
}

std::string SourceText::text(const toml::source_region& region) const {
  const uint32_t line = region.begin.line;
  if (line < 1 || line > lines_.size() || region.end.line != line ||
      region.end.column <= region.begin.column)
    return {};
  // Columns count code points: walk the UTF-8 to find the byte offsets.
  const std::string& s = lines_[line - 1];
  size_t begin = std::string::npos, end = s.size();
  uint32_t column = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (is_continuation(s[i])) continue;
    ++column;
    if (column == region.begin.column) begin = i;
    if (column == region.end.column) {
      end = i;
      break;
    }
  }
  return begin == std::string::npos ? std::string() : s.substr(begin, end - begin);
}

void Diagnostics::add(Location where, std::string message, std::vector<std::string> notes) {
  list_.push_back({Severity::Error, std::move(message), std::move(where), std::move(notes)});
}

std::vector<Diagnostic> Diagnostics::take_in_source_order() && {
  auto position = [](const Diagnostic& d) {
    if (const auto* t = std::get_if<TextLocation>(&d.location))
      return std::tuple(t->line, t->column);
    return std::tuple(uint32_t{0}, uint32_t{0});
  };
  std::stable_sort(list_.begin(), list_.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    return position(a) < position(b);
  });
  return std::move(list_);
}

}  // namespace edgectl
