#pragma once
// The flags every verb that talks to a registry shares (push, pull, login, serve REF):
// --ca-file, --insecure, --retries; and the transport options they make, with retry and
// fallback notices printed on stderr (also under --json, whose output is stdout only).
#include <CLI/CLI.hpp>
#include <string>

#include "oci/oci.hpp"

namespace edgectl::cli {

struct RegistryFlags {
  std::string ca_file;
  bool insecure = false;
  int retries = 4;
};

void add_registry_flags(CLI::App* cmd, RegistryFlags& flags);

oci::TransportOptions transport_options(const RegistryFlags& flags, bool quiet);

// Parses --pull always|missing|never.
bool parse_pull_policy(const std::string& text, oci::PullPolicy& policy);

}  // namespace edgectl::cli
