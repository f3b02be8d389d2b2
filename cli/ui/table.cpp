#include "ui/table.hpp"

#include <algorithm>

#include "ui/style.hpp"

namespace edgectl::ui {

size_t display_width(const std::string& s) {
  size_t w = 0;
  bool in_escape = false;
  for (unsigned char c : s) {
    if (c == 0x1b) in_escape = true;
    if (in_escape) {
      if (c == 'm') in_escape = false;
      continue;
    }
    if ((c & 0xC0) != 0x80) ++w;
  }
  return w;
}

Table::Table(std::vector<std::string> headers, std::vector<Align> align)
    : headers_(std::move(headers)), align_(std::move(align)) {
  align_.resize(headers_.size(), Align::Left);
}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::render(bool color) const {
  std::vector<size_t> width(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) width[i] = display_width(headers_[i]);
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      size_t pad = width[i] - display_width(cells[i]);
      std::string cell = header ? ansi(cells[i], Tone::Bold, color) : cells[i];
      if (align_[i] == Align::Right) cell = std::string(pad, ' ') + cell;
      else if (i + 1 < cells.size()) cell += std::string(pad, ' ');
      out += cell;
      if (i + 1 < cells.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers_, true);
  for (const auto& row : rows_) out += line(row, false);
  return out;
}

}  // namespace edgectl::ui
