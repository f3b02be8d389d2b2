// inspect(): sections, imports/exports, limits, features, kind, names and largest functions
// from WAT and C fixtures; error offsets on malformed input; and a mutation loop showing
// that no input makes inspect() or validate() crash, hang or report an offset past the end.
#include <algorithm>
#include <cstring>

#include "support.hpp"
#include "util/sha256.hpp"

namespace edgectl::wasm {
namespace {

using test::wat;

constexpr FeatureSet bit(Feature f) {
  return static_cast<FeatureSet>(f);
}

std::string sig(std::vector<std::string> params, std::vector<std::string> results) {
  return FuncSignature{std::move(params), std::move(results)}.to_string();
}


ModuleInfo must_inspect(const Bytes& bytes, const InspectOptions& options = {}) {
  auto r = inspect(bytes, "m.wasm", options);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(r).value();
}

// Asserts every diagnostic points inside (or just past the end of) the input.
void check_error_location(const Error& e, size_t size) {
  for (const auto& d : e.diagnostics()) {
    const auto* loc = std::get_if<WasmLocation>(&d.location);
    REQUIRE_MESSAGE(loc != nullptr, d.message);
    CHECK(loc->offset <= size);
    CHECK(!d.message.empty());
  }
}

constexpr std::string_view kHello = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "env" "mem" (memory 1 2))
  (table 3 funcref)
  (global $g i32 (i32.const 7))
  (func $start (export "_start")
    (drop (call $fd_write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (export "table" (table 0))
  (export "g" (global $g))
  (data (i32.const 0) "hello"))
)";

TEST_CASE("inspect: sections are contiguous, with offsets of the id byte and whole sizes") {
  Bytes bytes = wat(kHello);
  ModuleInfo m = must_inspect(bytes);
  CHECK(m.size == bytes.size());
  CHECK(m.sha256 == sha256_hex(bytes));
  std::vector<std::string> names;
  for (const auto& s : m.sections) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"type", "import", "function", "table", "global", "export",
                                          "code", "data", "custom:name"});
  uint64_t expected_offset = 8;  // after magic and version
  for (const auto& s : m.sections) {
    CHECK(s.offset == expected_offset);
    CHECK(bytes[s.offset] == s.id);
    expected_offset += s.size;
  }
  CHECK(expected_offset == bytes.size());
}

TEST_CASE("inspect: imports and exports carry signatures - limits and counts") {
  ModuleInfo m = must_inspect(wat(kHello));
  REQUIRE(m.imports.size() == 2);
  CHECK(m.imports[0].module == "wasi_snapshot_preview1");
  CHECK(m.imports[0].name == "fd_write");
  CHECK(m.imports[0].kind == ExternKind::Func);
  CHECK(m.imports[0].signature == sig({"i32", "i32", "i32", "i32"}, {"i32"}));
  CHECK(m.imports[1].kind == ExternKind::Memory);
  CHECK(m.imports[1].signature == "1 2");
  CHECK(m.imports[0].offset < m.imports[1].offset);

  REQUIRE(m.exports.size() == 4);
  CHECK(m.exports[0].name == "_start");
  CHECK(m.exports[0].signature == sig({}, {}));
  CHECK(m.exports[1].name == "add");
  CHECK(m.exports[1].index == 2);  // one imported function comes first
  CHECK(m.exports[1].signature == sig({"i32", "i32"}, {"i32"}));
  CHECK(m.exports[2].kind == ExternKind::Table);
  CHECK(m.exports[2].signature == "3 funcref");
  CHECK(m.exports[3].kind == ExternKind::Global);
  CHECK(m.exports[3].signature == "i32");

  REQUIRE(m.memories.size() == 1);
  CHECK(m.memories[0].initial == 1);
  CHECK(m.memories[0].maximum == 2);
  REQUIRE(m.tables.size() == 1);
  CHECK(m.tables[0].initial == 3);
  CHECK_FALSE(m.tables[0].maximum.has_value());
  CHECK(m.function_count == 2);
  CHECK(m.features == 0);
  CHECK(m.feature_uses.empty());
  CHECK(m.kind == ModuleKind::Command);
}

