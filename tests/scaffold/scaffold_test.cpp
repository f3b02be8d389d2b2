#include "scaffold/scaffold.hpp"

#include <algorithm>

#include "manifest/manifest.hpp"
#include "scaffold/embedded.hpp"
#include "support.hpp"
#include "wasm/wasm.hpp"

namespace fs = std::filesystem;
using namespace edgectl;
using scaffold::Overwrite;

namespace {

const std::vector<std::string> kTemplates{"http-assemblyscript", "http-c",    "http-go",
                                          "http-go-cgi",         "http-rust", "http-tinygo",
                                          "http-wat",            "kv-stock-go", "ws-chat-c",
                                          "ws-echo-c"};

std::string read_text(const fs::path& p) {
  auto r = read_text_file(p);
  REQUIRE_MESSAGE(r.ok(), p.string());
  return *r;
}

const scaffold::TemplateInfo& find_template(const std::vector<scaffold::TemplateInfo>& all,
                                            const std::string& name) {
  auto it = std::find_if(all.begin(), all.end(), [&](const auto& t) { return t.name == name; });
  REQUIRE_MESSAGE(it != all.end(), name);
  return *it;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A handler must be a WASI command importing nothing outside WASI and the edgectl host
// module, or `edgectl build` rejects it.
void check_wasi_command(const Bytes& module, const std::string& name) {
  auto info = wasm::inspect(module, name);
  REQUIRE_MESSAGE(info.ok(), (info.ok() ? "" : info.error().message()));
  CHECK(info->kind == wasm::ModuleKind::Command);
  wasm::ImportPolicy allowed;
  allowed.allowed_modules.insert("edgectl");
  auto policy = wasm::check_imports(*info, allowed, name);
  CHECK_MESSAGE(policy.ok(), (policy.ok() ? "" : policy.error().message()));
  const bool exports_memory = std::any_of(
      info->exports.begin(), info->exports.end(),
      [](const auto& e) { return e.kind == wasm::ExternKind::Memory && e.name == "memory"; });
  CHECK(exports_memory);
}

std::string all_notes(const Error& e) {
  std::string out;
  for (const auto& n : e.primary().notes) out += n + "\n";
  return out;
}

}  // namespace

TEST_CASE("scaffold: the templates are listed in name order with a description and language") {
  const auto all = scaffold::list_templates();
  std::vector<std::string> names;
  for (const auto& t : all) names.push_back(t.name);
  CHECK(names == kTemplates);
  const std::vector<std::string> languages{"c", "rust", "go", "tinygo", "assemblyscript", "wat"};
  for (const auto& t : all) {
    CAPTURE(t.name);
    CHECK(!t.description.empty());
    CHECK(t.description.find('\n') == std::string::npos);
    CHECK(contains(languages, t.language));
    CHECK(contains(t.files, "edgectl.toml"));
    CHECK(contains(t.files, "README.md"));
    CHECK(!contains(t.files, "template.toml"));
    CHECK(std::is_sorted(t.files.begin(), t.files.end()));
  }
  CHECK(find_template(all, "http-c").language == "c");
  CHECK(find_template(all, "http-rust").language == "rust");
  CHECK(find_template(all, "http-go").language == "go");
  CHECK(find_template(all, "http-tinygo").language == "tinygo");
  CHECK(find_template(all, "http-assemblyscript").language == "assemblyscript");
  CHECK(find_template(all, "http-wat").language == "wat");
  CHECK(find_template(all, "ws-echo-c").language == "c");
  CHECK(find_template(all, "kv-stock-go").language == "go");
  CHECK(contains(find_template(all, "http-c").files, "src/main.c"));
  CHECK(contains(find_template(all, "http-rust").files, "src/main.rs"));
  CHECK(contains(find_template(all, "http-rust").files, "Cargo.toml"));
  CHECK(contains(find_template(all, "http-go").files, "go.mod"));
  CHECK(contains(find_template(all, "http-assemblyscript").files, "assembly/index.ts"));
  CHECK(contains(find_template(all, "http-wat").files, "src/main.wat"));
  // "_bindings" is not a template (its files go to the templates of each language).
  CHECK(!contains(names, "_bindings"));
  CHECK(contains(find_template(all, "kv-stock-go").files, "main.go"));
  CHECK(contains(find_template(all, "kv-stock-go").files, "go.mod"));
}

TEST_CASE("scaffold: the host API bindings reach every template of their language") {
  const auto all = scaffold::list_templates();
  const std::vector<std::pair<std::string, std::string>> bindings{
      {"c", "src/edgectl.h"},
      {"rust", "src/edgectl.rs"},
      {"go", "edgectl/edgectl.go"},
      {"assemblyscript", "assembly/edgectl.ts"}};
  for (const auto& t : all) {
    CAPTURE(t.name);
    for (const auto& binding : bindings) {
      CAPTURE(binding.second);
      CHECK(contains(t.files, binding.second) == (t.language == binding.first));
    }
  }
}

TEST_CASE("scaffold: each template's manifest names the app, its build language and one route") {
  for (const auto& t : scaffold::list_templates()) {
    CAPTURE(t.name);
    std::string manifest;
    for (const auto& f : scaffold::embedded_files())
      if (f.path == t.name + "/edgectl.toml") manifest = std::string(f.data);
    REQUIRE(!manifest.empty());
    CHECK(manifest.find("name = \"{{name}}\"") != std::string::npos);
    CHECK(manifest.find("id = \"{{name}}\"") != std::string::npos);
    CHECK(manifest.find("source = \"{{name}}.wasm\"") != std::string::npos);
    CHECK(manifest.find("language = \"" + t.language + "\"") != std::string::npos);
    CHECK(manifest.find("[[route]]") != std::string::npos);
    CHECK(manifest.find("max_size = ") != std::string::npos);
    const bool websocket = manifest.find("websocket = true") != std::string::npos;
    CHECK(websocket == t.name.starts_with("ws-"));
  }
}

TEST_CASE("scaffold: each scaffolded edgectl.toml is a valid manifest for the app") {
  for (const auto& t : scaffold::list_templates()) {
    CAPTURE(t.name);
    TempDir tmp("edgectl-scaffold");
    const fs::path dir = tmp.path() / "demo";
    REQUIRE(scaffold::create_project(t.name, "demo", dir, Overwrite::No).ok());
    auto m = manifest::load_manifest(dir / "edgectl.toml");
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message()));
    CHECK(m->app.name.value == "demo");
    REQUIRE(m->components.size() == 1);
    const auto& c = m->components[0];
    CHECK(c.id.value == "demo");
    CHECK(c.source.value == "demo.wasm");
    CHECK(c.max_size.has_value());
    REQUIRE(c.build.has_value());
    REQUIRE(c.build->language.has_value());
    CHECK(manifest::to_string(c.build->language->value) == t.language);
    CHECK(!c.build->watch.empty());
    REQUIRE(m->routes.size() == 1);
    REQUIRE(m->routes[0].component.has_value());
    CHECK(m->routes[0].component->value == "demo");
    CHECK(m->routes[0].websocket == t.name.starts_with("ws-"));
  }
}

