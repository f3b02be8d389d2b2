// inspect(): one pass of wabt's binary reader with a delegate that keeps summaries only
// (signatures, limits, sizes, the N largest bodies), never function bodies. Everything
// kept is proportional to bytes actually read: wabt checks each declared count against
// the bytes left in its section before the loop, and nothing here reserves by a count.
#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>

#include <algorithm>
#include <array>
#include <map>
#include <queue>

#include "util/sha256.hpp"
#include "wasm/detail/wabt_glue.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::wasm {
namespace {

constexpr std::array<uint8_t, 4> kMagic{0x00, 'a', 's', 'm'};
constexpr size_t kMagicSize = kMagic.size();
constexpr uint64_t kHeaderSize = 8;  // magic + version: the first section starts here
// The version field of a component-model binary (layer 1), which is not a core module.
constexpr std::array<uint8_t, 4> kComponentVersion{0x0d, 0x00, 0x01, 0x00};
constexpr uint8_t kSimdPrefix = 0xfd;     // every 0xfd opcode is a v128 instruction
constexpr uint8_t kThreadsPrefix = 0xfe;  // every 0xfe opcode is an atomic
constexpr std::array<const char*, 14> kSectionNames{
    "custom", "type",  "import", "function", "table", "memory",    "global",
    "export", "start", "elem",   "code",     "data",  "datacount", "tag"};

std::optional<Feature> feature_of(wabt::Opcode op) {
  using O = wabt::Opcode;
  switch (op) {
    case O::I32Extend8S:
    case O::I32Extend16S:
    case O::I64Extend8S:
    case O::I64Extend16S:
    case O::I64Extend32S:
      return Feature::SignExt;
    case O::I32TruncSatF32S:
    case O::I32TruncSatF32U:
    case O::I32TruncSatF64S:
    case O::I32TruncSatF64U:
    case O::I64TruncSatF32S:
    case O::I64TruncSatF32U:
    case O::I64TruncSatF64S:
    case O::I64TruncSatF64U:
      return Feature::SatFloatToInt;
    case O::MemoryInit:
    case O::DataDrop:
    case O::MemoryCopy:
    case O::MemoryFill:
    case O::TableInit:
    case O::ElemDrop:
    case O::TableCopy:
      return Feature::BulkMemory;
    case O::TableGet:
    case O::TableSet:
    case O::TableGrow:
    case O::TableSize:
    case O::TableFill:
    case O::RefNull:
    case O::RefIsNull:
    case O::RefFunc:
    case O::SelectT:
      return Feature::ReferenceTypes;
    case O::ReturnCall:
    case O::ReturnCallIndirect:
      return Feature::TailCall;
    case O::Try:
    case O::Catch:
    case O::CatchAll:
    case O::Delegate:
    case O::Throw:
    case O::Rethrow:
      return Feature::Exceptions;
    default:
      break;
  }
  if (op.IsInvalid()) return std::nullopt;
  if (op.GetPrefix() == kSimdPrefix) return Feature::Simd;
  if (op.GetPrefix() == kThreadsPrefix) return Feature::Threads;
  return std::nullopt;
}

// The feature a value type needs where it appears outside a table.
std::optional<Feature> feature_of(wabt::Type t) {
  if (t == wabt::Type::V128) return Feature::Simd;
  if (t.IsRef()) return Feature::ReferenceTypes;
  return std::nullopt;
}

std::string describe_limits(const wabt::Limits& l) {
  std::string s = l.is_64 ? "i64 " : "";
  s += std::to_string(l.initial);
  if (l.has_max) s += " " + std::to_string(l.max);
  if (l.is_shared) s += " shared";
  return s;
}

Limits to_limits(const wabt::Limits& l) {
  Limits out;
  out.initial = l.initial;
  if (l.has_max) out.maximum = l.max;
  out.shared = l.is_shared;
  out.is64 = l.is_64;
  return out;
}

ExternKind to_extern_kind(wabt::ExternalKind k) {
  switch (k) {
    case wabt::ExternalKind::Func:
      return ExternKind::Func;
    case wabt::ExternalKind::Table:
      return ExternKind::Table;
    case wabt::ExternalKind::Memory:
      return ExternKind::Memory;
    case wabt::ExternalKind::Global:
      return ExternKind::Global;
    case wabt::ExternalKind::Tag:
      return ExternKind::Tag;
  }
  return ExternKind::Func;
}

class ModuleSummary : public wabt::BinaryReaderNop {
 public:
  ModuleSummary(ModuleInfo& info, wabt::Errors& errors, size_t top)
      : info_(info), errors_(errors), top_(top) {}

