#include "support.hpp"

using namespace edgectl;

namespace {

// Names of the custom sections in a module (a test-side walk, independent of strip.cpp).
std::vector<std::string> custom_sections(const Bytes& b) {
  std::vector<std::string> names;
  size_t pos = 8;
  auto leb = [&](size_t& p) {
    uint32_t v = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t byte = b.at(p++);
      v |= uint32_t(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
  };
  while (pos < b.size()) {
    uint8_t id = b[pos++];
    uint32_t size = leb(pos);
    size_t end = pos + size;
    if (id == 0) {
      size_t p = pos;
      uint32_t n = leb(p);
      names.emplace_back(reinterpret_cast<const char*>(&b[p]), n);
    }
    pos = end;
  }
  return names;
}

}  // namespace

TEST_CASE("strip: removes every custom section, or all but 'name'") {
  Bytes raw = test::compile_c("int main(void) { return 0; }", {"-O1", "-g"});
  auto before = custom_sections(raw);
  CHECK(before.size() > 2);  // producers, target_features, .debug_*
  auto stripped = wasm::strip_custom_sections(raw, "m.wasm", wasm::KeepNames::No);
  REQUIRE(stripped.ok());
  CHECK(custom_sections(*stripped).empty());
  CHECK(stripped->size() < raw.size());
  CHECK(wasm::validate(*stripped, "m.wasm", wasm::runtime_features()).ok());

  // A module with a name section (from WAT identifiers) plus an appended "producers" section.
  Bytes named = test::wat("(module (func $answer (result i32) (i32.const 42)) (export \"answer\" (func $answer)))");
  const Bytes producers{0x00, 0x0a, 0x09, 'p', 'r', 'o', 'd', 'u', 'c', 'e', 'r', 's'};
  named.insert(named.end(), producers.begin(), producers.end());
  REQUIRE(custom_sections(named) == std::vector<std::string>{"name", "producers"});
  auto kept = wasm::strip_custom_sections(named, "n.wasm", wasm::KeepNames::Yes);
  REQUIRE(kept.ok());
  CHECK(custom_sections(*kept) == std::vector<std::string>{"name"});
  auto none = wasm::strip_custom_sections(named, "n.wasm", wasm::KeepNames::No);
  REQUIRE(none.ok());
  CHECK(custom_sections(*none).empty());
}

TEST_CASE("strip: output is byte-identical to wabt's wasm-strip") {
  Bytes raw = test::compile_c("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }", {"-O2", "-g"});
  TempDir dir;
  auto path = dir.path() / "m.wasm";
  REQUIRE(write_file_atomic(path, raw).ok());
  REQUIRE(capture_output({"wasm-strip", path.string()}).has_value());
  auto theirs = read_file(path);
  auto ours = wasm::strip_custom_sections(raw, "m.wasm", wasm::KeepNames::No);
  REQUIRE(ours.ok());
  CHECK(*ours == *theirs);
}

TEST_CASE("strip: malformed framing is an error with an offset") {
  Bytes bad = test::wat("(module (func))");
  bad.push_back(0x01);  // a section id with no size
  auto r = wasm::strip_custom_sections(bad, "bad.wasm", wasm::KeepNames::No);
  REQUIRE_FALSE(r.ok());
  CHECK(std::get<WasmLocation>(r.error().primary().location).offset == bad.size());

  Bytes overlong = test::wat("(module (func))");
  overlong.insert(overlong.end(), {0x00, 0x7f});  // custom section claiming 127 bytes
  CHECK_FALSE(wasm::strip_custom_sections(overlong, "o.wasm", wasm::KeepNames::No).ok());
  CHECK_FALSE(wasm::strip_custom_sections(Bytes{}, "e.wasm", wasm::KeepNames::No).ok());
  CHECK_FALSE(wasm::strip_custom_sections(Bytes{'n', 'o', 't', 'w', 'a', 's', 'm', '!'}, "n.wasm",
                                          wasm::KeepNames::No).ok());
}
