#include <doctest/doctest.h>

#include "util/fs.hpp"
#include "util/glob.hpp"

using namespace edgectl;

TEST_CASE("glob: '*' stays in a segment, '**' spans segments") {
  CHECK(glob_match("*.c", "main.c"));
  CHECK_FALSE(glob_match("*.c", "src/main.c"));
  CHECK(glob_match("src/*.c", "src/main.c"));
  CHECK(glob_match("**/*.c", "main.c"));
  CHECK(glob_match("**/*.c", "a/b/c/main.c"));
  CHECK(glob_match("src/**/*.h", "src/x.h"));
  CHECK(glob_match("src/**/*.h", "src/a/b/x.h"));
  CHECK_FALSE(glob_match("src/**/*.h", "include/x.h"));
  CHECK(glob_match("ma?n.go", "main.go"));
  CHECK_FALSE(glob_match("main.go", "main.go.bak"));
  CHECK(glob_match("./go.mod", "go.mod"));
}

TEST_CASE("glob: glob_files walks a tree, skipping hidden and tool folders") {
  TempDir dir;
  for (const char* f : {"main.c", "src/a.c", "src/deep/b.c", "src/x.h", ".hidden/c.c", "node_modules/d.c", "README.md"})
    REQUIRE(write_file_atomic(dir.path() / f, std::string_view("x")).ok());
  auto files = glob_files(dir.path(), {"**/*.c"});
  CHECK(files == std::vector<std::string>{"main.c", "src/a.c", "src/deep/b.c"});
  CHECK(glob_files(dir.path(), {"src/*.h", "README.md"}) == std::vector<std::string>{"README.md", "src/x.h"});
}
