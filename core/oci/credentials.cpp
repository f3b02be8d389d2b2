// Registry credentials, stored and found the way docker does (see oci.hpp), so that a
// machine already logged in with `docker login` (or a CI credential helper) needs nothing
// more. The helper protocol is docker-credential-helpers': `get` reads the server URL on
// stdin and prints {"Username","Secret"}; `store` reads {"ServerURL","Username","Secret"};
// `erase` reads the server URL. Secrets never reach an error message.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "oci/oci.hpp"
#include "util/base64.hpp"
#include "util/fs.hpp"
#include "util/process.hpp"

namespace edgectl::oci {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

Result<Json> read_config(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Json::object();
  auto text = read_text_file(path);
  if (!text) return std::move(text).error();
  Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Error(path.string() + ": not valid JSON (docker's config.json); fix or remove it", FileLocation{path.string()});
  return j;
}

// The helper configured for this registry: credHelpers[key], else credsStore; "" if none.
std::string helper_for(const Json& config, const std::string& key, const std::string& registry) {
  if (auto h = config.find("credHelpers"); h != config.end() && h->is_object()) {
    for (const auto& k : {key, registry})
      if (auto e = h->find(k); e != h->end() && e->is_string() && !e->get<std::string>().empty())
        return e->get<std::string>();
  }
  if (auto s = config.find("credsStore"); s != config.end() && s->is_string()) return s->get<std::string>();
  return "";
}

Result<Captured> run_helper(const std::string& helper, const std::string& action, std::string input) {
  const std::string program = "docker-credential-" + helper;
  if (!find_program(program))
    return Error("the credential helper " + program + " is configured in " + docker_config_path().string() +
                 " but is not installed");
  auto r = run_captured({program, action}, std::move(input));
  if (!r) return std::move(r).error();
  return r;
}

std::string first_line(std::string s) {
  s = s.substr(0, s.find('\n'));
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Older configs key auths by URL ("https://ghcr.io", "https://ghcr.io/v1/"): such a key
// names `registry` too.
bool names_registry(std::string k, const std::string& registry) {
  for (const char* prefix : {"https://", "http://"})
    if (k.rfind(prefix, 0) == 0) k = k.substr(std::string_view(prefix).size());
  if (auto slash = k.find('/'); slash != std::string::npos) k.resize(slash);
  return k == registry;
}

Status write_config(const fs::path& path, const Json& config) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  return write_file_atomic(path, config.dump(1, '\t') + "\n", static_cast<fs::perms>(0600));
}

}  // namespace

fs::path docker_config_path() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir) return fs::path(dir) / "config.json";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".docker" / "config.json";
  return fs::path(".docker") / "config.json";
}

std::string credential_key(const std::string& registry) {
  return registry == "docker.io" ? "https://index.docker.io/v1/" : registry;
}

Result<std::optional<Credentials>> find_credentials(const std::string& registry) {
  const char* user = std::getenv("EDGECTL_REGISTRY_USER");
  const char* password = std::getenv("EDGECTL_REGISTRY_PASSWORD");
  if (user && *user) {
    if (!password) return Error("EDGECTL_REGISTRY_USER is set but EDGECTL_REGISTRY_PASSWORD is not");
    return std::optional<Credentials>(Credentials{user, password});
  }
  const fs::path path = docker_config_path();
  auto config = read_config(path);
  if (!config) return std::move(config).error();
  const std::string key = credential_key(registry);

  if (const std::string helper = helper_for(*config, key, registry); !helper.empty()) {
    auto r = run_helper(helper, "get", key + "\n");
    if (!r) return std::move(r).error();
    if (r->result.exit_code != 0) {
      // "credentials not found in native keychain" is how helpers say "none": anonymous.
      if (r->out.find("not found") != std::string::npos || r->err.find("not found") != std::string::npos)
        return std::optional<Credentials>();
      return Error("docker-credential-" + helper + " get failed (exit " + std::to_string(r->result.exit_code) +
                   "): " + first_line(r->err.empty() ? r->out : r->err));
    }
    Json j = Json::parse(r->out, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("Secret"))
      return Error("docker-credential-" + helper + " get printed something that is not its JSON answer");
    Credentials c;
    c.username = j.value("Username", "");
    c.password = j.value("Secret", "");
    return std::optional<Credentials>(std::move(c));
  }

  auto auths = config->find("auths");
  if (auths == config->end() || !auths->is_object()) return std::optional<Credentials>();
  auto entry = auths->find(key);
  if (entry == auths->end()) {
    for (auto it = auths->begin(); it != auths->end(); ++it)
      if (names_registry(it.key(), registry)) {
        entry = it;
        break;
      }
  }
  if (entry == auths->end() || !entry->is_object()) return std::optional<Credentials>();
  if (auto token = entry->find("identitytoken"); token != entry->end() && token->is_string() && !token->get<std::string>().empty())
    return std::optional<Credentials>(Credentials{"<token>", token->get<std::string>()});
  auto auth = entry->find("auth");
  if (auth == entry->end() || !auth->is_string() || auth->get<std::string>().empty()) return std::optional<Credentials>();
  auto decoded = base64_decode(auth->get<std::string>());
  if (!decoded || decoded->find(':') == std::string::npos)
    return Error(path.string() + ": the auth entry for " + key + " is not base64 of USER:PASSWORD",
                 FileLocation{path.string()});
  const size_t colon = decoded->find(':');
  return std::optional<Credentials>(Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)});
}

Result<std::string> store_credentials(const std::string& registry, const Credentials& credentials) {
  const fs::path path = docker_config_path();
  auto config = read_config(path);
  if (!config) return std::move(config).error();
  const std::string key = credential_key(registry);
  if (const std::string helper = helper_for(*config, key, registry); !helper.empty()) {
    Json in = {{"ServerURL", key}, {"Username", credentials.username}, {"Secret", credentials.password}};
    auto r = run_helper(helper, "store", in.dump() + "\n");
    if (!r) return std::move(r).error();
    if (r->result.exit_code != 0)
      return Error("docker-credential-" + helper + " store failed (exit " + std::to_string(r->result.exit_code) +
                   "): " + first_line(r->err.empty() ? r->out : r->err));
    return "docker-credential-" + helper;
  }
  Json& auths = (*config)["auths"];
  if (!auths.is_object()) auths = Json::object();
  auths[key] = {{"auth", base64_encode(credentials.username + ":" + credentials.password)}};
  if (auto s = write_config(path, *config); !s) return std::move(s).error();
  // An existing file keeps its mode through the rename of a new one; make sure of 0600.
  ::chmod(path.c_str(), 0600);
  return path.string();
}

Result<bool> erase_credentials(const std::string& registry) {
  const fs::path path = docker_config_path();
  auto config = read_config(path);
  if (!config) return std::move(config).error();
  const std::string key = credential_key(registry);
  if (const std::string helper = helper_for(*config, key, registry); !helper.empty()) {
    auto r = run_helper(helper, "erase", key + "\n");
    if (!r) return std::move(r).error();
    return r->result.exit_code == 0;
  }
  auto auths = config->find("auths");
  if (auths == config->end() || !auths->is_object()) return false;
  // Every entry find_credentials could use: the key, and URL-style keys for the registry.
  std::vector<std::string> gone;
  for (auto it = auths->begin(); it != auths->end(); ++it)
    if (it.key() == key || names_registry(it.key(), registry)) gone.push_back(it.key());
  if (gone.empty()) return false;
  for (const auto& k : gone) auths->erase(k);
  if (auto s = write_config(path, *config); !s) return std::move(s).error();
  return true;
}

}  // namespace edgectl::oci