TEST_CASE("scaffold: create_project writes every file with the name filled in") {
  for (const auto& t : scaffold::list_templates()) {
    CAPTURE(t.name);
    TempDir tmp("edgectl-scaffold");
    const fs::path dir = tmp.path() / "my-app";
    auto r = scaffold::create_project(t.name, "my-app", dir, Overwrite::No);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    CHECK(r->dir == dir);
    CHECK(r->files == t.files);
    CHECK(!fs::exists(dir / "template.toml"));
    for (const auto& f : r->files) {
      CAPTURE(f);
      REQUIRE(fs::is_regular_file(dir / f));
      CHECK(read_text(dir / f).find("{{") == std::string::npos);
    }
    const std::string manifest = read_text(dir / "edgectl.toml");
    CHECK(manifest.find("name = \"my-app\"") != std::string::npos);
    CHECK(manifest.find("source = \"my-app.wasm\"") != std::string::npos);
    CHECK(read_text(dir / "README.md").find("# my-app") == 0);
  }
}

TEST_CASE("scaffold: the http-c handler compiles for wasm32-wasi and greets by name") {
  TempDir tmp("edgectl-scaffold");
  REQUIRE(scaffold::create_project("http-c", "hello", tmp.path() / "hello", Overwrite::No).ok());
  const std::string source = read_text(tmp.path() / "hello/src/main.c");
  CHECK(source.find("Hello from hello!") != std::string::npos);
  CHECK(source.find("Content-Type: text/plain") != std::string::npos);
  CHECK(source.find("\"/visits\"") != std::string::npos);
  // -Werror: a template that warns would greet every new user with warnings. -I: the
  // handler includes the binding next to it (src/edgectl.h).
  const std::string include = "-I" + (tmp.path() / "hello/src").string();
  check_wasi_command(test::compile_c(source, {"-O2", "-Wall", "-Wextra", "-Werror", include}),
                     "hello.wasm");
}

TEST_CASE("scaffold: the ws-echo-c handler compiles and handles every WS_EVENT") {
  TempDir tmp("edgectl-scaffold");
  REQUIRE(scaffold::create_project("ws-echo-c", "chat", tmp.path() / "chat", Overwrite::No).ok());
  const std::string source = read_text(tmp.path() / "chat/src/main.c");
  for (const char* event : {"\"open\"", "\"message\"", "\"close\"", "WS_CONNECTION_ID"})
    CHECK(source.find(event) != std::string::npos);
  check_wasi_command(test::compile_c(source, {"-O2", "-Wall", "-Wextra", "-Werror"}), "chat.wasm");
}