TEST_CASE("inspect: import offsets point at each entry") {
  Bytes bytes = wat(kHello);
  ModuleInfo m = must_inspect(bytes);
  for (const auto& i : m.imports) {
    // An entry starts with the module name's length, then the name.
    REQUIRE(i.offset + 1 + i.module.size() <= bytes.size());
    CHECK(bytes[i.offset] == i.module.size());
    CHECK(std::string(bytes.begin() + i.offset + 1,
                      bytes.begin() + i.offset + 1 + i.module.size()) == i.module);
  }
}

TEST_CASE("inspect: memories are listed imported first") {
  ModuleInfo m = must_inspect(test::wat_all_features(R"((module
    (import "env" "m" (memory i64 1 3 shared))
    (memory 5))
  )"));
  REQUIRE(m.memories.size() == 2);
  CHECK(m.memories[0].initial == 1);
  CHECK(m.memories[0].maximum == 3);
  CHECK(m.memories[0].shared);
  CHECK(m.memories[0].is64);
  CHECK(m.memories[1].initial == 5);
  CHECK(m.imports[0].signature == "i64 1 3 shared");
  CHECK(m.features == (bit(Feature::MultiMemory) | bit(Feature::Memory64) | bit(Feature::Threads)));
}

TEST_CASE("inspect: each feature is detected from the construct that needs it") {
  struct Case {
    Feature feature;
    std::string_view text;
    bool runtime;  // compile_wat accepts it; otherwise wat2wasm --enable-all
  };
  const Case cases[] = {
      {Feature::SignExt, "(module (func (param i32) (result i32) (i32.extend8_s (local.get 0))))",
       true},
      {Feature::SatFloatToInt,
       "(module (func (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0))))", true},
      {Feature::BulkMemory,
       "(module (memory 1) (func (memory.copy (i32.const 0) (i32.const 1) (i32.const 2))))", true},
      {Feature::BulkMemory, "(module (memory 1) (data \"x\"))", true},  // a passive segment
      {Feature::Simd, "(module (func (result v128) (v128.const i32x4 1 2 3 4)))", true},
      {Feature::Simd, "(module (func (local v128)))", true},
      {Feature::ReferenceTypes, "(module (func (param externref)))", true},
      {Feature::ReferenceTypes, "(module (table 1 funcref) (func (result i32) (table.size 0)))",
       true},
      {Feature::ReferenceTypes, "(module (table 1 funcref) (table 1 funcref))", true},
      {Feature::MultiValue, "(module (func (result i32 i32) (i32.const 1) (i32.const 2)))", false},
      {Feature::MultiValue, R"((module (type $t (func (param i32) (result i32)))
         (func (param i32) (result i32) (local.get 0) (block (type $t) (param i32) (result i32)))))",
       false},
      {Feature::MutableGlobals, "(module (global (export \"g\") (mut i32) (i32.const 0)))", true},
      {Feature::MutableGlobals, "(module (import \"env\" \"g\" (global (mut i32))))", true},
      {Feature::Threads, "(module (memory 1) (func (result i32) (i32.atomic.load (i32.const 0))))",
       false},
      {Feature::Threads, "(module (memory 1 1 shared))", false},
      {Feature::TailCall, "(module (func $f (return_call $f)))", false},
      {Feature::Exceptions, "(module (tag $e) (func (try (do (throw $e)) (catch $e))))", false},
      {Feature::Memory64, "(module (memory i64 1))", false},
      {Feature::MultiMemory, "(module (memory 1) (memory 1))", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    Bytes bytes = c.runtime ? wat(c.text) : test::wat_all_features(c.text);
    ModuleInfo m = must_inspect(bytes);
    CHECK(feature_names(m.features) == feature_names(bit(c.feature)));
    REQUIRE(m.feature_uses.size() == 1);
    CHECK(m.feature_uses[0].feature == c.feature);
    CHECK(m.feature_uses[0].offset < bytes.size());
    CHECK(!m.feature_uses[0].what.empty());
  }
}

