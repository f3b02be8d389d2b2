#pragma once
// One add_<verb> per cli/cmd_<verb>.cpp. Each registers its subcommand, options and an
// "Examples:" footer, and on run stores the verb's exit code in `exit_code`:
// 0 ok, 1 failure, 2 usage error.
#include <CLI/CLI.hpp>

namespace edgectl::cli {

void add_new(CLI::App& app, int& exit_code);
void add_build(CLI::App& app, int& exit_code);
void add_inspect(CLI::App& app, int& exit_code);
void add_run(CLI::App& app, int& exit_code);
void add_cache(CLI::App& app, int& exit_code);
void add_serve(CLI::App& app, int& exit_code);
void add_bench(CLI::App& app, int& exit_code);
void add_push(CLI::App& app, int& exit_code);
void add_pull(CLI::App& app, int& exit_code);
void add_login(CLI::App& app, int& exit_code);
void add_logout(CLI::App& app, int& exit_code);
void add_kv(CLI::App& app, int& exit_code);

}  // namespace edgectl::cli
