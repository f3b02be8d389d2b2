// Golden tests (CRIBSHEET convention 6): tests/golden/manifest/<case>.toml sits next to
// <case>.err, the diagnostics exactly as the CLI prints them (without colour). The file is
// parsed under its bare name, so the expected output holds "<case>.toml:3:7", not a path.
// EDGECTL_BLESS=1 rewrites the .err files; review the diff before committing it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "manifest/manifest.hpp"
#include "ui/diagnostic.hpp"
#include "util/fs.hpp"

namespace fs = std::filesystem;

namespace {

fs::path golden_dir() {
  return fs::path(EDGECTL_SOURCE_DIR) / "tests" / "golden" / "manifest";
}

bool blessing() {
  const char* bless = std::getenv("EDGECTL_BLESS");
  return bless != nullptr && std::string_view(bless) == "1";
}

std::vector<fs::path> golden_cases() {
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(golden_dir()))
    if (entry.path().extension() == ".toml") cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  return cases;
}

}  // namespace

TEST_SUITE("golden") {
  TEST_CASE("manifest: golden diagnostics match tests/golden/manifest") {
    const auto cases = golden_cases();
    REQUIRE_FALSE(cases.empty());
    for (const auto& toml_file : cases) {
      const std::string name = toml_file.filename().string();
      INFO("golden case: ", name);
      auto text = edgectl::read_text_file(toml_file);
      REQUIRE(text.ok());
      auto manifest = edgectl::manifest::parse_manifest(*text, name);
      const std::string actual =
          manifest.ok() ? "" : edgectl::ui::format_error(manifest.error(), false);
      fs::path err_file = toml_file;
      err_file.replace_extension(".err");
      if (blessing()) {
        REQUIRE(edgectl::write_file_atomic(err_file, actual).ok());
        continue;
      }
      auto expected = edgectl::read_text_file(err_file);
      REQUIRE_MESSAGE(expected.ok(),
                      "no " << err_file.filename().string() << "; run with EDGECTL_BLESS=1");
      CHECK(actual == *expected);
    }
  }
}
