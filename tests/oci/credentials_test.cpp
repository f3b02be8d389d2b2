// Registry credentials (core/oci/credentials.cpp) stored and found like docker does:
// config.json auths (base64, mode 0600), credential helpers, and the CI variables.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "oci/oci.hpp"
#include "util/fs.hpp"

namespace edgectl::oci {
namespace {

namespace fs = std::filesystem;

// Points DOCKER_CONFIG at a scratch folder and clears the CI variables for one test.
struct Env {
  TempDir dir{"edgectl-creds"};
  std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  Env() {
    ::setenv("DOCKER_CONFIG", dir.path().c_str(), 1);
    ::unsetenv("EDGECTL_REGISTRY_USER");
    ::unsetenv("EDGECTL_REGISTRY_PASSWORD");
  }
  ~Env() {
    ::unsetenv("DOCKER_CONFIG");
    ::unsetenv("EDGECTL_REGISTRY_USER");
    ::unsetenv("EDGECTL_REGISTRY_PASSWORD");
    ::setenv("PATH", old_path.c_str(), 1);
  }
  fs::path config() const { return dir.path() / "config.json"; }
  // A docker-credential-NAME script on PATH that answers `get` and logs what it was asked.
  void helper(const std::string& name) {
    const fs::path bin = dir.path() / "bin";
    const std::string script =
        "#!/bin/sh\n"
        "read -r line\n"
        "echo \"$1 $line\" >> \"" + (dir.path() / "helper.log").string() + "\"\n"
        "case \"$1\" in\n"
        "  get) [ \"$line\" = \"reg.example\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
        "       echo '{\"ServerURL\":\"reg.example\",\"Username\":\"robot\",\"Secret\":\"s3cret\"}' ;;\n"
        "  store|erase) ;;\n"
        "esac\n";
    REQUIRE(write_file_atomic(bin / ("docker-credential-" + name), script, static_cast<fs::perms>(0755)));
    ::setenv("PATH", (bin.string() + ":" + old_path).c_str(), 1);
  }
};

TEST_CASE("oci credentials: none configured is anonymous") {
  Env env;
  auto c = find_credentials("ghcr.io");
  REQUIRE(c.ok());
  CHECK_FALSE(c->has_value());
}

TEST_CASE("oci credentials: stored in config.json like docker login, mode 0600, found again") {
  Env env;
  // Another registry's entry and unrelated settings survive.
  REQUIRE(write_file_atomic(env.config(), std::string(R"({"auths":{"other.io":{"auth":"eDp5"}},"detachKeys":"ctrl-x"})")));
  auto where = store_credentials("ghcr.io", {"octocat", "pa:ss"});
  REQUIRE(where.ok());
  CHECK(*where == env.config().string());
  struct stat st {};
  REQUIRE(::stat(env.config().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto j = nlohmann::json::parse(*read_text_file(env.config()));
  CHECK(j["auths"]["ghcr.io"]["auth"] == "b2N0b2NhdDpwYTpzcw==");  // base64("octocat:pa:ss")
  CHECK(j["auths"]["other.io"]["auth"] == "eDp5");
  CHECK(j["detachKeys"] == "ctrl-x");
  auto c = find_credentials("ghcr.io");
  REQUIRE(c.ok());
  REQUIRE(c->has_value());
  CHECK((*c)->username == "octocat");
  CHECK((*c)->password == "pa:ss");
  auto other = find_credentials("other.io");
  REQUIRE(other.ok());
  CHECK((*other)->username == "x");
  CHECK((*other)->password == "y");

  auto erased = erase_credentials("ghcr.io");
  REQUIRE(erased.ok());
  CHECK(*erased);
  CHECK_FALSE(find_credentials("ghcr.io")->has_value());
  CHECK_FALSE(*erase_credentials("ghcr.io"));
}

TEST_CASE("oci credentials: Docker Hub's key and URL-style keys") {
  Env env;
  REQUIRE(write_file_atomic(env.config(), std::string(R"({"auths":{"https://index.docker.io/v1/":{"auth":"aHViOnB3"},"https://quay.io":{"auth":"cTpw"}}})")));
  CHECK((*find_credentials("docker.io"))->username == "hub");
  CHECK((*find_credentials("quay.io"))->username == "q");
  // logout forgets what login-time lookups would use, URL-style keys included.
  auto erased = erase_credentials("quay.io");
  REQUIRE(erased.ok());
  CHECK(*erased);
  CHECK_FALSE(find_credentials("quay.io")->has_value());
  CHECK((*find_credentials("docker.io"))->username == "hub");
}

TEST_CASE("oci credentials: the CI variables come first") {
  Env env;
  REQUIRE(store_credentials("ghcr.io", {"stored", "x"}).ok());
  ::setenv("EDGECTL_REGISTRY_USER", "ci", 1);
  ::setenv("EDGECTL_REGISTRY_PASSWORD", "token", 1);
  auto c = find_credentials("ghcr.io");
  REQUIRE(c.ok());
  CHECK((*c)->username == "ci");
  CHECK((*c)->password == "token");
  ::unsetenv("EDGECTL_REGISTRY_PASSWORD");
  CHECK_FALSE(find_credentials("ghcr.io").ok());
}

TEST_CASE("oci credentials: credHelpers and credsStore run docker-credential-NAME") {
  Env env;
  env.helper("fake");
  REQUIRE(write_file_atomic(env.config(), std::string(R"({"credHelpers":{"reg.example":"fake"}})")));
  auto c = find_credentials("reg.example");
  REQUIRE(c.ok());
  REQUIRE(c->has_value());
  CHECK((*c)->username == "robot");
  CHECK((*c)->password == "s3cret");
  // Not listed in credHelpers, no credsStore: config.json's auths (none).
  CHECK_FALSE(find_credentials("elsewhere.example")->has_value());

  REQUIRE(write_file_atomic(env.config(), std::string(R"({"credsStore":"fake"})")));
  auto none = find_credentials("elsewhere.example");  // the helper says "not found": anonymous
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  auto where = store_credentials("reg.example", {"robot", "new"});
  REQUIRE(where.ok());
  CHECK(*where == "docker-credential-fake");
  auto log = read_text_file(env.dir.path() / "helper.log");
  REQUIRE(log.ok());
  CHECK(log->find("get reg.example") != std::string::npos);
  CHECK(log->find("store {") != std::string::npos);
  CHECK(log->find("\"ServerURL\":\"reg.example\"") != std::string::npos);
  // The secret went to the helper, not into config.json.
  CHECK(read_text_file(env.config())->find("new") == std::string::npos);

  REQUIRE(write_file_atomic(env.config(), std::string(R"({"credsStore":"missing-helper"})")));
  auto missing = find_credentials("reg.example");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("docker-credential-missing-helper") != std::string::npos);
}

TEST_CASE("oci credentials: a broken config.json is named") {
  Env env;
  REQUIRE(write_file_atomic(env.config(), std::string("{not json")));
  auto c = find_credentials("ghcr.io");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message().find("config.json") != std::string::npos);
}

}  // namespace
}  // namespace edgectl::oci
