// The aot toolchain, compiler and on-disk cache.
//   toolchain: wasm2c + wabt's wasm-rt.h + a C compiler, identified by path, size and mtime
//     (no `--version` process on the load path: a cache hit must cost milliseconds).
//   compile: wasm2c -n m → translate() into parts → one compiler process per part, in
//     parallel → link into module.so. Flags by tier and module size: Optimized is -O2, or
//     -O1 above kLargeModuleBytes (a 2.2 MB Go module is ~27 MB of C; -O2 on it takes
//     minutes); Quick is -O0 with the quick compiler (clang -O0 compiles that C in ~15 s of
//     CPU, gcc -O0 in ~32 s, gcc -O1 in ~75 s).
//   cache: <cache_dir>/<key>/{module.so, meta.json}, key = sha256 of (ABI version, wasm
//     sha256, tier, toolchain identity, flags, the wasm-rt.h wrapper). Entries are built in
//     a .tmp-* sibling and renamed into place; a lost race keeps the winner's entry. An entry
//     whose meta.json does not name its key, or whose library size differs, is replaced.
//     A module the toolchain refuses gets an entry with meta.json only, naming the failure.
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "runtime/aot/aot.hpp"
#include "runtime/aot/detail/cache.hpp"
#include "runtime/aot/detail/translate.hpp"
#include "util/fs.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"
#include "wasm/wasm.hpp"

namespace fs = std::filesystem;

namespace edgectl::runtime::aot {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kLibraryFile = "module.so";
constexpr std::string_view kMetaFile = "meta.json";
constexpr std::string_view kTmpPrefix = ".tmp-";
constexpr std::string_view kTrashPrefix = ".trash-";
constexpr size_t kMaxJobs = 8;
// Parts per compiler process: equal sizes of C do not take equal time (Go's runtime half
// took 60 % longer than the rest at -O0), so smaller parts taken from a queue keep every
// core busy to the end. Each part repeats the declarations (a fraction of a second).
constexpr size_t kPartsPerJob = 3;
constexpr size_t kErrorTailLines = 20;
// -fno-optimize-sibling-calls: wasm calls use stack (there are no tail calls in wasm 1.0);
// turned into jumps, runaway recursion would loop forever instead of trapping StackOverflow.
constexpr std::string_view kCommonFlags =
    "-fPIC -fvisibility=hidden -ftls-model=initial-exec -fno-optimize-sibling-calls -w";

// sh -c SCRIPT wasm2c ARGS...: raise the soft stack limit as far as allowed, then exec.
constexpr std::string_view kUnlimitedStack =
    "ulimit -S -s unlimited 2>/dev/null || ulimit -S -s \"$(ulimit -H -s)\" 2>/dev/null; "
    "exec \"$0\" \"$@\"";

std::string identity_of(const fs::path& p) {
  std::error_code ec;
  fs::path real = fs::canonical(p, ec);
  if (ec) real = p;
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0) return real.string();
  return real.string() + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
         "." + std::to_string(st.st_mtim.tv_nsec);
}

std::string optimize_flag(uint64_t wasm_bytes, Tier tier) {
  if (tier == Tier::Quick) return "-O0";
  return wasm_bytes > kLargeModuleBytes ? "-O1" : "-O2";
}

const fs::path& compiler_for(const Toolchain& t, Tier tier) {
  return tier == Tier::Quick && !t.quick_cc.empty() ? t.quick_cc : t.cc;
}

std::string flags_for(uint64_t wasm_bytes, const Toolchain& t, Tier tier) {
  std::string flags = optimize_flag(wasm_bytes, tier) + " " + std::string(kCommonFlags);
  if (!t.extra_flags.empty()) flags += " " + t.extra_flags;
  return flags;
}

std::string key_of(std::string_view wasm_sha, const Toolchain& t, std::string_view flags, Tier tier) {
  Sha256 h;
  h.update("edgectl-aot\nabi=" + std::to_string(kAbiVersion) + "\nwasm=");
  h.update(wasm_sha);
  h.update("\ntier=");
  h.update(to_string(tier));
  h.update("\ntoolchain=" + t.identity + "\nflags=");
  h.update(flags);
  h.update("\nwrapper=");
  h.update(rt_header_wrapper());
  return h.hex();
}

std::string tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  for (size_t n = 0; n <= lines && pos != std::string::npos && pos > 0; ++n)
    pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
}

