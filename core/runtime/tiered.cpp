// The "auto" engine: tiering from the interpreter to native code.
//   load(): the interpreter's Module at once (the same checks, no compiler in the way); on an
//   aot cache hit, native code at once too; otherwise the module is queued for one
//   background thread that compiles it (the compiler itself runs on every core). A large
//   module (aot::kLargeModuleBytes) gets the quick native tier first (-O0, seconds), then the
//   optimized one; every module's quick tier is compiled before any optimized one.
//   A compile that fails is a warning (LoadOptions::on_warning) and the module's
//   native_failure(): it stays on the interpreter, never silently.
//   instantiate(): native code as soon as it is ready, else the interpreter; always the
//   interpreter under a fuel limit (native code does not count instructions). An instance
//   keeps the engine it started on, so switching never affects a running request.
//   Destroying the engine cancels compiles in progress (their processes are terminated)
//   and joins the thread; so does releasing a module whose compile is running (an edit
//   under serve --watch replaced it: the new version's compile starts at once).
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "runtime/aot/aot.hpp"
#include "runtime/detail/module_checks.hpp"
#include "runtime/interp/interp.hpp"
#include "runtime/runtime.hpp"
#include "runtime/tiered.hpp"
#include "util/sha256.hpp"
#include "util/units.hpp"

namespace edgectl::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// Holds whichever modules exist: the interpreter's (made at load, or on first need after an
// aot cache hit, which skips decoding the module for the interpreter) and the native one.
class TieredModule final : public Module {
 public:
  TieredModule(std::shared_ptr<Engine> interp_engine, std::vector<uint8_t> bytes,
               LoadOptions options, std::shared_ptr<const Module> first)
      : interp_engine_(std::move(interp_engine)),
        bytes_(std::make_shared<const std::vector<uint8_t>>(std::move(bytes))),
        options_(std::move(options)),
        first_(std::move(first)) {
    if (first_->engine() == "aot") aot_ = first_;
    else interp_ = first_;
  }
  ~TieredModule() override { *released_ = true; }

  const wasm::ModuleInfo& info() const override { return first_->info(); }
  std::string_view engine() const override { return native() ? "aot" : "interp"; }
  std::string_view native_tier() const override {
    auto n = native();
    return n ? n->native_tier() : std::string_view{};
  }
  std::string native_failure() const override {
    std::lock_guard lock(mutex_);
    return failure_;
  }
  void set_failure(std::string why) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(why);
  }
  Result<FuncType> export_function(std::string_view name) const override {
    return first_->export_function(name);
  }
  Result<std::unique_ptr<Instance>> instantiate(std::unique_ptr<wasi::WasiCtx> wasi,
                                                const Limits& limits) const override {
    if (!limits.fuel)
      if (auto aot = native()) return aot->instantiate(std::move(wasi), limits);
    auto interp = interpreter();
    if (!interp) return std::move(interp).error();
    return (*interp)->instantiate(std::move(wasi), limits);
  }

  std::shared_ptr<const Module> native() const {
    std::lock_guard lock(mutex_);
    return aot_;
  }
  void set_native(std::shared_ptr<const Module> aot) {
    std::lock_guard lock(mutex_);
    aot_ = std::move(aot);
  }
  std::shared_ptr<const std::vector<uint8_t>> bytes() const { return bytes_; }
  // Set when this module is destroyed: its background compile stops.
  std::shared_ptr<std::atomic<bool>> released() const { return released_; }

 private:
  Result<std::shared_ptr<const Module>> interpreter() const {
    std::lock_guard lock(mutex_);
    if (!interp_) {
      LoadOptions quiet = options_;
      quiet.on_notice = nullptr;
      auto loaded = interp_engine_->load(*bytes_, quiet);
      if (!loaded) return std::move(loaded).error();
      interp_ = std::move(loaded).value();
    }
    return interp_;
  }

  std::shared_ptr<Engine> interp_engine_;
  std::shared_ptr<const std::vector<uint8_t>> bytes_;
  std::shared_ptr<std::atomic<bool>> released_ = std::make_shared<std::atomic<bool>>(false);
  LoadOptions options_;
  std::shared_ptr<const Module> first_;  // what load() returned: info() and exports come from it
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Module> interp_;
  std::shared_ptr<const Module> aot_;
  std::string failure_;
};