  bool OnError(const wabt::Error& e) override {
    // wabt follows an error a callback of ours reported with "X callback failed": drop it.
    const std::string_view kCallbackFailed = "callback failed";
    const std::string_view m = e.message;
    const bool echo = m.size() >= kCallbackFailed.size() &&
                      m.substr(m.size() - kCallbackFailed.size()) == kCallbackFailed;
    if (!(echo && !errors_.empty())) errors_.push_back(e);
    return true;
  }

  // Sections: wabt reports the payload; the id byte and size LEB come before it, and
  // sections are contiguous, so each one starts where the previous one ended.
  wabt::Result BeginSection(wabt::Index, wabt::BinarySection type, wabt::Offset size) override {
    SectionInfo s;
    s.id = static_cast<uint8_t>(type);
    s.name = s.id < kSectionNames.size() ? kSectionNames[s.id] : "unknown";
    s.offset = next_section_;
    next_section_ = state->offset + size;
    s.size = next_section_ - s.offset;
    if (type == wabt::BinarySection::DataCount)
      use_at(Feature::BulkMemory, "datacount section", s.offset);
    if (type == wabt::BinarySection::Tag) use_at(Feature::Exceptions, "tag section", s.offset);
    info_.sections.push_back(std::move(s));
    return wabt::Result::Ok;
  }
  wabt::Result BeginCustomSection(wabt::Index, wabt::Offset, std::string_view name) override {
    info_.sections.back().name = "custom:" + std::string(name);
    if (name == "name") info_.has_names = true;
    return wabt::Result::Ok;
  }

  // Declarations are reported at their end; each entry starts where the count or the last
  // entry ended. A feature a declaration needs is reported at the entry's start.
  wabt::Result OnTypeCount(wabt::Index) override { return start_entries(); }
  wabt::Result OnImportCount(wabt::Index) override { return start_entries(); }
  wabt::Result OnTableCount(wabt::Index) override { return start_entries(); }
  wabt::Result OnMemoryCount(wabt::Index) override { return start_entries(); }
  wabt::Result OnGlobalCount(wabt::Index) override { return start_entries(); }
  wabt::Result OnExportCount(wabt::Index) override { return start_entries(); }
  wabt::Result OnStructType(wabt::Index, wabt::Index, wabt::TypeMut*) override {
    return start_entries();
  }
  wabt::Result OnArrayType(wabt::Index, wabt::TypeMut) override { return start_entries(); }
  wabt::Result EndGlobal(wabt::Index) override { return start_entries(); }

  wabt::Result OnFuncType(wabt::Index index, wabt::Index param_count, wabt::Type* params,
                          wabt::Index result_count, wabt::Type* results) override {
    FuncSignature sig;
    for (wabt::Index i = 0; i < param_count; ++i) {
      use_type(params[i], "parameter in type " + std::to_string(index), entry_start_);
      sig.params.push_back(params[i].GetName());
    }
    for (wabt::Index i = 0; i < result_count; ++i) {
      use_type(results[i], "result in type " + std::to_string(index), entry_start_);
      sig.results.push_back(results[i].GetName());
    }
    if (result_count > 1)
      use_at(Feature::MultiValue, "type " + std::to_string(index) + " has several results",
             entry_start_);
    grow_to(types_, index);
    types_[index] = std::move(sig);
    return start_entries();
  }

