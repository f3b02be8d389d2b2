#include "support.hpp"

using namespace edgectl;

TEST_CASE("optimize: -Oz shrinks a C module and the result validates") {
  Bytes raw = test::compile_c(R"(
    #include <stdio.h>
    #include <stdlib.h>
    static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
    int main(int argc, char** argv) { printf("%d\n", fib(argc + 20)); return 0; })",
                              {"-O0"});
  auto stripped = wasm::strip_custom_sections(raw, "m.wasm", wasm::KeepNames::No);
  REQUIRE(stripped.ok());
  auto oz = wasm::optimize(*stripped, "m.wasm", {wasm::OptLevel::Oz, wasm::KeepNames::No, 0});
  REQUIRE_MESSAGE(oz.ok(), (oz.ok() ? "" : oz.error().message()));
  CHECK(oz->size() < stripped->size());
  CHECK(wasm::validate(*oz, "m.wasm", wasm::runtime_features()).ok());
  auto o0 = wasm::optimize(*stripped, "m.wasm", {wasm::OptLevel::O0, wasm::KeepNames::No, 0});
  REQUIRE(o0.ok());
  CHECK(*o0 == *stripped);
}

TEST_CASE("optimize: bad bytes are an Error, never a process exit inside binaryen") {
  Bytes garbage{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x7f};
  auto r = wasm::optimize(garbage, "g.wasm", {});
  CHECK_FALSE(r.ok());
  Bytes not_wasm{'h', 'e', 'l', 'l', 'o'};
  CHECK_FALSE(wasm::optimize(not_wasm, "h.wasm", {}).ok());
  CHECK_FALSE(wasm::optimize(Bytes{}, "e.wasm", {}).ok());
}

TEST_CASE("optimize: a feature outside the runtime set is refused before binaryen sees it") {
  // Atomics (threads) are not in runtime_features(); wabt's own wat2wasm makes the module.
  Bytes bytes = test::wat_all_features(R"((module (memory 1 1 shared)
      (func (export "f") (result i32) (i32.atomic.load (i32.const 0)))))");
  auto r = wasm::optimize(bytes, "t.wasm", {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("thread") != std::string::npos);
}

TEST_CASE("optimize: opt levels parse in both spellings") {
  CHECK(wasm::parse_opt_level("z") == wasm::OptLevel::Oz);
  CHECK(wasm::parse_opt_level("Oz") == wasm::OptLevel::Oz);
  CHECK(wasm::parse_opt_level("3") == wasm::OptLevel::O3);
  CHECK(wasm::parse_opt_level("Os") == wasm::OptLevel::Os);
  CHECK_FALSE(wasm::parse_opt_level("fast"));
  CHECK(wasm::to_string(wasm::OptLevel::O2) == "O2");
}