class TieredEngine final : public Engine {
 public:
  TieredEngine() : interp_(interp::make_engine().release()), aot_(aot::make_engine(&cancel_)) {
    if (auto t = aot::detect_toolchain()) toolchain_ = std::move(t).value();
    else toolchain_error_ = t.error().message();
  }
  ~TieredEngine() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      cancel_ = true;
      if (running_) *running_ = true;
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  std::string_view name() const override { return "auto"; }
  Result<std::shared_ptr<const Module>> load(std::span<const uint8_t> bytes,
                                             const LoadOptions& options) override;
  bool wait_native(const Module& module, std::chrono::milliseconds timeout);

 private:
  struct Job {
    LoadOptions options;
    std::weak_ptr<TieredModule> module;
    bool quick = false;  // the quick tier; the optimized one follows
  };
  void work();

  std::shared_ptr<Engine> interp_;  // shared with the modules, which may load lazily
  std::atomic<bool> cancel_{false};
  std::unique_ptr<Engine> aot_;
  std::optional<aot::Toolchain> toolchain_;  // detected once; none: interpreter only
  std::string toolchain_error_;              // why there is none

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  bool stopping_ = false;
  std::deque<Job> jobs_;
  std::shared_ptr<std::atomic<bool>> running_;  // the cancel flag of the compile in progress
  std::thread worker_;
  std::map<std::string, std::weak_ptr<TieredModule>, std::less<>> modules_;
  std::map<const Module*, bool> settled_;  // compile finished (either way)
};

Result<std::shared_ptr<const Module>> TieredEngine::load(std::span<const uint8_t> bytes,
                                                         const LoadOptions& options) {
  LoadOptions hashed = options;
  if (hashed.sha256.empty()) hashed.sha256 = sha256_hex(bytes);
  const std::string& sha = hashed.sha256;
  {
    std::lock_guard lock(mutex_);
    if (auto it = modules_.find(sha); it != modules_.end())
      if (auto hit = it->second.lock()) {
        if (auto s = detail::check_imports(hit->info(), options,
                                           options.name.empty() ? "module.wasm" : options.name, name());
            !s)
          return std::move(s).error();
        return std::shared_ptr<const Module>(hit);
      }
  }
  auto remember = [&](std::shared_ptr<TieredModule> module, bool settled) {
    std::lock_guard lock(mutex_);
    if (settled) settled_[module.get()] = true;
    modules_[sha] = module;
    std::erase_if(modules_, [](const auto& e) { return e.second.expired(); });
    return std::shared_ptr<const Module>(module);
  };
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());

  const std::string shown = options.name.empty() ? std::string("module") : options.name;
  auto queue = [&](const std::shared_ptr<TieredModule>& module, bool quick) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(Job{options, module, quick});
      if (!worker_.joinable()) worker_ = std::thread([this] { work(); });
    }
    wake_.notify_all();
  };
  // A cache hit costs milliseconds: native code now, the interpreter only if ever needed.
  auto cached = [&](bool quick) -> std::shared_ptr<const Module> {
    if (!toolchain_ || !aot::lookup(bytes, *toolchain_, sha, quick ? aot::Tier::Quick : aot::Tier::Optimized))
      return nullptr;
    LoadOptions quiet = hashed;
    quiet.on_notice = nullptr;
    quiet.native_only = true;
    quiet.quick_native = quick;
    auto native = aot_->load(bytes, quiet);
    return native ? std::move(native).value() : nullptr;
  };
  if (auto native = cached(false))
    return remember(std::make_shared<TieredModule>(interp_, std::move(copy), options, std::move(native)),
                    /*settled=*/true);
  const bool large = bytes.size() > aot::kLargeModuleBytes;
  if (large)
    if (auto quick = cached(true)) {
      auto module = std::make_shared<TieredModule>(interp_, std::move(copy), options, std::move(quick));
      queue(module, /*quick=*/false);
      if (options.on_notice)
        options.on_notice("running '" + shown + "' on quick native code (-O0) while optimized native code compiles in the background");
      return remember(module, /*settled=*/false);
    }

  auto interp = interp_->load(bytes, hashed);
  if (!interp) return std::move(interp).error();
  auto module =
      std::make_shared<TieredModule>(interp_, std::move(copy), options, std::move(interp).value());
  if (!toolchain_) {
    if (options.on_notice)
      options.on_notice("'" + shown + "' runs on the interpreter: no aot toolchain (" + toolchain_error_ + ")");
    return remember(module, /*settled=*/true);
  }
  queue(module, /*quick=*/large);
  if (options.on_notice)
    options.on_notice("running '" + shown + "' on the interpreter while native code compiles in the background" +
                      (large ? " (a quick tier first, then optimized)" : ""));
  return remember(module, /*settled=*/false);
}