  // Imports.
  wabt::Result OnImportFunc(wabt::Index, std::string_view module, std::string_view name,
                            wabt::Index, wabt::Index sig) override {
    func_types_.push_back(sig);
    add_import(module, name, ExternKind::Func, func_signature(sig));
    return wabt::Result::Ok;
  }
  wabt::Result OnImportTable(wabt::Index, std::string_view module, std::string_view name,
                             wabt::Index, wabt::Type elem_type,
                             const wabt::Limits* limits) override {
    add_table(elem_type, *limits);
    add_import(module, name, ExternKind::Table, table_descs_.back());
    return wabt::Result::Ok;
  }
  wabt::Result OnImportMemory(wabt::Index, std::string_view module, std::string_view name,
                              wabt::Index, const wabt::Limits* limits) override {
    add_memory(*limits);
    add_import(module, name, ExternKind::Memory, describe_limits(*limits));
    return wabt::Result::Ok;
  }
  wabt::Result OnImportGlobal(wabt::Index, std::string_view module, std::string_view name,
                              wabt::Index, wabt::Type type, bool mut) override {
    add_global(type, mut);
    if (mut)
      use_at(Feature::MutableGlobals, "mutable global import '" + std::string(name) + "'",
             entry_start_);
    add_import(module, name, ExternKind::Global, global_descs_.back());
    return wabt::Result::Ok;
  }
  wabt::Result OnImportTag(wabt::Index, std::string_view module, std::string_view name, wabt::Index,
                           wabt::Index sig) override {
    tag_types_.push_back(sig);
    use_at(Feature::Exceptions, "tag import", entry_start_);
    add_import(module, name, ExternKind::Tag, func_signature(sig));
    return wabt::Result::Ok;
  }

  wabt::Result OnFunctionCount(wabt::Index count) override {
    info_.function_count = count;
    return wabt::Result::Ok;
  }
  wabt::Result OnFunction(wabt::Index, wabt::Index sig) override {
    func_types_.push_back(sig);
    return wabt::Result::Ok;
  }
  wabt::Result OnTable(wabt::Index, wabt::Type elem_type, const wabt::Limits* limits) override {
    add_table(elem_type, *limits);
    return start_entries();
  }
  wabt::Result OnMemory(wabt::Index, const wabt::Limits* limits) override {
    add_memory(*limits);
    return start_entries();
  }
  wabt::Result BeginGlobal(wabt::Index, wabt::Type type, bool mut) override {
    add_global(type, mut);
    return wabt::Result::Ok;
  }
  wabt::Result OnTagType(wabt::Index, wabt::Index sig) override {
    tag_types_.push_back(sig);
    return wabt::Result::Ok;
  }

  wabt::Result OnExport(wabt::Index, wabt::ExternalKind kind, wabt::Index item,
                        std::string_view name) override {
    ExportInfo e;
    e.name = std::string(name);
    e.kind = to_extern_kind(kind);
    e.index = item;
    // wabt leaves index checks to the validator, so any index may arrive here.
    auto at = [item](const auto& v) { return item < v.size() ? &v[item] : nullptr; };
    switch (e.kind) {
      case ExternKind::Func:
        if (auto* sig = at(func_types_)) e.signature = func_signature(*sig);
        break;
      case ExternKind::Table:
        if (auto* d = at(table_descs_)) e.signature = *d;
        break;
      case ExternKind::Memory:
        if (auto* d = at(memory_descs_)) e.signature = *d;
        break;
      case ExternKind::Global:
        if (auto* d = at(global_descs_)) e.signature = *d;
        if (auto* m = at(global_mutable_); m && *m)
          use_at(Feature::MutableGlobals, "mutable global export '" + e.name + "'", entry_start_);
        break;
      case ExternKind::Tag:
        if (auto* sig = at(tag_types_)) e.signature = func_signature(*sig);
        break;
    }
    if (e.kind == ExternKind::Func && e.name == "_start") info_.kind = ModuleKind::Command;
    if (e.kind == ExternKind::Func && e.name == "_initialize" && info_.kind != ModuleKind::Command)
      info_.kind = ModuleKind::Reactor;
    info_.exports.push_back(std::move(e));
    return start_entries();
  }

