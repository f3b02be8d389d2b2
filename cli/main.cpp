// edgectl: build, inspect, run, serve, bench and publish WebAssembly edge functions.
// This file only wires the verbs together; each verb lives in cli/cmd_<verb>.cpp.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "ui/style.hpp"
#include "verbs.hpp"

int main(int argc, char** argv) {
  using namespace edgectl;
  // A closed pipe on stdout (edgectl inspect | head, or a guest writing to a reader that
  // went away) must be a write error (EPIPE) the writer handles, not a silent death.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"edgectl — build, check and ship WebAssembly edge functions", "edgectl"};
  app.set_version_flag("-V,--version", std::string("edgectl ") + EDGECTL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  // Applied as soon as the option is parsed, before any verb runs.
  app.add_option_function<std::string>(
         "--color",
         [](const std::string& v) {
           ui::set_color_mode(v == "always" ? ui::ColorMode::Always
                              : v == "never" ? ui::ColorMode::Never
                                             : ui::ColorMode::Auto);
         },
         "Colour output: auto, always or never (NO_COLOR is honoured)")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.footer(
      "Examples:\n"
      "  edgectl new http-c hello && cd hello\n"
      "  edgectl build\n"
      "  edgectl inspect hello.wasm\n"
      "  edgectl run hello.wasm\n"
      "\nRun 'edgectl VERB --help' for a verb's options.");

  int exit_code = 0;
  cli::add_new(app, exit_code);
  cli::add_build(app, exit_code);
  cli::add_inspect(app, exit_code);
  cli::add_run(app, exit_code);
  cli::add_cache(app, exit_code);
  cli::add_serve(app, exit_code);
  cli::add_bench(app, exit_code);
  cli::add_push(app, exit_code);
  cli::add_pull(app, exit_code);
  cli::add_login(app, exit_code);
  cli::add_logout(app, exit_code);
  cli::add_kv(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const std::exception& e) {
    // Core code reports user errors as values; reaching here is a bug worth reporting.
    std::cerr << "edgectl: internal error: " << e.what() << "\n";
    return 1;
  }
  return exit_code;
}
