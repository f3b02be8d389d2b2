#include "verbs.hpp"
namespace edgectl::cli {
void add_new(CLI::App&, int&) {}
}  // namespace edgectl::cli