  wabt::Result BeginElemSegment(wabt::Index, wabt::Index, uint8_t flags) override {
    if ((flags & wabt::SegDeclared) == wabt::SegDeclared)
      use(Feature::ReferenceTypes, "declarative elem segment");
    else if (flags & wabt::SegPassive)
      use(Feature::BulkMemory, "passive elem segment");
    return wabt::Result::Ok;
  }
  wabt::Result OnElemSegmentElemType(wabt::Index, wabt::Type type) override {
    if (type == wabt::Type::ExternRef) use(Feature::ReferenceTypes, "externref elem segment");
    return wabt::Result::Ok;
  }
  wabt::Result BeginDataSegment(wabt::Index, wabt::Index, uint8_t flags) override {
    if (flags & wabt::SegPassive) use(Feature::BulkMemory, "passive data segment");
    return wabt::Result::Ok;
  }

  // Code. Only sizes are kept: a min-heap holds the `top_` largest bodies seen so far.
  wabt::Result BeginFunctionBody(wabt::Index index, wabt::Offset size) override {
    if (top_ == 0) return wabt::Result::Ok;
    FunctionSize f;
    f.index = index;
    f.code_size = size;
    f.offset = state->offset;
    if (largest_.size() < top_) {
      largest_.push(f);
    } else if (larger(f, largest_.top())) {
      largest_.pop();
      largest_.push(f);
    }
    return wabt::Result::Ok;
  }
  wabt::Result OnLocalDecl(wabt::Index, wabt::Index, wabt::Type type) override {
    use_type(type, "local", state->offset);
    return wabt::Result::Ok;
  }
  wabt::Result OnOpcode(wabt::Opcode op) override {
    if (in_init_expr_ && !is_constant(op)) {
      // wabt 1.0.32's IR reader asserts (aborting the process) on some malformed
      // initializers, e.g. a block inside a global's init expression; validate() runs this
      // summary first, so such modules are refused here, before wabt's IR reader sees them.
      errors_.emplace_back(wabt::ErrorLevel::Error, wabt::Location(state->offset),
                           std::string("initializer expressions may only hold constant instructions, found ") +
                               op.GetName());
      return wabt::Result::Error;
    }
    if (auto f = feature_of(op)) use_opcode(*f, op);
    return wabt::Result::Ok;
  }
  // Initializer expressions (global values, element and data segment offsets).
  wabt::Result BeginGlobalInitExpr(wabt::Index) override { return enter_init_expr(); }
  wabt::Result EndGlobalInitExpr(wabt::Index) override { return leave_init_expr(); }
  wabt::Result BeginElemSegmentInitExpr(wabt::Index) override { return enter_init_expr(); }
  wabt::Result EndElemSegmentInitExpr(wabt::Index) override { return leave_init_expr(); }
  wabt::Result BeginDataSegmentInitExpr(wabt::Index) override { return enter_init_expr(); }
  wabt::Result EndDataSegmentInitExpr(wabt::Index) override { return leave_init_expr(); }
  wabt::Result OnOpcodeBlockSig(wabt::Type sig) override {
    if (sig.IsIndex())
      use(Feature::MultiValue, "block type (type " + std::to_string(sig.GetIndex()) + ")");
    else if (sig != wabt::Type::Void)
      use_type(sig, "block result", state->offset);
    return wabt::Result::Ok;
  }
  wabt::Result EndCodeSection() override {
    finish_largest();
    return wabt::Result::Ok;
  }