void TieredEngine::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    auto module = job.module.lock();
    if (!module) continue;
    const auto started = Clock::now();
    const std::string shown = job.options.name.empty() ? std::string("module") : job.options.name;
    const auto bytes = module->bytes();
    const auto released = module->released();
    LoadOptions options = job.options;
    options.on_notice = nullptr;  // progress lines would interleave with requests
    options.native_only = true;   // a failure is reported here, once
    options.quick_native = job.quick;
    options.cancel = released.get();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      running_ = released;
    }
    module.reset();  // the module may go (a newer version replaced it): that cancels this compile
    auto native = aot_->load(*bytes, options);
    {
      std::lock_guard lock(mutex_);
      running_.reset();
    }
    if (cancel_) return;
    module = job.module.lock();
    if (!module) continue;
    const std::string took = human_duration(Clock::now() - started);
    if (job.quick) {
      // The optimized tier follows, after every other module's quick one.
      if (native) {
        module->set_native(std::move(native).value());
        if (job.options.on_notice)
          job.options.on_notice("quick native code (-O0) ready for '" + shown + "' (compiled in " + took +
                                "): new instances run it; optimizing in the background");
      } else if (job.options.on_notice) {
        job.options.on_notice("no quick native tier for '" + shown + "' (" + native.error().message() +
                              "); trying the optimized one");
      }
      {
        std::lock_guard lock(mutex_);
        jobs_.push_back(Job{job.options, module, false});
      }
      continue;
    }
    if (native) {
      module->set_native(std::move(native).value());
      if (job.options.on_notice)
        job.options.on_notice("native code ready for '" + shown + "' (compiled in " + took +
                              "): new instances run it");
    } else {
      // Never silent: a warning with the toolchain's own words, and native_failure() for the
      // server's metrics (edgectl_aot_compile_failures_total).
      Error why = std::move(native).error();
      std::string text = why.message_with_notes();
      module->set_failure(why.message());
      const bool quick_runs = module->engine() == "aot";
      text += quick_runs ? "\n  '" + shown + "' stays on quick native code (-O0)"
                         : "\n  '" + shown + "' stays on the interpreter";
      if (job.options.on_warning) job.options.on_warning(text);
      else if (job.options.on_notice) job.options.on_notice("warning: " + text);
    }
    {
      std::lock_guard lock(mutex_);
      settled_[module.get()] = true;
    }
    done_.notify_all();
  }
}

bool TieredEngine::wait_native(const Module& module, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  done_.wait_for(lock, timeout, [&] { return settled_.count(&module) > 0; });
  return module.engine() == "aot";
}

}  // namespace

std::unique_ptr<Engine> make_tiered_engine() { return std::make_unique<TieredEngine>(); }

bool wait_for_native(Engine& engine, const Module& module, std::chrono::milliseconds timeout) {
  if (auto* tiered = dynamic_cast<TieredEngine*>(&engine)) return tiered->wait_native(module, timeout);
  return module.engine() == "aot";
}

}  // namespace edgectl::runtime
