// validate(): wabt's validator with a chosen feature set; features outside the set are
// named at their first use; malformed and invalid modules give errors with offsets.
#include "support.hpp"

namespace edgectl::wasm {
namespace {

using test::wat;

constexpr FeatureSet bit(Feature f) {
  return static_cast<FeatureSet>(f);
}


uint64_t offset_of(const Diagnostic& d) {
  const auto* loc = std::get_if<WasmLocation>(&d.location);
  REQUIRE_MESSAGE(loc != nullptr, d.message);
  return loc->offset;
}

// magic + version, then sections given as raw bytes.
Bytes module_bytes(std::initializer_list<uint8_t> sections) {
  Bytes b{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00};
  b.insert(b.end(), sections);
  return b;
}

TEST_CASE("validate: a valid module passes with the runtime's features") {
  CHECK(validate(wat("(module (func (export \"f\") (result i32) (i32.const 1)))"), "m.wasm",
                 runtime_features())
            .ok());
  Bytes simd = wat("(module (func (result v128) (v128.const i64x2 1 2)))");
  CHECK(validate(simd, "m.wasm", runtime_features()).ok());
}

TEST_CASE("validate: a feature outside the set is named at its first use") {
  Bytes simd =
      wat("(module (func (result i32) (i32.const 0)) (func (result v128) (v128.const i64x2 1 2)))");
  auto s = validate(simd, "m.wasm", runtime_features() & ~bit(Feature::Simd));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message() == "module uses simd (v128 result in type 1), which is not enabled");
  uint64_t at = offset_of(s.error().primary());
  CHECK(at > 8);
  CHECK(at < simd.size());
}

TEST_CASE("validate: threads are refused by the runtime, with a hint") {
  Bytes bytes =
      test::wat_all_features("(module (memory 1) (func (result i32) (i32.atomic.load (i32.const 0))))");
  auto s = validate(bytes, "m.wasm", runtime_features());
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message() ==
        "module uses threads (i32.atomic.load), which edgectl's runtime does not support");
  CHECK(bytes[offset_of(s.error().primary())] == 0xfe);
  REQUIRE(s.error().primary().notes.size() == 1);
  CHECK(s.error().primary().notes[0].find("-pthread") != std::string::npos);
  CHECK(validate(bytes, "m.wasm", runtime_features() | bit(Feature::Threads)).ok());
}

TEST_CASE("validate: every disallowed feature is reported at once") {
  Bytes bytes = test::wat_all_features(R"((module (memory i64 1)
    (func $f (return_call $f))))");
  auto s = validate(bytes, "m.wasm", runtime_features());
  REQUIRE_FALSE(s.ok());
  REQUIRE(s.error().diagnostics().size() == 2);
  CHECK(s.error().diagnostics()[0].message.find("memory64") != std::string::npos);
  CHECK(s.error().diagnostics()[1].message.find("tail-call") != std::string::npos);
}

TEST_CASE("validate: with no features, an MVP module passes and any post-MVP use fails") {
  CHECK(validate(wat("(module (func (param i32) (result i32) (local.get 0)))"), "m.wasm", 0).ok());
  auto s = validate(wat("(module (func (param i32) (result i32) (i32.extend8_s (local.get 0))))"),
                    "m.wasm", 0);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().find("sign-ext (i32.extend8_s)") != std::string::npos);
}

TEST_CASE("validate: a type error is reported at its offset") {
  // (func (result i32)) whose body is just `end`.
  Bytes bytes = module_bytes({0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,  // type () -> i32
                              0x03, 0x02, 0x01, 0x00,                    // one function
                              0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b});      // body: end
  auto s = validate(bytes, "bad.wasm", runtime_features());
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().find("type mismatch") != std::string::npos);
  constexpr uint64_t kBodyStart = 23;  // wabt reports it at the function body
  CHECK(offset_of(s.error().primary()) == kBodyStart);
}

TEST_CASE("validate: a body with a stray end gets the reader's offset") {
  // (func) whose body is `end end`: wabt's IR builder reports it without an offset.
  Bytes bytes = module_bytes({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a,
                              0x05, 0x01, 0x03, 0x00, 0x0b, 0x0b});
  auto s = validate(bytes, "bad.wasm", runtime_features());
  REQUIRE_FALSE(s.ok());
  REQUIRE(s.error().diagnostics().size() == 1);
  CHECK(offset_of(s.error().primary()) == bytes.size());
}

TEST_CASE("validate: malformed input fails as inspect does") {
  auto s = validate({}, "empty.wasm", runtime_features());
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message() == "empty file: not a WebAssembly module");
}

TEST_CASE("validate: deeply nested blocks neither overflow the stack nor take long") {
  // One function of kDepth nested (block ...). wabt frees its IR recursively, which
  // would overflow the stack at this depth without validate's flat teardown.
  constexpr size_t kDepth = 500000;
  Bytes body{0x00};                                                           // no locals
  for (size_t i = 0; i < kDepth; ++i) body.insert(body.end(), {0x02, 0x40});  // block (empty type)
  body.insert(body.end(), kDepth + 1, 0x0b);  // the ends, then the function's
  auto leb = [](uint64_t v) {
    Bytes out;
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      out.push_back(byte | (v ? 0x80 : 0));
    } while (v);
    return out;
  };
  Bytes code{0x01};
  Bytes body_size = leb(body.size());
  code.insert(code.end(), body_size.begin(), body_size.end());
  code.insert(code.end(), body.begin(), body.end());
  Bytes bytes = module_bytes({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a});
  Bytes code_size = leb(code.size());
  bytes.insert(bytes.end(), code_size.begin(), code_size.end());
  bytes.insert(bytes.end(), code.begin(), code.end());
  CHECK(validate(bytes, "deep.wasm", runtime_features()).ok());
}

}  // namespace
}  // namespace edgectl::wasm

TEST_CASE("validate: crashes the fuzzer found stay fixed (tests/fuzz/corpus/fuzz_inspect/regression-*)") {
  // Each file once aborted the process inside wabt; now each is an error with an offset.
  size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(edgectl::test::source_dir() / "tests/fuzz/corpus/fuzz_inspect")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("regression-", 0) != 0) continue;
    ++seen;
    INFO("regression: ", name);
    auto bytes = edgectl::read_file(entry.path());
    REQUIRE(bytes.ok());
    auto r = edgectl::wasm::validate(*bytes, name, edgectl::wasm::runtime_features());
    REQUIRE_FALSE(r.ok());
    CHECK(std::holds_alternative<edgectl::WasmLocation>(r.error().primary().location));
  }
  CHECK(seen >= 1);
}

TEST_CASE("validate: a non-constant instruction in an initializer is refused before wabt's IR reader") {
  // global (mut i32) initialised with `drop` and an unterminated block: wabt 1.0.32's IR
  // reader asserted on this.
  const edgectl::Bytes bytes{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
                             0x06, 0x06, 0x01, 0x7f, 0x01, 0x1a, 0x02, 0x40};  // global section
  auto r = edgectl::wasm::validate(bytes, "g.wasm", edgectl::wasm::runtime_features());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("constant instructions") != std::string::npos);
}