TEST_CASE("inspect: a feature use points at the opcode that needs it") {
  Bytes bytes =
      test::wat_all_features("(module (memory 1) (func (result i32) (i32.atomic.load (i32.const 0))))");
  ModuleInfo m = must_inspect(bytes);
  REQUIRE(m.feature_uses.size() == 1);
  CHECK(m.feature_uses[0].what == "i32.atomic.load");
  CHECK(bytes[m.feature_uses[0].offset] == 0xfe);  // the threads prefix
}

TEST_CASE("inspect: kind follows _start and _initialize") {
  CHECK(must_inspect(wat("(module (func (export \"_start\")))")).kind == ModuleKind::Command);
  CHECK(must_inspect(wat("(module (func (export \"_initialize\")))")).kind == ModuleKind::Reactor);
  CHECK(must_inspect(wat("(module (func (export \"handle\")))")).kind == ModuleKind::Library);
  CHECK(must_inspect(wat("(module (memory (export \"_start\") 1))")).kind == ModuleKind::Library);
}

std::string sized_functions(int count) {
  // Function i does i+1 drops of a constant, so bodies grow with the index.
  std::string text = "(module\n";
  for (int i = 0; i < count; ++i) {
    text += "  (func $f" + std::to_string(i);
    for (int k = 0; k <= i; ++k) text += " (drop (i32.const 1))";
    text += ")\n";
  }
  return text + ")";
}

TEST_CASE("inspect: the largest functions come largest first, with names") {
  constexpr int kFunctions = 14;
  ModuleInfo m = must_inspect(wat(sized_functions(kFunctions)));
  CHECK(m.has_names);
  CHECK(m.function_count == kFunctions);
  REQUIRE(m.largest_functions.size() == 10);
  for (size_t i = 0; i < m.largest_functions.size(); ++i) {
    const auto& f = m.largest_functions[i];
    CHECK(f.index == kFunctions - 1 - i);
    CHECK(f.name == "f" + std::to_string(f.index));  // the name section drops the '$'
    if (i > 0) CHECK(f.code_size < m.largest_functions[i - 1].code_size);
  }
  CHECK(
      must_inspect(wat(sized_functions(kFunctions)), InspectOptions{3}).largest_functions.size() ==
      3);
  CHECK(
      must_inspect(wat(sized_functions(kFunctions)), InspectOptions{0}).largest_functions.empty());
  CHECK(must_inspect(wat(sized_functions(kFunctions)), InspectOptions{100})
            .largest_functions.size() == kFunctions);
}

TEST_CASE("inspect: without a name section, functions have no names") {
  auto bytes = compile_wat(sized_functions(3), "m.wat", KeepNames::No);
  REQUIRE(bytes.ok());
  ModuleInfo m = must_inspect(*bytes);
  CHECK_FALSE(m.has_names);
  REQUIRE(m.largest_functions.size() == 3);
  for (const auto& f : m.largest_functions) CHECK(f.name.empty());
}

TEST_CASE("inspect: a C program built by clang-19 for WASI") {
  Bytes bytes = test::compile_c(R"(
    #include <stdio.h>
    int main(void) { puts("hello"); return 0; }
  )");
  ModuleInfo m = must_inspect(bytes);
  CHECK(m.kind == ModuleKind::Command);
  CHECK(!m.imports.empty());
  for (const auto& i : m.imports) CHECK(i.module == "wasi_snapshot_preview1");
  bool exports_memory = std::any_of(m.exports.begin(), m.exports.end(), [](const ExportInfo& e) {
    return e.kind == ExternKind::Memory;
  });
  CHECK(exports_memory);
  CHECK(m.memories.size() == 1);
  CHECK(m.function_count > 1);
  CHECK_FALSE(m.largest_functions.empty());
  CHECK((m.features & ~runtime_features()) == 0);
}

