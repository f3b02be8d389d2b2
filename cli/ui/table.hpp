#pragma once
// Plain-text tables: a header row, aligned columns (numbers right-aligned), no borders.
#include <string>
#include <vector>

namespace edgectl::ui {

enum class Align { Left, Right };

class Table {
 public:
  explicit Table(std::vector<std::string> headers, std::vector<Align> align = {});
  void add_row(std::vector<std::string> cells);
  // `color` dims nothing but bolds the header row.
  std::string render(bool color = false) const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text (counts code points; our tables hold no wide characters).
size_t display_width(const std::string& s);

}  // namespace edgectl::ui