// `refused`, if given, is set when the tool ran and said no (a non-zero exit or an abort,
// not a lack of memory or disk): the same input will fail the same way again.
Result<void> run_tool(std::vector<std::string> argv, const CompileOptions& options,
                      std::string_view what, std::atomic<bool>* refused = nullptr) {
  if (options.cancel && options.cancel->load()) return Error(std::string(what) + ": cancelled");
  std::string output;
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.cancel = options.cancel;
  spec.on_output = [&](OutputStream, std::string_view chunk) { output.append(chunk); };
  auto r = run_process(spec);
  if (!r) return std::move(r).error();
  if (options.cancel && options.cancel->load()) return Error(std::string(what) + ": cancelled");
  if (r->signaled || r->exit_code != 0) {
    Error e(std::string(what) + (r->signaled ? " crashed (" : " failed (") +
            (r->signaled ? "signal " + std::to_string(r->signal)
                         : "exit code " + std::to_string(r->exit_code)) + ")");
    if (!output.empty()) e.note(tail(output, kErrorTailLines));
    const bool resources = output.find("Killed signal") != std::string::npos ||
                           output.find("No space left") != std::string::npos ||
                           output.find("out of memory") != std::string::npos;
    // An abort is an assertion in the tool (wasm2c 1.0.32 aborts on v128 parameters): it
    // recurs. A kill or a fault may be the machine's doing: tried again next time.
    if (refused && !resources && (!r->signaled || r->signal == SIGABRT)) *refused = true;
    return e;
  }
  return {};
}

std::string iso_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<nlohmann::json> read_meta(const fs::path& dir) {
  std::ifstream in(dir / kMetaFile);
  if (!in) return std::nullopt;
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::optional<Compiled> valid_entry(const fs::path& dir, const std::string& key) {
  auto meta = read_meta(dir);
  if (!meta || meta->value("key", "") != key || meta->value("abi", 0u) != kAbiVersion ||
      meta->contains("failure"))
    return std::nullopt;
  std::error_code ec;
  const uint64_t size = fs::file_size(dir / kLibraryFile, ec);
  if (ec || size != meta->value("library_bytes", uint64_t{0})) return std::nullopt;
  Compiled c;
  c.library = dir / kLibraryFile;
  c.key = key;
  c.cache_hit = true;
  c.library_bytes = size;
  c.flags = meta->value("flags", "");
  c.validated = meta->value("validated_features", uint64_t{0}) ==
                static_cast<uint64_t>(wasm::runtime_features());
  c.tier = meta->value("tier", "") == "quick" ? Tier::Quick : Tier::Optimized;
  return c;
}

// The failure an entry records for `key`, as the error compile() returned then.
std::optional<Error> recorded_failure(const fs::path& dir, const std::string& key) {
  auto meta = read_meta(dir);
  if (!meta || meta->value("key", "") != key || meta->value("abi", 0u) != kAbiVersion ||
      !meta->contains("failure") || !(*meta)["failure"].is_string())
    return std::nullopt;
  Error e((*meta)["failure"].get<std::string>());
  if (auto notes = meta->find("notes"); notes != meta->end() && notes->is_array())
    for (const auto& n : *notes)
      if (n.is_string()) e.note(n.get<std::string>());
  e.note("recorded in the aot cache on " + meta->value("created", std::string("?")) +
         " (" + dir.string() + "); `edgectl cache clear` tries again");
  return e;
}

fs::path unique_sibling(const fs::path& root, std::string_view prefix) {
  std::random_device rd;
  return root / (std::string(prefix) + std::to_string(::getpid()) + "-" + std::to_string(rd()));
}

// Moves an entry out of the way (atomically) and deletes it.
void remove_entry(const fs::path& dir) {
  std::error_code ec;
  fs::path trash = unique_sibling(dir.parent_path(), kTrashPrefix);
  fs::rename(dir, trash, ec);
  if (!ec) fs::remove_all(trash, ec);
}

// Bytes of the regular files below `dir` (unreadable parts count as nothing).
uint64_t tree_bytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

std::string probe_version(const fs::path& cc) {
  auto out = capture_output({cc.string(), "--version"});
  if (!out) return cc.string();
  return out->substr(0, out->find('\n'));
}

std::string compiler_version(const fs::path& cc) {
  static std::mutex mutex;
  static std::map<fs::path, std::string> known;  // one `cc --version` per compiler and process
  std::lock_guard lock(mutex);
  if (auto it = known.find(cc); it != known.end()) return it->second;
  return known[cc] = probe_version(cc);
}

std::vector<std::string> split_flags(std::string_view flags) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < flags.size()) {
    size_t end = flags.find(' ', start);
    if (end == std::string_view::npos) end = flags.size();
    if (end > start) out.emplace_back(flags.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

Result<Toolchain> detect_toolchain() {
  Toolchain t;
  auto wasm2c = find_program("wasm2c");
  if (!wasm2c)
    return Error("wasm2c is not installed: the aot engine needs it")
        .note("install it with: apt-get install wabt");
  t.wasm2c = *wasm2c;
  for (fs::path candidate : {wasm2c->parent_path().parent_path() / "include" / "wasm-rt.h",
                             fs::path("/usr/include/wasm-rt.h")}) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) {
      t.rt_header = candidate;
      break;
    }
  }
  if (t.rt_header.empty())
    return Error("wabt's wasm-rt.h was not found next to wasm2c or in /usr/include")
        .note("install it with: apt-get install wabt");
  std::vector<std::string> candidates;
  for (const char* var : {"EDGECTL_CC", "CC"})
    if (const char* v = std::getenv(var); v && *v) candidates.emplace_back(v);
  candidates.insert(candidates.end(), {"cc", "gcc", "clang"});
  for (const auto& c : candidates)
    if (auto found = find_program(c)) {
      t.cc = *found;
      break;
    }
  if (t.cc.empty())
    return Error("no C compiler found (looked for $EDGECTL_CC, $CC, cc, gcc and clang): the aot engine needs one")
        .note("install one with: apt-get install gcc");
  if (const char* extra = std::getenv("EDGECTL_AOT_CFLAGS")) t.extra_flags = extra;
  // The quick tier's compiler, the newest clang: its -O0 is 2x gcc's on wasm2c's output.
  std::vector<std::string> quick;
  if (const char* v = std::getenv("EDGECTL_QUICK_CC"); v && *v) quick.emplace_back(v);
  for (int version = 30; version >= 14; --version) quick.push_back("clang-" + std::to_string(version));
  quick.emplace_back("clang");
  for (const auto& c : quick)
    if (auto found = find_program(c)) {
      t.quick_cc = *found;
      break;
    }
  if (t.quick_cc.empty()) t.quick_cc = t.cc;
  t.identity = identity_of(t.wasm2c) + ";" + identity_of(t.cc) + ";" + identity_of(t.rt_header) +
               ";" + identity_of(t.quick_cc);
  return t;
}

