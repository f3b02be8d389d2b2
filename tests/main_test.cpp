// doctest's own SIGSEGV handler would take the guard-page faults the aot engine turns into
// traps (it installs it anew for every test case): a crash still fails the test under ctest.
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
