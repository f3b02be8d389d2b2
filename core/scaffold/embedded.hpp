#pragma once
// The raw files of templates/, compiled into the binary by templates/embed.cmake.
#include <span>
#include <string_view>

namespace edgectl::scaffold {

struct EmbeddedFile {
  std::string_view path;  // "<template>/<relative path>", '/'-separated
  std::string_view data;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace edgectl::scaffold