std::string_view to_string(Tier t) { return t == Tier::Quick ? "quick" : "optimized"; }

fs::path cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return fs::path(xdg) / "edgectl" / "aot";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".cache" / "edgectl" / "aot";
  return fs::temp_directory_path() / ("edgectl-aot-" + std::to_string(::getuid()));
}

std::string cache_key(std::span<const uint8_t> bytes, const Toolchain& toolchain, Tier tier) {
  return key_of(sha256_hex(bytes), toolchain, flags_for(bytes.size(), toolchain, tier), tier);
}

std::optional<Compiled> lookup(std::span<const uint8_t> bytes, const Toolchain& toolchain,
                               std::string_view wasm_sha256, Tier tier) {
  const auto started = Clock::now();
  const std::string key =
      wasm_sha256.empty() ? cache_key(bytes, toolchain, tier)
                          : key_of(wasm_sha256, toolchain, flags_for(bytes.size(), toolchain, tier), tier);
  auto hit = valid_entry(cache_dir() / key, key);
  if (hit) hit->time = Clock::now() - started;
  return hit;
}

void discard(const std::string& key) { remove_entry(cache_dir() / key); }

Result<Compiled> compile(std::span<const uint8_t> bytes, const Toolchain& toolchain,
                         const CompileOptions& options) {
  const auto started = Clock::now();
  const std::string wasm_sha = options.wasm_sha256.empty() ? sha256_hex(bytes) : options.wasm_sha256;
  const Tier tier = options.tier;
  const std::string opt = optimize_flag(bytes.size(), tier);
  const std::string flags = flags_for(bytes.size(), toolchain, tier);
  const fs::path& cc = compiler_for(toolchain, tier);
  const std::string key = key_of(wasm_sha, toolchain, flags, tier);
  const fs::path root = options.cache_root.empty() ? cache_dir() : options.cache_root;
  const fs::path entry = root / key;
  if (auto hit = valid_entry(entry, key)) {
    hit->time = Clock::now() - started;
    return *hit;
  }
  if (auto failed = recorded_failure(entry, key)) return *failed;
  auto progress = [&](const std::string& what) {
    if (options.on_progress) options.on_progress(what);
  };

  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Error("cannot create the aot cache " + root.string() + ": " + ec.message());
  const fs::path tmp = unique_sibling(root, kTmpPrefix);
  fs::create_directories(tmp / "include", ec);
  if (ec) return Error("cannot create " + tmp.string() + ": " + ec.message());
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      if (!dir.empty()) fs::remove_all(dir, ignored);
    }
  } cleanup{tmp};

  nlohmann::json meta = {
      {"key", key},
      {"abi", kAbiVersion},
      {"name", options.name},
      {"wasm_sha256", wasm_sha},
      {"wasm_bytes", bytes.size()},
      {"tier", to_string(tier)},
      {"compiler", compiler_version(cc)},
      {"flags", flags},
  };
  // A refusal by the toolchain is published as an entry with meta.json only: the next load
  // of the same module says why at once instead of compiling again.
  std::atomic<bool> refused{false};
  auto give_up = [&](Error e) -> Error {
    if (!refused || (options.cancel && options.cancel->load())) return e;
    std::error_code ignored;
    for (const auto& f : fs::directory_iterator(tmp, ignored)) fs::remove_all(f.path(), ignored);
    nlohmann::json failed = meta;
    failed["failure"] = e.message();
    failed["notes"] = nlohmann::json::array();
    for (const auto& d : e.diagnostics())
      for (const auto& n : d.notes) failed["notes"].push_back(n);
    failed["created"] = iso_now();
    if (write_file_atomic(tmp / kMetaFile, failed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n") &&
        !fs::exists(entry, ignored)) {
      fs::rename(tmp, entry, ignored);
      if (!ignored) cleanup.dir.clear();
    }
    return e;
  };

  if (auto s = write_file_atomic(tmp / "module.wasm", bytes); !s) return std::move(s).error();
  progress("translating to C (wasm2c)");
  // wasm2c recurses over each function's expressions: a large function overflows an 8 MiB
  // stack (it crashed on a 450 KB module here). Its soft stack limit is raised to the hard one.
  if (auto s = run_tool({"/bin/sh", "-c", std::string(kUnlimitedStack), toolchain.wasm2c.string(),
                         "--no-debug-names", "-n", std::string(kModuleName),
                         (tmp / "module.wasm").string(), "-o", (tmp / "m.c").string()},
                        options, "wasm2c", &refused);
      !s)
    return give_up(std::move(s).error());
  // wasm2c names its header after the output file: m.c → m.h, included as "m.h".
  auto c_source = read_text_file(tmp / "m.c");
  if (!c_source) return std::move(c_source).error();
  auto header = read_text_file(tmp / "m.h");
  if (!header) return std::move(header).error();

  size_t jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min(jobs, kMaxJobs);
  const size_t parts = c_source->size() > options.min_split_bytes ? jobs * kPartsPerJob : 1;
  auto translation = translate(*c_source, *header, key, parts);
  if (!translation) {
    refused = true;
    return give_up(std::move(translation).error().context("translating wasm2c's output: "));
  }
  c_source->clear();
  c_source->shrink_to_fit();
  if (auto s = write_file_atomic(tmp / "include" / "wasm-rt.h", rt_header_wrapper()); !s)
    return std::move(s).error();
  std::vector<fs::path> objects;
  for (size_t i = 0; i < translation->parts.size(); ++i) {
    const fs::path c = tmp / ("part" + std::to_string(i) + ".c");
    if (auto s = write_file_atomic(c, translation->parts[i]); !s) return std::move(s).error();
    objects.push_back(tmp / ("part" + std::to_string(i) + ".o"));
  }
  const size_t n = objects.size();
  translation->parts.clear();

  const size_t at_once = std::min(jobs, n);
  progress("compiling " + std::to_string(n) + (n == 1 ? " part" : " parts") + " with " +
           cc.filename().string() + " " + opt +
           (n > 1 ? " (" + std::to_string(at_once) + " at a time)" : ""));
  std::vector<Result<void>> results(n, Result<void>{});
  {
    // `at_once` compiler processes, each taking the next part; the first failure stops
    // the others from starting new ones.
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> workers;
    for (size_t w = 0; w < at_once; ++w)
      workers.emplace_back([&] {
        for (size_t i = next++; i < n && !failed; i = next++) {
          std::vector<std::string> argv{cc.string()};
          for (auto& f : split_flags(flags)) argv.push_back(std::move(f));
          argv.insert(argv.end(), {"-I", (tmp / "include").string(), "-c",
                                   (tmp / ("part" + std::to_string(i) + ".c")).string(), "-o",
                                   objects[i].string()});
          results[i] = run_tool(std::move(argv), options, "compiling the generated C", &refused);
          if (!results[i]) failed = true;
        }
      });
    for (auto& w : workers) w.join();
  }
  for (auto& r : results)
    if (!r) return give_up(std::move(r).error());

  progress("linking");
  std::vector<std::string> link{cc.string(), "-shared", "-o", (tmp / kLibraryFile).string()};
  for (const auto& o : objects) link.push_back(o.string());
  if (auto s = run_tool(std::move(link), options, "linking the compiled module", &refused); !s)
    return give_up(std::move(s).error());
  for (const auto& o : objects) fs::remove(o, ec);
  // The entry keeps the library and its metadata only.
  for (size_t i = 0; i < n; ++i) fs::remove(tmp / ("part" + std::to_string(i) + ".c"), ec);
  for (const char* f : {"m.c", "m.h", "module.wasm"}) fs::remove(tmp / f, ec);
  fs::remove_all(tmp / "include", ec);

  const uint64_t library_bytes = fs::file_size(tmp / kLibraryFile, ec);
  meta["library_bytes"] = library_bytes;
  meta["created"] = iso_now();
  if (options.validated) meta["validated_features"] = static_cast<uint64_t>(wasm::runtime_features());
  if (auto s = write_file_atomic(tmp / kMetaFile, meta.dump(2) + "\n"); !s) return std::move(s).error();

  // Publish. A valid entry that appeared meanwhile (another process) wins; an invalid one
  // is moved aside first.
  if (fs::exists(entry, ec) && !valid_entry(entry, key)) remove_entry(entry);
  fs::rename(tmp, entry, ec);
  if (!ec) cleanup.dir.clear();
  auto published = valid_entry(entry, key);
  if (!published) return Error("cannot publish the compiled module into " + entry.string());
  published->cache_hit = false;
  published->time = Clock::now() - started;
  return *published;
}

