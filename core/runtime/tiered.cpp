// The "auto" engine: tiering from the interpreter to native code.
//   load(): the interpreter's Module at once (the same checks, no compiler in the way); on an
//   aot cache hit, native code at once too; otherwise the module is queued for one
//   background thread that compiles it (the compiler itself runs on every core).
//   instantiate(): native code as soon as it is ready, else the interpreter; always the
//   interpreter under a fuel limit (native code does not count instructions). An instance
//   keeps the engine it started on, so switching never affects a running request.
//   Destroying the engine cancels compiles in progress (their processes are terminated)
//   and joins the thread.
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "runtime/aot/aot.hpp"
#include "runtime/interp/interp.hpp"
#include "runtime/runtime.hpp"
#include "runtime/tiered.hpp"
#include "util/sha256.hpp"
#include "util/units.hpp"

namespace edgectl::runtime {
namespace {

using Clock = std::chrono::steady_clock;

class TieredModule final : public Module {
 public:
  explicit TieredModule(std::shared_ptr<const Module> interp) : interp_(std::move(interp)) {}

  const wasm::ModuleInfo& info() const override { return interp_->info(); }
  std::string_view engine() const override { return native() ? "aot" : "interp"; }
  Result<FuncType> export_function(std::string_view name) const override {
    return interp_->export_function(name);
  }
  Result<std::unique_ptr<Instance>> instantiate(std::unique_ptr<wasi::WasiCtx> wasi,
                                                const Limits& limits) const override {
    if (!limits.fuel)
      if (auto aot = native()) return aot->instantiate(std::move(wasi), limits);
    return interp_->instantiate(std::move(wasi), limits);
  }

  std::shared_ptr<const Module> native() const {
    std::lock_guard lock(mutex_);
    return aot_;
  }
  void set_native(std::shared_ptr<const Module> aot) {
    std::lock_guard lock(mutex_);
    aot_ = std::move(aot);
  }

 private:
  std::shared_ptr<const Module> interp_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Module> aot_;
};

class TieredEngine final : public Engine {
 public:
  TieredEngine() : interp_(interp::make_engine()), aot_(aot::make_engine(&cancel_)) {
    toolchain_ok_ = aot::detect_toolchain().ok();
  }
  ~TieredEngine() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      cancel_ = true;
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
    std::vector<uint8_t> bytes;
    LoadOptions options;
    std::weak_ptr<TieredModule> module;
  };
  void work();

  std::unique_ptr<Engine> interp_;
  std::atomic<bool> cancel_{false};
  std::unique_ptr<Engine> aot_;
  bool toolchain_ok_ = false;

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  bool stopping_ = false;
  std::deque<Job> jobs_;
  std::thread worker_;
  std::map<std::string, std::weak_ptr<TieredModule>, std::less<>> modules_;
  std::map<const Module*, bool> settled_;  // compile finished (either way)
};

Result<std::shared_ptr<const Module>> TieredEngine::load(std::span<const uint8_t> bytes,
                                                         const LoadOptions& options) {
  auto interp = interp_->load(bytes, options);
  if (!interp) return std::move(interp).error();
  const std::string sha = (*interp)->sha256();
  {
    std::lock_guard lock(mutex_);
    if (auto it = modules_.find(sha); it != modules_.end())
      if (auto hit = it->second.lock()) return std::shared_ptr<const Module>(hit);
  }
  auto module = std::make_shared<TieredModule>(std::move(interp).value());
  if (!toolchain_ok_) {
    std::lock_guard lock(mutex_);
    settled_[module.get()] = true;
    modules_[sha] = module;
    return std::shared_ptr<const Module>(module);
  }
  // A cache hit costs milliseconds: take native code now.
  if (auto toolchain = aot::detect_toolchain(); toolchain && aot::lookup(bytes, *toolchain)) {
    LoadOptions quiet = options;
    quiet.on_notice = nullptr;
    if (auto native = aot_->load(bytes, quiet); native && (*native)->engine() == "aot") {
      module->set_native(std::move(native).value());
      std::lock_guard lock(mutex_);
      settled_[module.get()] = true;
      modules_[sha] = module;
      return std::shared_ptr<const Module>(module);
    }
  }
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(Job{std::vector<uint8_t>(bytes.begin(), bytes.end()), options, module});
    modules_[sha] = module;
    std::erase_if(modules_, [](const auto& e) { return e.second.expired(); });
    if (!worker_.joinable()) worker_ = std::thread([this] { work(); });
  }
  wake_.notify_all();
  if (options.on_notice)
    options.on_notice("running '" + (options.name.empty() ? std::string("module") : options.name) +
                      "' on the interpreter while native code compiles in the background");
  return std::shared_ptr<const Module>(module);
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
    if (job.module.expired()) continue;
    const auto started = Clock::now();
    LoadOptions options = job.options;
    options.on_notice = nullptr;  // progress lines would interleave with requests
    auto native = aot_->load(job.bytes, options);
    auto module = job.module.lock();
    if (cancel_) return;
    if (module && native && (*native)->engine() == "aot") {
      module->set_native(std::move(native).value());
      if (job.options.on_notice)
        job.options.on_notice("native code ready for '" +
                              (job.options.name.empty() ? std::string("module") : job.options.name) +
                              "' (compiled in " + format_duration(Clock::now() - started) +
                              "): new instances run it");
    } else if (!native && job.options.on_notice) {
      job.options.on_notice("staying on the interpreter: " + native.error().message());
    }
    {
      std::lock_guard lock(mutex_);
      if (module) settled_[module.get()] = true;
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