  // The name section comes after the code section (wabt enforces the order), so the
  // largest bodies are known by now and only their names are kept.
  wabt::Result OnFunctionName(wabt::Index index, std::string_view name) override {
    if (auto it = largest_pos_.find(index); it != largest_pos_.end())
      info_.largest_functions[it->second].name = std::string(name);
    return wabt::Result::Ok;
  }

  wabt::Result EndModule() override {
    finish_largest();
    return wabt::Result::Ok;
  }

 private:
  static bool larger(const FunctionSize& a, const FunctionSize& b) {
    return a.code_size != b.code_size ? a.code_size > b.code_size : a.index < b.index;
  }
  struct Smaller {
    bool operator()(const FunctionSize& a, const FunctionSize& b) const { return larger(a, b); }
  };

  template <class T>
  static void grow_to(std::vector<T>& v, wabt::Index index) {
    // Type indices arrive in order, one per entry read, so this grows by one at a time.
    if (v.size() <= index) v.resize(size_t{index} + 1);
  }

  wabt::Result start_entries() {
    entry_start_ = state->offset;
    return wabt::Result::Ok;
  }

  void use(Feature f, std::string what) { use_at(f, std::move(what), state->offset); }
  void use_at(Feature f, std::string what, uint64_t offset) {
    auto bit = static_cast<FeatureSet>(f);
    if (info_.features & bit) return;
    info_.features |= bit;
    info_.feature_uses.push_back({f, offset, std::move(what)});
  }
  void use_opcode(Feature f, wabt::Opcode op) {
    if (info_.features & static_cast<FeatureSet>(f)) return;
    // wabt has just read the opcode; point at its first byte.
    uint64_t length = op.GetLength();
    use_at(f, op.GetName(), state->offset >= length ? state->offset - length : 0);
  }
  void use_type(wabt::Type t, const std::string& where, uint64_t offset) {
    if (auto f = feature_of(t)) use_at(*f, t.GetName() + " " + where, offset);
  }

  std::string func_signature(wabt::Index sig) const {
    if (sig < types_.size() && types_[sig]) return types_[sig]->to_string();
    return "(type " + std::to_string(sig) + ")";
  }

  void add_import(std::string_view module, std::string_view name, ExternKind kind,
                  std::string signature) {
    info_.imports.push_back(
        {std::string(module), std::string(name), kind, std::move(signature), entry_start_});
    start_entries();
  }
  void add_table(wabt::Type elem_type, const wabt::Limits& limits) {
    info_.tables.push_back(to_limits(limits));
    table_descs_.push_back(describe_limits(limits) + " " + elem_type.GetName());
    if (elem_type != wabt::Type::FuncRef)
      use_at(Feature::ReferenceTypes, elem_type.GetName() + " table", entry_start_);
    if (info_.tables.size() > 1) use_at(Feature::ReferenceTypes, "second table", entry_start_);
  }
  void add_memory(const wabt::Limits& limits) {
    info_.memories.push_back(to_limits(limits));
    memory_descs_.push_back(describe_limits(limits));
    if (limits.is_shared) use_at(Feature::Threads, "shared memory", entry_start_);
    if (limits.is_64) use_at(Feature::Memory64, "64-bit memory", entry_start_);
    if (info_.memories.size() > 1) use_at(Feature::MultiMemory, "second memory", entry_start_);
  }
  void add_global(wabt::Type type, bool mut) {
    use_type(type, "global", entry_start_);
    global_mutable_.push_back(mut);
    global_descs_.push_back(mut ? "(mut " + type.GetName() + ")" : type.GetName());
  }

  void finish_largest() {
    if (largest_.empty()) return;
    std::vector<FunctionSize> out;
    while (!largest_.empty()) {
      out.push_back(largest_.top());
      largest_.pop();
    }
    std::reverse(out.begin(), out.end());
    for (size_t i = 0; i < out.size(); ++i) largest_pos_[out[i].index] = i;
    info_.largest_functions = std::move(out);
  }

  ModuleInfo& info_;
  wabt::Errors& errors_;
  bool in_init_expr_ = false;