TEST_CASE("inspect: a C program linked with its names has function names") {
  // From -O1 up clang runs wasm-opt after linking, which drops the name section.
  Bytes bytes = test::compile_c("int main(void) { return 0; }\n", {"-O0"});
  ModuleInfo m = must_inspect(bytes);
  CHECK(m.has_names);
  bool named = std::any_of(m.largest_functions.begin(), m.largest_functions.end(),
                           [](const FunctionSize& f) { return !f.name.empty(); });
  CHECK(named);
  bool has_debug_info = std::any_of(m.sections.begin(), m.sections.end(), [](const SectionInfo& s) {
    return s.name == "custom:.debug_info";
  });
  CHECK(has_debug_info);
}

TEST_CASE("inspect: a reactor built by clang-19") {
  Bytes bytes = test::compile_c("int handle(int x) { return x * 2; }\n",
                                {"-O2", "-mexec-model=reactor", "-Wl,--export=handle"});
  ModuleInfo m = must_inspect(bytes);
  CHECK(m.kind == ModuleKind::Reactor);
  auto it = std::find_if(m.exports.begin(), m.exports.end(),
                         [](const ExportInfo& e) { return e.name == "handle"; });
  REQUIRE(it != m.exports.end());
  CHECK(it->signature == sig({"i32"}, {"i32"}));
}

Error must_fail(const Bytes& bytes) {
  auto r = inspect(bytes, "bad.wasm");
  REQUIRE_FALSE(r.ok());
  check_error_location(r.error(), bytes.size());
  return r.error();
}

uint64_t offset_of(const Error& e) {
  return std::get<WasmLocation>(e.primary().location).offset;
}

TEST_CASE("inspect: malformed input is an error with an offset") {
  SUBCASE("empty file") {
    Error e = must_fail({});
    CHECK(e.message() == "empty file: not a WebAssembly module");
    CHECK(offset_of(e) == 0);
  }
  SUBCASE("not wasm") {
    Error e = must_fail({'h', 'e', 'l', 'l', 'o', '\n'});
    CHECK(e.message().find("not a WebAssembly module") != std::string::npos);
    CHECK(offset_of(e) == 0);
  }
  SUBCASE("text") {
    Error e = must_fail({'(', 'm', 'o', 'd', 'u', 'l', 'e', ')'});
    REQUIRE(e.primary().notes.size() == 1);
    CHECK(e.primary().notes[0].find("WebAssembly text") != std::string::npos);
  }
  SUBCASE("bad version") {
    Error e = must_fail({0, 'a', 's', 'm', 2, 0, 0, 0});
    CHECK(e.message().find("version") != std::string::npos);
  }
  SUBCASE("a component") {
    Error e = must_fail({0, 'a', 's', 'm', 0x0d, 0, 1, 0});
    CHECK(e.message().find("component") != std::string::npos);
  }
  SUBCASE("truncated header") {
    must_fail({0, 'a', 's'});
  }
  SUBCASE("truncated section") {
    Bytes bytes = wat(kHello);
    bytes.resize(bytes.size() - 3);
    Error e = must_fail(bytes);
    CHECK(offset_of(e) > 8);
  }
  SUBCASE("huge declared count") {
    // A type section that claims 2^32-1 entries in 6 bytes.
    Error e = must_fail({0, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f});
    CHECK(e.message().find("type count") != std::string::npos);
  }
  SUBCASE("garbage section id") {
    Error e = must_fail({0, 'a', 's', 'm', 1, 0, 0, 0, 0x42, 0x00});
    CHECK(offset_of(e) >= 8);
  }
}

TEST_CASE("inspect: huge local counts are summarised, not allocated") {
  // (func) with one local declaration of 0x0fffffff i32s.
  const Bytes bytes{0,    'a',  's',  'm',  1,    0,    0,    0,    0x01, 0x04, 0x01,
                    0x60, 0x00, 0x00,        // type () -> ()
                    0x03, 0x02, 0x01, 0x00,  // one function
                    0x0a, 0x09, 0x01, 0x07, 0x01, 0xff, 0xff, 0xff, 0x7f, 0x7f, 0x0b};  // code
  ModuleInfo m = must_inspect(bytes);
  CHECK(m.function_count == 1);
}

// --- Mutation loop -------------------------------------------------------------------

// splitmix64: a fixed, portable sequence (std:: distributions differ between libraries).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n ? next() % n : 0; }

 private:
  uint64_t s_;
};