Result<std::vector<CacheEntry>> list_cache() {
  std::vector<CacheEntry> out;
  const fs::path root = cache_dir();
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (const auto& d : fs::directory_iterator(root, ec)) {
    const std::string name = d.path().filename().string();
    if (name.starts_with(".") || !d.is_directory()) continue;
    CacheEntry e;
    e.key = name;
    e.path = d.path();
    if (auto meta = read_meta(d.path())) {
      e.name = meta->value("name", "");
      e.wasm_sha256 = meta->value("wasm_sha256", "");
      e.compiler = meta->value("compiler", "");
      e.flags = meta->value("flags", "");
      e.created = meta->value("created", "");
      e.tier = meta->value("tier", "optimized");
      if (auto f = meta->find("failure"); f != meta->end() && f->is_string()) e.failure = f->get<std::string>();
    }
    e.bytes = tree_bytes(d.path());
    out.push_back(std::move(e));
  }
  if (ec) return Error("cannot read the aot cache " + root.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created > b.created; });
  return out;
}

Result<uint64_t> clear_cache() {
  const fs::path root = cache_dir();
  std::error_code ec;
  uint64_t freed = 0;
  if (!fs::exists(root, ec)) return freed;
  for (const auto& d : fs::directory_iterator(root, ec)) {
    std::error_code entry_ec;
    if (d.is_directory(entry_ec)) {
      freed += tree_bytes(d.path());
      remove_entry(d.path());
    } else {
      freed += d.file_size(entry_ec);
      fs::remove(d.path(), entry_ec);  // a stray file: not ours to keep either
    }
  }
  if (ec) return Error("cannot clear the aot cache " + root.string() + ": " + ec.message());
  return freed;
}

}  // namespace edgectl::runtime::aot