  wabt::Result enter_init_expr() {
    in_init_expr_ = true;
    return wabt::Result::Ok;
  }
  wabt::Result leave_init_expr() {
    in_init_expr_ = false;
    return wabt::Result::Ok;
  }
  // The constant instructions of the MVP and the proposals runtime_features() enables.
  static bool is_constant(wabt::Opcode op) {
    switch (op) {
      case wabt::Opcode::I32Const:
      case wabt::Opcode::I64Const:
      case wabt::Opcode::F32Const:
      case wabt::Opcode::F64Const:
      case wabt::Opcode::V128Const:
      case wabt::Opcode::GlobalGet:
      case wabt::Opcode::RefNull:
      case wabt::Opcode::RefFunc:
      case wabt::Opcode::End:
        return true;
      default:
        return false;
    }
  }
  size_t top_;
  uint64_t next_section_ = kHeaderSize;
  uint64_t entry_start_ = 0;                         // of the declaration being read
  std::vector<std::optional<FuncSignature>> types_;  // by type index; empty for non-func types
  std::vector<wabt::Index> func_types_;              // type of each function, imports first
  std::vector<wabt::Index> tag_types_;
  std::vector<std::string> table_descs_, memory_descs_, global_descs_;
  std::vector<uint8_t> global_mutable_;  // not vector<bool>: exports take element addresses
  std::priority_queue<FunctionSize, std::vector<FunctionSize>, Smaller> largest_;
  std::map<wabt::Index, size_t> largest_pos_;  // function index -> largest_functions slot
};

// Catches what wabt would report with a less helpful message: no bytes, a text file, a
// component. Returns nothing when the header looks like a core module (or is truncated).
std::optional<Error> check_header(std::span<const uint8_t> bytes, const std::string& filename) {
  if (bytes.empty())
    return Error("empty file: not a WebAssembly module", WasmLocation{filename, 0});
  size_t n = std::min(bytes.size(), kMagicSize);
  if (!std::equal(bytes.begin(), bytes.begin() + n, kMagic.begin())) {
    Error e("not a WebAssembly module: bad magic (a module starts with \\0asm)",
            WasmLocation{filename, 0});
    if (bytes[0] == '(' || bytes[0] == ';')
      e.note("this looks like WebAssembly text; compile it with wat2wasm first");
    return e;
  }
  if (bytes.size() >= kHeaderSize &&
      std::equal(kComponentVersion.begin(), kComponentVersion.end(), bytes.begin() + kMagicSize)) {
    return Error("this is a WebAssembly component, not a core module",
                 WasmLocation{filename, kMagicSize})
        .note(
            "edgectl runs core modules; build for wasm32-wasi (preview 1) instead of a component");
  }
  return std::nullopt;
}

}  // namespace

Result<ModuleInfo> inspect(std::span<const uint8_t> bytes, const std::string& filename,
                           const InspectOptions& options) {
  if (auto e = check_header(bytes, filename)) return std::move(*e);
  ModuleInfo info;
  info.size = bytes.size();
  info.sha256 = options.sha256.empty() ? sha256_hex(bytes) : options.sha256;
  wabt::Errors errors;
  ModuleSummary summary(info, errors, options.top);
  wabt::Features features;
  features.EnableAll();  // report what the module uses; validate() decides what is allowed
  const bool kReadDebugNames = true;
  const bool kStopOnFirstError = true;
  const bool kFailOnCustomSectionError = false;  // engines ignore broken custom sections
  wabt::ReadBinaryOptions read_options(features, nullptr, kReadDebugNames, kStopOnFirstError,
                                       kFailOnCustomSectionError);
  read_options.skip_function_bodies = options.skip_code;
  if (wabt::Failed(wabt::ReadBinary(bytes.data(), bytes.size(), &summary, read_options)))
    return detail::from_wabt(errors, filename);
  return info;
}

}  // namespace edgectl::wasm
