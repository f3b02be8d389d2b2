#include "verbs.hpp"
namespace edgectl::cli {
void add_build(CLI::App&, int&) {}
}  // namespace edgectl::cli
