// WASI through the interp engine: C programs built with wasi-libc, run as commands, their
// stdio captured in Buffer mode. (WasiCtx's own behaviour is tested in tests/runtime/wasi/.)
#include <chrono>

#include "engine_support.hpp"

namespace edgectl::runtime {
namespace {

using namespace std::chrono_literals;
using test::compile_c;
using test::test_engine;
using test::load;
using test::run_command;

TEST_CASE("wasi engine: hello world, argv and the environment") {
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <stdio.h>
    #include <stdlib.h>
    int main(int argc, char** argv) {
      printf("hello from %s\n", argv[0]);
      for (int i = 1; i < argc; ++i) printf("arg%d=%s\n", i, argv[i]);
      const char* who = getenv("WHO");
      fprintf(stderr, "WHO=%s\n", who ? who : "(unset)");
      return 0;
    })c"));
  wasi::WasiConfig config;
  config.args = {"hello.wasm", "a b", "--flag"};
  config.env = {{"WHO", "edge"}};
  auto ran = run_command(*module, config);
  CHECK(ran.outcome.status == RunOutcome::Status::Returned);  // main returned 0: so did _start
  CHECK(ran.outcome.exit_code == 0);
  CHECK(ran.out == "hello from hello.wasm\narg1=a b\narg2=--flag\n");
  CHECK(ran.err == "WHO=edge\n");

  config.env.clear();  // nothing leaks in from the host
  CHECK(run_command(*module, config).err == "WHO=(unset)\n");
}

TEST_CASE("wasi engine: exit codes from main and from exit()") {
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <stdio.h>
    #include <stdlib.h>
    void deep(int n) { if (n == 0) exit(7); deep(n - 1); printf("never\n"); }
    int main(int argc, char** argv) {
      if (argc > 1 && argv[1][0] == 'r') return 3;
      if (argc > 1 && argv[1][0] == 'e') deep(20);
      puts("ok");
      return 0;
    })c"));
  wasi::WasiConfig config;
  config.args = {"x", "return"};
  auto ran = run_command(*module, config);
  CHECK(ran.outcome.exit_code == 3);
  config.args = {"x", "exit"};
  ran = run_command(*module, config);
  CHECK(ran.outcome.status == RunOutcome::Status::Exited);
  CHECK(ran.outcome.exit_code == 7);
  CHECK(ran.out.empty());  // the guest unwound at exit(): nothing after it ran
  config.args = {"x"};
  CHECK(run_command(*module, config).out == "ok\n");
}

TEST_CASE("wasi engine: a preopened folder, read and written") {
  TempDir dir("edgectl-wasi-engine");
  REQUIRE(write_file_atomic(dir.path() / "in.txt", "from the host").ok());
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <stdio.h>
    #include <string.h>
    int main(void) {
      char buf[64] = {0};
      FILE* in = fopen("/data/in.txt", "r");
      if (!in) return 10;
      fread(buf, 1, sizeof buf - 1, in);
      fclose(in);
      FILE* out = fopen("/data/out.txt", "w");
      if (!out) return 11;
      fprintf(out, "%s, and back", buf);
      fclose(out);
      if (fopen("/etc/passwd", "r")) return 12;  // nothing outside the preopen
      if (fopen("/data/../../etc/passwd", "r")) return 13;
      return 0;
    })c"));
  wasi::WasiConfig config;
  config.args = {"files"};
  config.preopens = {{dir.path(), "/data", true}};
  auto ran = run_command(*module, config);
  CHECK(ran.outcome.exit_code == 0);
  auto written = read_text_file(dir.path() / "out.txt");
  REQUIRE(written.ok());
  CHECK(*written == "from the host, and back");

  // Read-only: reading works, writing is refused.
  config.preopens = {{dir.path(), "/data", false}};
  CHECK(run_command(*module, config).outcome.exit_code == 11);
}

TEST_CASE("wasi engine: stdin in Buffer mode, and a blocking sleep cut short by the timeout") {
  auto engine = test_engine();
  auto cat = load(*engine, compile_c(R"c(
    #include <stdio.h>
    int main(void) { int c; while ((c = getchar()) != EOF) putchar(c == 'a' ? 'A' : c); return 0; })c"));
  wasi::WasiConfig config;
  config.stdin_mode = wasi::StdioMode::Buffer;
  config.stdin_data = "banana\n";
  CHECK(run_command(*cat, config).out == "bAnAnA\n");

  auto sleeper = load(*engine, compile_c(R"c(
    #include <unistd.h>
    int main(void) { sleep(30); return 0; })c"));
  Limits limits = Limits::defaults();
  limits.timeout = 100ms;
  auto started = std::chrono::steady_clock::now();
  auto ran = run_command(*sleeper, {}, limits);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  REQUIRE(ran.outcome.trap.has_value());
  CHECK(ran.outcome.trap->kind == TrapKind::Timeout);
}

TEST_CASE("wasi engine: the memory cap applies to malloc") {
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <stdlib.h>
    int main(void) {
      int blocks = 0;
      while (malloc(1 << 20)) ++blocks;   // 1 MiB at a time until memory.grow says no
      return blocks > 0 && blocks < 16 ? 0 : 1;
    })c"));
  Limits limits = Limits::defaults();
  limits.max_memory_bytes = 16ull << 20;
  CHECK(run_command(*module, {}, limits).outcome.exit_code == 0);
}

}  // namespace
}  // namespace edgectl::runtime
