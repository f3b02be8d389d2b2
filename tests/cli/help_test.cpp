// Golden tests for `edgectl --help` and every verb's --help (CRIBSHEET convention 6, as
// wabt's test/help): tests/golden/help/<verb>.txt, and <verb>-<subcommand>.txt for a verb's
// own subcommands. The lists are read from the help texts, so a new verb or subcommand
// without a golden file fails until it is blessed.
// EDGECTL_BLESS=1 rewrites the files; review the diff before committing it.
#include <cstdlib>
#include <sstream>

#include "support.hpp"

namespace fs = std::filesystem;

namespace {

fs::path help_dir() { return edgectl::test::source_dir() / "tests" / "golden" / "help"; }

bool blessing() {
  const char* bless = std::getenv("EDGECTL_BLESS");
  return bless != nullptr && std::string_view(bless) == "1";
}

// The verbs listed under "Subcommands:" in the top-level help.
std::vector<std::string> verbs(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream in(help);
  std::string line;
  bool in_list = false;
  while (std::getline(in, line)) {
    if (line == "Subcommands:") {
      in_list = true;
    } else if (in_list && line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
      out.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else if (in_list && line.empty()) {
      break;
    }
  }
  return out;
}

void check_golden(const std::string& name, const std::string& actual) {
  INFO("golden help: ", name);
  const fs::path file = help_dir() / (name + ".txt");
  if (blessing()) {
    REQUIRE(edgectl::write_file_atomic(file, actual).ok());
    return;
  }
  auto expected = edgectl::read_text_file(file);
  REQUIRE_MESSAGE(expected.ok(), "no tests/golden/help/" << name << ".txt; run with EDGECTL_BLESS=1");
  CHECK(*expected == actual);
}

}  // namespace

TEST_SUITE("golden") {
  TEST_CASE("cli: --help of edgectl and of every verb matches tests/golden/help") {
    auto top = edgectl::test::run_edgectl({"--help"});
    REQUIRE(top.exit_code == 0);
    check_golden("edgectl", top.out);
    const auto names = verbs(top.out);
    REQUIRE(names.size() >= 3);
    for (const auto& verb : names) {
      auto help = edgectl::test::run_edgectl({verb, "--help"});
      CHECK(help.exit_code == 0);
      CHECK_MESSAGE(help.out.find("Examples:") != std::string::npos, verb << " --help has no examples");
      check_golden(verb, help.out);
      // A verb with subcommands (cache list, cache clear): each has its own golden file.
      for (const auto& sub : verbs(help.out)) {
        auto sub_help = edgectl::test::run_edgectl({verb, sub, "--help"});
        CHECK(sub_help.exit_code == 0);
        CHECK_MESSAGE(sub_help.out.find("Examples:") != std::string::npos, verb << " " << sub << " --help has no examples");
        check_golden(verb + "-" + sub, sub_help.out);
      }
    }
  }
}
