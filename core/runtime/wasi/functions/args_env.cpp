// args_get, args_sizes_get, environ_get, environ_sizes_get: exactly WasiConfig's args and env.
#include <limits>

#include "runtime/wasi/detail/ctx.hpp"

namespace edgectl::runtime::wasi::detail {
namespace {

// The bytes a list takes in the guest: each string plus its NUL.
uint64_t buffer_size(const std::vector<std::string>& strings) {
  uint64_t size = 0;
  for (const auto& s : strings) size += s.size() + 1;
  return size;
}

Errno store_sizes(const HostCall& call, const std::vector<std::string>& strings) {
  const uint32_t count_ptr = call.u32(0);
  const uint32_t size_ptr = call.u32(1);
  const uint64_t size = buffer_size(strings);
  if (size > std::numeric_limits<uint32_t>::max()) return Errno::Overflow;
  EDGECTL_WASI_TRY(call.mem.check(count_ptr, sizeof(uint32_t)));
  EDGECTL_WASI_TRY(call.mem.check(size_ptr, sizeof(uint32_t)));
  EDGECTL_WASI_TRY(call.mem.store(count_ptr, static_cast<uint32_t>(strings.size())));
  return call.mem.store(size_ptr, static_cast<uint32_t>(size));
}

// The layout args_get and environ_get share: an array of pointers, each to a NUL-terminated
// copy of one string in the buffer.
Errno store_list(const HostCall& call, const std::vector<std::string>& strings) {
  const uint32_t list_ptr = call.u32(0);
  const uint32_t buf_ptr = call.u32(1);
  EDGECTL_WASI_TRY(call.mem.check(list_ptr, uint64_t{strings.size()} * abi::kPointerSize));
  EDGECTL_WASI_TRY(call.mem.check(buf_ptr, buffer_size(strings)));
  uint32_t cursor = buf_ptr;
  for (size_t i = 0; i < strings.size(); ++i) {
    const std::string& s = strings[i];
    EDGECTL_WASI_TRY(
        call.mem.store(static_cast<uint32_t>(list_ptr + i * abi::kPointerSize), cursor));
    EDGECTL_WASI_TRY(
        call.mem.write(cursor, {reinterpret_cast<const uint8_t*>(s.data()), s.size()}));
    EDGECTL_WASI_TRY(call.mem.store(static_cast<uint32_t>(cursor + s.size()), uint8_t{0}));
    cursor = static_cast<uint32_t>(cursor + s.size() + 1);
  }
  return Errno::Success;
}

}  // namespace

namespace handlers {

Outcome args_get(Ctx& ctx, const HostCall& call) {
  return store_list(call, ctx.config.args);
}
Outcome args_sizes_get(Ctx& ctx, const HostCall& call) {
  return store_sizes(call, ctx.config.args);
}
Outcome environ_get(Ctx& ctx, const HostCall& call) {
  return store_list(call, ctx.environ);
}
Outcome environ_sizes_get(Ctx& ctx, const HostCall& call) {
  return store_sizes(call, ctx.environ);
}

}  // namespace handlers
}  // namespace edgectl::runtime::wasi::detail
