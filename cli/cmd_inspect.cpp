#include "verbs.hpp"
namespace edgectl::cli {
void add_inspect(CLI::App&, int&) {}
}  // namespace edgectl::cli