size_t leb_length(const Bytes& b, size_t at) {
  size_t n = 0;
  while (at + n < b.size() && (b[at + n] & 0x80)) ++n;
  return n + 1;
}

// A few structural mutations per section: a huge size, a huge first count, a duplicate.
std::vector<Bytes> structural_mutants(const Bytes& base) {
  const Bytes kHugeLeb{0xff, 0xff, 0xff, 0xff, 0x0f};
  std::vector<Bytes> out;
  for (const auto& s : must_inspect(base).sections) {
    size_t size_at = s.offset + 1;
    size_t payload = size_at + leb_length(base, size_at);
    Bytes huge_size = base;
    huge_size.erase(huge_size.begin() + size_at, huge_size.begin() + payload);
    huge_size.insert(huge_size.begin() + size_at, kHugeLeb.begin(), kHugeLeb.end());
    out.push_back(std::move(huge_size));
    if (s.id != 0 && payload < s.offset + s.size) {
      Bytes huge_count = base;
      size_t count_end = payload + leb_length(base, payload);
      huge_count.erase(huge_count.begin() + payload, huge_count.begin() + count_end);
      huge_count.insert(huge_count.begin() + payload, kHugeLeb.begin(), kHugeLeb.end());
      out.push_back(std::move(huge_count));
    }
    Bytes duplicated = base;
    duplicated.insert(duplicated.begin() + s.offset + s.size, base.begin() + s.offset,
                      base.begin() + s.offset + s.size);
    out.push_back(std::move(duplicated));
  }
  return out;
}

Bytes random_mutant(const Bytes& base, Rng& rng) {
  Bytes b = base;
  const size_t kMaxEdits = 4;
  size_t edits = 1 + rng.below(kMaxEdits);
  for (size_t i = 0; i < edits && !b.empty(); ++i) {
    size_t at = rng.below(b.size());
    switch (rng.below(4)) {
      case 0:
        b[at] ^= static_cast<uint8_t>(1u << rng.below(8));
        break;
      case 1:
        b[at] = static_cast<uint8_t>(rng.next());
        break;
      case 2:
        b.insert(b.begin() + at, static_cast<uint8_t>(rng.next()));
        break;
      case 3:
        b.erase(b.begin() + at, b.begin() + std::min(b.size(), at + 1 + rng.below(8)));
        break;
    }
  }
  return b;
}

void survive(const Bytes& bytes) {
  auto info = inspect(bytes, "mutant.wasm");
  if (!info.ok()) check_error_location(info.error(), bytes.size());
  auto status = validate(bytes, "mutant.wasm", runtime_features());
  if (!status.ok()) check_error_location(status.error(), bytes.size());
  if (!info.ok()) CHECK_FALSE(status.ok());  // validate() never accepts what inspect() refuses
}

TEST_CASE("inspect and validate survive mutated modules") {
  constexpr uint64_t kSeed = 20240601;
  constexpr int kRandomMutantsPerModule = 10000;
  Bytes small = wat(kHello);
  std::vector<Bytes> bases{
      small,
      wat(R"((module (memory 1) (table 2 funcref) (elem (i32.const 0) $a $a)
               (func $a (param i32) (result i32) (local i64 v128)
                 (block (result i32) (loop (drop (br_if 1 (local.get 0) (local.get 0)))) (i32.const 0)))
               (data (i32.const 8) "xyz") (export "a" (func $a))))"),
      test::compile_c(
          "int f(int x) { int s = 0; for (int i = 0; i < x; ++i) s += i * x; return s; }\n",
          {"-O2", "-mexec-model=reactor", "-Wl,--export=f", "-Wl,--strip-debug"}),
  };

  for (size_t len = 0; len < small.size(); ++len)
    survive(Bytes(small.begin(), small.begin() + len));
  Rng rng(kSeed);
  for (const auto& base : bases) {
    for (const auto& m : structural_mutants(base)) survive(m);
    for (int i = 0; i < kRandomMutantsPerModule; ++i) survive(random_mutant(base, rng));
  }
}

}  // namespace
}  // namespace edgectl::wasm
