// edgectl new: writes a project from one of the templates compiled into the binary.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "scaffold/scaffold.hpp"
#include "ui/diagnostic.hpp"
#include "ui/style.hpp"
#include "ui/table.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

struct Options {
  std::string template_name;
  std::string app_name;
  std::string dir;  // "" = ./<app_name>
  bool force = false;
  bool list = false;
  bool json = false;
};

int run_list(const Options& opt) {
  const auto templates = scaffold::list_templates();
  if (opt.json) {
    auto out = nlohmann::json::array();
    for (const auto& t : templates)
      out.push_back({{"name", t.name},
                     {"language", t.language},
                     {"description", t.description},
                     {"files", t.files}});
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  ui::Table table({"TEMPLATE", "LANGUAGE", "DESCRIPTION"});
  for (const auto& t : templates) table.add_row({t.name, t.language, t.description});
  std::cout << table.render(ui::color_enabled(stdout));
  return 0;
}

int run_new(const Options& opt) {
  const std::filesystem::path dir(opt.dir.empty() ? opt.app_name : opt.dir);
  const auto overwrite = opt.force ? scaffold::Overwrite::Yes : scaffold::Overwrite::No;
  auto r = scaffold::create_project(opt.template_name, opt.app_name, dir, overwrite);
  if (!r) {
    ui::print_error(r.error());
    return 1;
  }
  if (opt.json) {
    nlohmann::json out = {{"template", opt.template_name},
                          {"name", opt.app_name},
                          {"dir", r->dir.string()},
                          {"files", r->files}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "Created " << ui::paint(opt.app_name, ui::Tone::Bold) << " from template "
            << opt.template_name << " in " << r->dir.string() << "\n";
  for (const auto& f : r->files) std::cout << "  " << f << "\n";
  const bool here = r->dir.lexically_normal() == ".";
  std::cout << "\nNext steps (README.md lists the toolchain it needs):\n  "
            << (here ? "" : "cd " + r->dir.string() + " && ") << "edgectl build\n";
  return 0;
}

}  // namespace

void add_new(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("new", "Create a project from a template (see --list)");
  auto* tmpl =
      cmd->add_option("TEMPLATE", opt->template_name, "Template to start from, e.g. http-c");
  auto* name =
      cmd->add_option("NAME", opt->app_name, "App name: also the component id and the .wasm name");
  auto* dir =
      cmd->add_option("--dir", opt->dir, "Folder to create the project in (default: ./NAME)");
  auto* force = cmd->add_flag("-f,--force", opt->force, "Write into a folder that is not empty");
  cmd->add_flag("--list", opt->list, "List the templates instead")
      ->excludes(tmpl, name, dir, force);
  cmd->add_flag("--json", opt->json, "Print the result as JSON");
  tmpl->needs(name);
  cmd->footer(
      "Examples:\n"
      "  edgectl new --list\n"
      "  edgectl new http-c hello\n"
      "  edgectl new http-rust api --dir services/api\n"
      "  edgectl new ws-echo-c chat --force");
  cmd->callback([opt, &exit_code] {
    if (!opt->list && opt->template_name.empty())
      throw CLI::RequiredError("TEMPLATE and NAME are required (or --list to see the templates)",
                               CLI::ExitCodes::RequiredError);
    exit_code = opt->list ? run_list(*opt) : run_new(*opt);
  });
}

}  // namespace edgectl::cli
