// edgectl login / logout: registry credentials, stored like `docker login` stores them
// (core/oci/credentials.cpp), checked against the registry before they are stored.
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "oci/oci.hpp"
#include "registry_flags.hpp"
#include "ui/diagnostic.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

struct Options {
  std::string registry;
  std::string username;
  bool password_stdin = false;
  RegistryFlags flags;
};

// A line from the terminal without echo (the password prompt).
std::optional<std::string> read_secret(const char* prompt) {
  std::fprintf(stderr, "%s", prompt);
  std::fflush(stderr);
  termios old{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool ok = static_cast<bool>(std::getline(std::cin, line));
  if (tty) ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::fprintf(stderr, "\n");
  if (!ok) return std::nullopt;
  return line;
}

// "https://ghcr.io/" → "ghcr.io"; Docker Hub's names → docker.io.
std::string registry_name(std::string s) {
  for (const char* prefix : {"https://", "http://"})
    if (s.rfind(prefix, 0) == 0) s = s.substr(std::string_view(prefix).size());
  if (auto slash = s.find('/'); slash != std::string::npos) s.resize(slash);
  if (s == "index.docker.io" || s == "registry-1.docker.io") s = "docker.io";
  return s;
}

int run_login(const Options& o) {
  const std::string registry = registry_name(o.registry);
  if (registry.empty()) return ui::fail(Error("give the registry, e.g. `edgectl login ghcr.io`"), false), 2;
  oci::Credentials c;
  c.username = o.username;
  const bool tty = ::isatty(STDIN_FILENO);
  if (c.username.empty()) {
    if (!tty || o.password_stdin) return ui::fail(Error("give the user name with -u USER"), false), 2;
    std::fprintf(stderr, "Username: ");
    if (!std::getline(std::cin, c.username) || c.username.empty()) return ui::fail(Error("no user name given"), false), 2;
  }
  if (o.password_stdin) {
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.pop_back();
    c.password = all;
  } else if (tty) {
    auto secret = read_secret("Password: ");
    if (!secret) return ui::fail(Error("no password given"), false), 2;
    c.password = *secret;
  } else {
    return ui::fail(Error("stdin is not a terminal: pass the password with --password-stdin"), false), 2;
  }
  if (c.password.empty()) return ui::fail(Error("the password is empty"), false), 2;

  oci::TransportOptions t = transport_options(o.flags, false);
  t.credentials = c;
  if (auto s = oci::check_login(registry, t); !s) return ui::fail(s.error(), false);
  auto where = oci::store_credentials(registry, c);
  if (!where) return ui::fail(where.error(), false);
  std::fprintf(stderr, "credentials for %s stored in %s\n", registry.c_str(), where->c_str());
  std::printf("Login Succeeded\n");
  return 0;
}

}  // namespace

void add_login(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("login", "Log in to a registry (stores credentials like `docker login`)");
  cmd->add_option("REGISTRY", o->registry, "The registry host, e.g. ghcr.io or 127.0.0.1:5000")->required();
  cmd->add_option("-u,--username", o->username, "User name (prompted for on a terminal)")->type_name("USER");
  cmd->add_flag("--password-stdin", o->password_stdin, "Read the password (or token) from stdin");
  add_registry_flags(cmd, o->flags);
  cmd->footer(
      "The credentials are checked against the registry, then stored in $DOCKER_CONFIG/config.json\n"
      "(default ~/.docker/config.json, mode 0600), or given to the credsStore/credHelpers helper\n"
      "configured there. In CI, EDGECTL_REGISTRY_USER and EDGECTL_REGISTRY_PASSWORD need no login.\n\n"
      "Examples:\n"
      "  echo \"$GITHUB_TOKEN\" | edgectl login ghcr.io -u octocat --password-stdin\n"
      "  edgectl login 127.0.0.1:5000 -u ci --ca-file certs/ca.pem");
  cmd->callback([o, &exit_code] { exit_code = run_login(*o); });
}

void add_logout(CLI::App& app, int& exit_code) {
  auto registry = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("logout", "Forget a registry's stored credentials");
  cmd->add_option("REGISTRY", *registry, "The registry host")->required();
  cmd->footer("Examples:\n  edgectl logout ghcr.io");
  cmd->callback([registry, &exit_code] {
    const std::string name = registry_name(*registry);
    auto erased = oci::erase_credentials(name);
    if (!erased) {
      exit_code = ui::fail(erased.error(), false);
      return;
    }
    std::fprintf(stderr, *erased ? "removed the credentials for %s\n" : "no credentials stored for %s\n", name.c_str());
    exit_code = 0;
  });
}

}  // namespace edgectl::cli