TEST_CASE("scaffold: the http-wat module assembles") {
  TempDir tmp("edgectl-scaffold");
  REQUIRE(scaffold::create_project("http-wat", "hello", tmp.path() / "hello", Overwrite::No).ok());
  const Bytes module = test::wat(read_text(tmp.path() / "hello/src/main.wat"));
  const std::string text = test::to_string(module);
  CHECK(text.find("Hello from hello!") != std::string::npos);
  CHECK(text.find("wasi_snapshot_preview1") != std::string::npos);
  check_wasi_command(module, "hello.wasm");
}

TEST_CASE("scaffold: a folder that exists but is empty is used as is") {
  TempDir tmp("edgectl-scaffold");
  fs::create_directories(tmp.path() / "empty");
  auto r = scaffold::create_project("http-c", "app", tmp.path() / "empty", Overwrite::No);
  REQUIRE(r.ok());
  CHECK(fs::exists(tmp.path() / "empty/edgectl.toml"));
}

TEST_CASE("scaffold: a folder that is not empty is refused unless overwriting") {
  TempDir tmp("edgectl-scaffold");
  const fs::path dir = tmp.path() / "busy";
  REQUIRE(write_file_atomic(dir / "edgectl.toml", std::string_view("mine")).ok());
  REQUIRE(write_file_atomic(dir / "notes.txt", std::string_view("keep me")).ok());

  auto refused = scaffold::create_project("http-c", "app", dir, Overwrite::No);
  REQUIRE(!refused.ok());
  CHECK(refused.error().message().find(dir.string()) != std::string::npos);
  CHECK(refused.error().message().find("not empty") != std::string::npos);
  CHECK(all_notes(refused.error()).find("--force") != std::string::npos);
  CHECK(read_text(dir / "edgectl.toml") == "mine");
  CHECK(!fs::exists(dir / "src/main.c"));

  auto forced = scaffold::create_project("http-c", "app", dir, Overwrite::Yes);
  REQUIRE(forced.ok());
  CHECK(read_text(dir / "edgectl.toml").find("name = \"app\"") != std::string::npos);
  CHECK(fs::exists(dir / "src/main.c"));
  CHECK(read_text(dir / "notes.txt") == "keep me");  // only the template's own files are replaced
}

TEST_CASE("scaffold: a target that is a file is refused even with overwrite") {
  TempDir tmp("edgectl-scaffold");
  REQUIRE(write_file_atomic(tmp.path() / "file", std::string_view("x")).ok());
  auto r = scaffold::create_project("http-c", "app", tmp.path() / "file", Overwrite::Yes);
  REQUIRE(!r.ok());
  CHECK(r.error().message().find("not a folder") != std::string::npos);
}

TEST_CASE("scaffold: app names follow the component id rule") {
  TempDir tmp("edgectl-scaffold");
  int n = 0;
  for (const std::string& good :
       std::vector<std::string>{"a", "9lives", "my_app-2", std::string(63, 'x')}) {
    CAPTURE(good);
    CHECK(
        scaffold::create_project("http-wat", good, tmp.path() / std::to_string(n++), Overwrite::No)
            .ok());
  }
  for (const std::string& bad : std::vector<std::string>{"", "My App", "-app", "_app", "app.v2",
                                                         "caf\xc3\xa9", std::string(64, 'x')}) {
    CAPTURE(bad);
    auto r = scaffold::create_project("http-wat", bad, tmp.path() / "bad", Overwrite::No);
    REQUIRE(!r.ok());
    CHECK(r.error().message().find("invalid app name") != std::string::npos);
    CHECK(!fs::exists(tmp.path() / "bad"));
  }
}

TEST_CASE("scaffold: an invalid app name comes with a valid suggestion") {
  TempDir tmp("edgectl-scaffold");
  auto r = scaffold::create_project("http-c", "My App", tmp.path() / "x", Overwrite::No);
  REQUIRE(!r.ok());
  CHECK(all_notes(r.error()).find("try 'my-app'") != std::string::npos);
  r = scaffold::create_project("http-c", "Hello.World!", tmp.path() / "x", Overwrite::No);
  REQUIRE(!r.ok());
  CHECK(all_notes(r.error()).find("try 'hello-world'") != std::string::npos);
}

TEST_CASE("scaffold: an unknown template names the available ones and the closest") {
  TempDir tmp("edgectl-scaffold");
  auto r = scaffold::create_project("http-cc", "app", tmp.path() / "app", Overwrite::No);
  REQUIRE(!r.ok());
  CHECK(r.error().message() == "unknown template 'http-cc'");
  const std::string notes = all_notes(r.error());
  CHECK(notes.find("did you mean 'http-c'?") != std::string::npos);
  for (const auto& name : kTemplates) CHECK(notes.find(name) != std::string::npos);
  CHECK(!fs::exists(tmp.path() / "app"));

  r = scaffold::create_project("rust", "app", tmp.path() / "app", Overwrite::No);
  REQUIRE(!r.ok());
  CHECK(all_notes(r.error()).find("did you mean 'http-rust'?") != std::string::npos);
}
