#include "registry_flags.hpp"

#include <cstdio>

#include "ui/style.hpp"

namespace edgectl::cli {

void add_registry_flags(CLI::App* cmd, RegistryFlags& flags) {
  cmd->add_option("--ca-file", flags.ca_file, "Verify the registry's TLS certificate with this PEM bundle")
      ->type_name("FILE")
      ->check(CLI::Validator(CLI::ExistingFile).description(""));
  cmd->add_flag("--insecure", flags.insecure,
                "Allow plain HTTP and unverified TLS for any registry (always allowed: localhost, 127.0.0.1)");
  cmd->add_option("--retries", flags.retries, "Retries on 429, 5xx and connection errors, with backoff")
      ->type_name("N")
      ->default_val(4)
      ->check(CLI::Range(0, 20));
}

oci::TransportOptions transport_options(const RegistryFlags& flags, bool quiet) {
  oci::TransportOptions t;
  t.ca_file = flags.ca_file;
  t.insecure = flags.insecure;
  t.retries = flags.retries;
  if (!quiet) {
    t.on_notice = [](const std::string& line) {
      // A progress bar may be on the line: start a fresh one.
      std::fprintf(stderr, "%s%s\n", ui::is_terminal(stderr) ? "\r\x1b[2K" : "", line.c_str());
    };
  }
  return t;
}

bool parse_pull_policy(const std::string& text, oci::PullPolicy& policy) {
  if (text == "always") policy = oci::PullPolicy::Always;
  else if (text == "missing") policy = oci::PullPolicy::Missing;
  else if (text == "never") policy = oci::PullPolicy::Never;
  else return false;
  return true;
}

}  // namespace edgectl::cli
