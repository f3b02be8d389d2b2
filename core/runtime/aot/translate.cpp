// wasm2c output → compilable parts + glue. wasm2c 1.0.32 writes one C file whose functions
// are static; to compile on both cores the function definitions are dealt out to parts, made
// hidden instead of static (one shared object, nothing exported), and each part gets the
// declarations before them. The glue gives edgectl one fixed set of entry points whatever
// the module: instance size, instantiate, free, its memory, a trampoline per export taking
// raw 64-bit values, and the address of every function (to name the one that trapped).
#include "runtime/aot/detail/translate.hpp"

#include <algorithm>
#include <deque>
#include <sstream>

namespace edgectl::runtime::aot {
namespace {

constexpr std::string_view kInstanceType = "Z_m_instance_t";
constexpr std::string_view kExportComment = "/* export: '";
constexpr std::string_view kFuncTypesDecl = "static u32 func_types[";
constexpr std::string_view kDataSegmentDecl = "static const u8 data_segment_data_";
constexpr std::string_view kCallIndirectDefine = "#define CALL_INDIRECT(";

// call_indirect failures told apart as the interpreter tells them: an index past the table
// (edgectl's trap code 104), a null entry (106), a present one of the wrong type (wasm2c's).
constexpr std::string_view kCallIndirect = R"(#define CALL_INDIRECT(table, t, ft, x, ...)                          \
  (LIKELY((x) < table.size && table.data[x].func &&                  \
          table.data[x].func_type == func_types[ft]) ||              \
       (wasm_rt_trap((x) >= table.size ? (wasm_rt_trap_t)104         \
                     : !table.data[x].func ? (wasm_rt_trap_t)106     \
                     : WASM_RT_TRAP_CALL_INDIRECT), 0),              \
   ((t)table.data[x].func)(__VA_ARGS__))
)";

// wabt's wasm-rt.h, configured: bounds checks by guard pages, and no call-depth counter (an
// increment and decrement of a global around every call made recursive code 3x slower).
constexpr std::string_view kWrapper = R"(/* edgectl: wabt's wasm-rt.h, configured (generated; do not edit) */
#ifndef EDGECTL_WASM_RT_H_
#define EDGECTL_WASM_RT_H_
#define WASM_RT_MEMCHECK_SIGNAL_HANDLER 1
#define WASM_RT_USE_STACK_DEPTH_COUNT 0
#include_next <wasm-rt.h>
extern __thread uintptr_t edgectl_wasm_stack_limit;
#endif
)";

// Instead, every function compares its frame address with the thread's stack limit (set per
// guest call from Limits::max_call_depth): a load and a compare, no store.
constexpr std::string_view kStackCheck = R"(#undef FUNC_PROLOGUE
#define FUNC_PROLOGUE                                                              \
  if (UNLIKELY((uintptr_t)__builtin_frame_address(0) < edgectl_wasm_stack_limit)) \
    TRAP(EXHAUSTION);
)";
constexpr std::string_view kUnreachableDefine = "#define UNREACHABLE ";
// Module set-up wasm2c writes before the functions: called from Z_m_instantiate (part 0)
// only, so only part 0 gets them. init_memories alone is one LOAD_DATA per data segment:
// 28,767 statements for the Go template, 5 of the 8.7 s clang -O0 spent on its part.
constexpr std::string_view kInitFunction = "static void init_";
constexpr std::string_view kElemSegmentDecl = "static const wasm_elem_segment_expr_t ";
constexpr std::string_view kLoadData = "  LOAD_DATA(";

// init_memories with its runs of LOAD_DATA(memory, offset, segment, size) statements as
// a table and a loop: a table of constants compiles in a fraction of the time.
std::string table_driven_loads(const std::vector<std::string_view>& body) {
  std::string out;
  std::string memory, rows;
  size_t count = 0, table = 0;
  auto flush = [&] {
    if (count == 0) return;
    const std::string name = "edgectl_loads_" + std::to_string(table++);
    out += "  static const struct { u64 offset; const u8* data; u32 size; } " + name + "[] = {\n" + rows +
           "  };\n  for (size_t k = 0; k < " + std::to_string(count) + "; ++k)\n    LOAD_DATA(" + memory +
           ", " + name + "[k].offset, " + name + "[k].data, " + name + "[k].size);\n";
    rows.clear();
    count = 0;
  };
  for (std::string_view line : body) {
    // "  LOAD_DATA(instance->w2c_memory, 26371u, data_segment_data_w2c_d0, 12469);"
    std::vector<std::string_view> args;
    if (line.starts_with(kLoadData) && line.ends_with(");")) {
      std::string_view list = line.substr(kLoadData.size(), line.size() - kLoadData.size() - 2);
      for (size_t comma; (comma = list.find(", ")) != std::string_view::npos; list.remove_prefix(comma + 2))
        args.push_back(list.substr(0, comma));
      args.push_back(list);
    }
    if (args.size() != 4 || !args[2].starts_with("data_segment_data_")) {
      flush();
      out.append(line);
      out += '\n';
      continue;
    }
    if (count && args[0] != memory) flush();
    memory = std::string(args[0]);
    rows += "    {" + std::string(args[1]) + ", " + std::string(args[2]) + ", " + std::string(args[3]) + "},\n";
    ++count;
  }
  flush();
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// wasm2c wraps a long signature (a function with many parameters, as binaryen's -Oz makes
// of Go's) onto continuation lines: "static u32 w2c_f1(Z_m_instance_t* instance, u32 w2c_p0, "
// then "    u64 w2c_p8) {". Such a line ends in a comma; it and its continuations become one
// logical line (kept in `joined`, which must outlive the returned views).
std::vector<std::string_view> logical_lines(std::string_view text, std::deque<std::string>& joined) {
  auto lines = split_lines(text);
  std::vector<std::string_view> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    auto open = line.find('(');
    auto wrapped = [](std::string_view l) {
      while (!l.empty() && l.back() == ' ') l.remove_suffix(1);
      return l.ends_with(',');
    };
    if (open == std::string_view::npos || line.find(')', open) != std::string_view::npos ||
        !wrapped(line) || line.starts_with(' ') || line.find("_instance_t") == std::string_view::npos) {
      out.push_back(line);
      continue;
    }
    std::string whole(line);
    while (i + 1 < lines.size() && wrapped(whole)) {
      std::string_view next = lines[++i];
      while (!next.empty() && next.front() == ' ') next.remove_prefix(1);
      if (!whole.ends_with(' ')) whole += ' ';
      whole.append(next);
    }
    out.push_back(joined.emplace_back(std::move(whole)));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == ';')) s.remove_suffix(1);
  return s;
}

bool is_function_line(std::string_view line) {
  return line.starts_with("static ") && line.find(" w2c_") != std::string_view::npos &&
         line.find("(Z_m_instance_t*") != std::string_view::npos;
}
bool is_definition(std::string_view line) { return is_function_line(line) && line.ends_with(") {"); }
bool is_declaration(std::string_view line) { return is_function_line(line) && line.ends_with(");"); }

std::string function_name(std::string_view line) {
  auto open = line.find("(Z_m_instance_t*");
  auto start = line.rfind(' ', open);
  return std::string(line.substr(start + 1, open - start - 1));
}

// A C type of wasm2c's header as a wasm value type; nullopt for anything invoke() cannot pass.
std::optional<ValueType> value_type(std::string_view c) {
  if (c == "u32") return ValueType::I32;
  if (c == "u64") return ValueType::I64;
  if (c == "f32") return ValueType::F32;
  if (c == "f64") return ValueType::F64;
  return std::nullopt;
}
std::optional<ValueType> letter_type(char c) {
  switch (c) {
    case 'i': return ValueType::I32;
    case 'j': return ValueType::I64;
    case 'f': return ValueType::F32;
    case 'd': return ValueType::F64;
    default: return std::nullopt;
  }
}
std::string_view c_type(ValueType t) {
  switch (t) {
    case ValueType::I32: return "u32";
    case ValueType::I64: return "u64";
    case ValueType::F32: return "f32";
    default: return "f64";
  }
}
std::string from_bits(ValueType t, const std::string& expr) {
  switch (t) {
    case ValueType::I32: return "(u32)" + expr;
    case ValueType::I64: return expr;
    case ValueType::F32: return "edgectl_bits_f32(" + expr + ")";
    default: return "edgectl_bits_f64(" + expr + ")";
  }
}
std::string to_bits(ValueType t, const std::string& expr) {
  switch (t) {
    case ValueType::I32: return "(uint64_t)" + expr;
    case ValueType::I64: return expr;
    case ValueType::F32: return "edgectl_f32_bits(" + expr + ")";
    default: return "edgectl_f64_bits(" + expr + ")";
  }
}

char letter(ValueType t) {
  switch (t) {
    case ValueType::I32: return 'i';
    case ValueType::I64: return 'j';
    case ValueType::F32: return 'f';
    default: return 'd';
  }
}
std::string type_letters(const ExportSig& e) {
  if (!e.function) return "";
  if (!e.callable) return "!";
  std::string out;
  for (auto t : e.type.params) out += letter(t);
  out += ':';
  for (auto t : e.type.results) out += letter(t);
  return out;
}

struct HeaderExport {
  ExportSig sig;
  std::string symbol;
  std::string multi;  // the letters of a multi-value result struct, else empty
};

struct Header {
  std::string memory_field;          // the first wasm_rt_memory_t in the instance struct
  size_t instantiate_imports = 0;    // import-instance pointers Z_m_instantiate takes
  std::vector<HeaderExport> exports;
};

// "RET SYMBOL(Z_m_instance_t*, T, ...);" → the export's signature.
std::optional<HeaderExport> parse_export(std::string name, std::string_view decl) {
  HeaderExport out;
  out.sig.name = std::move(name);
  auto open = decl.find('(');
  auto close = decl.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  std::string_view head = trim(decl.substr(0, open));
  auto space = head.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  out.symbol = std::string(head.substr(space + 1));
  std::string_view ret = trim(head.substr(0, space));
  std::vector<std::string_view> params;
  std::string_view list = decl.substr(open + 1, close - open - 1);
  while (!list.empty()) {
    auto comma = list.find(',');
    params.push_back(trim(list.substr(0, comma)));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  if (params.empty() || !params[0].starts_with("Z_m_instance_t")) return std::nullopt;
  // Memories, tables and globals are exported as accessors returning a pointer.
  if (ret.ends_with("*")) return out;
  out.sig.function = true;
  out.sig.callable = true;
  for (size_t i = 1; i < params.size(); ++i) {
    auto t = value_type(params[i]);
    if (!t) out.sig.callable = false;
    else out.sig.type.params.push_back(*t);
  }
  constexpr std::string_view kMulti = "struct wasm_multi_";
  if (ret == "void") {
  } else if (ret.starts_with(kMulti)) {
    out.multi = std::string(ret.substr(kMulti.size()));
    for (char c : out.multi) {
      auto t = letter_type(c);
      if (!t) out.sig.callable = false;
      else out.sig.type.results.push_back(*t);
    }
  } else if (auto t = value_type(ret)) {
    out.sig.type.results.push_back(*t);
  } else {
    out.sig.callable = false;
  }
  if (!out.sig.callable) out.sig.type = {};
  return out;
}

Result<Header> parse_header(std::string_view header) {
  Header h;
  std::deque<std::string> joined;
  auto lines = logical_lines(header, joined);
  bool in_struct = false, saw_instantiate = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.starts_with("typedef struct Z_m_instance_t {")) in_struct = true;
    else if (in_struct && line.starts_with("}")) in_struct = false;
    else if (in_struct && h.memory_field.empty() && trim(line).starts_with("wasm_rt_memory_t ")) {
      std::string_view field = trim(line).substr(std::string_view("wasm_rt_memory_t ").size());
      h.memory_field = std::string(trim(field));
    } else if (line.starts_with("void Z_m_instantiate(")) {
      saw_instantiate = true;
      for (size_t at = line.find("struct Z_"); at != std::string_view::npos;
           at = line.find("struct Z_", at + 1))
        ++h.instantiate_imports;
    } else if (line.starts_with(kExportComment) && i + 1 < lines.size()) {
      std::string_view rest = line.substr(kExportComment.size());
      auto quote = rest.rfind("' */");
      auto e = parse_export(std::string(rest.substr(0, quote)), lines[i + 1]);
      if (!e) return Error("unexpected wasm2c export declaration: " + std::string(lines[i + 1]));
      h.exports.push_back(std::move(*e));
    }
  }
  if (!saw_instantiate) return Error("wasm2c's header has no Z_m_instantiate");
  return h;
}

std::string glue(const Header& h, const std::vector<std::string>& functions, std::string_view key) {
  std::ostringstream g;
  g << "\n/* ---- edgectl glue (generated) ---- */\n"
       "#define EDGECTL_EXPORT __attribute__((visibility(\"default\")))\n"
       "static inline uint64_t edgectl_f32_bits(f32 v) { uint32_t b; memcpy(&b, &v, 4); return b; }\n"
       "static inline uint64_t edgectl_f64_bits(f64 v) { uint64_t b; memcpy(&b, &v, 8); return b; }\n"
       "static inline f32 edgectl_bits_f32(uint64_t b) { uint32_t x = (uint32_t)b; f32 v; memcpy(&v, &x, 4); return v; }\n"
       "static inline f64 edgectl_bits_f64(uint64_t b) { f64 v; memcpy(&v, &b, 8); return v; }\n"
       "typedef struct { const uint64_t* args; uint64_t* results; } edgectl_call_t;\n";
  g << "EDGECTL_EXPORT const char edgectl_aot_key[] = \"" << key << "\";\n";
  g << "EDGECTL_EXPORT size_t edgectl_instance_size(void) { return sizeof(" << kInstanceType << "); }\n";
  g << "EDGECTL_EXPORT void edgectl_init_module(void) { Z_m_init_module(); }\n";
  g << "EDGECTL_EXPORT void* edgectl_memory(void* i) { return "
    << (h.memory_field.empty() ? "0" : "&((" + std::string(kInstanceType) + "*)i)->" + h.memory_field)
    << "; }\n";
  g << "EDGECTL_EXPORT void edgectl_instantiate(void* i, void* ctx) { Z_m_instantiate((" << kInstanceType << "*)i";
  for (size_t k = 0; k < h.instantiate_imports; ++k) g << ", ctx";
  g << "); }\n";
  g << "EDGECTL_EXPORT void edgectl_free(void* i) { Z_m_free((" << kInstanceType << "*)i); }\n";
  for (size_t k = 0; k < h.exports.size(); ++k) {
    const HeaderExport& e = h.exports[k];
    if (!e.sig.callable) continue;
    g << "static void edgectl_call_" << k << "(void* i, void* p) {\n"
      << "  edgectl_call_t* c = (edgectl_call_t*)p; (void)c;\n  ";
    std::string call = e.symbol + "((" + std::string(kInstanceType) + "*)i";
    for (size_t a = 0; a < e.sig.type.params.size(); ++a)
      call += ", " + from_bits(e.sig.type.params[a], "c->args[" + std::to_string(a) + "]");
    call += ")";
    const auto& results = e.sig.type.results;
    if (results.empty()) {
      g << call << ";\n";
    } else if (!e.multi.empty()) {
      g << "struct wasm_multi_" << e.multi << " r = " << call << ";\n";
      for (size_t r = 0; r < results.size(); ++r)
        g << "  c->results[" << r << "] = "
          << to_bits(results[r], "r." + std::string(1, e.multi[r]) + std::to_string(r)) << ";\n";
    } else {
      g << c_type(results[0]) << " r = " << call << ";\n";
      g << "  c->results[0] = " << to_bits(results[0], "r") << ";\n";
    }
    g << "}\n";
  }
  g << "EDGECTL_EXPORT void (*const edgectl_exports[])(void*, void*) = {";
  for (size_t k = 0; k < h.exports.size(); ++k)
    g << (h.exports[k].sig.callable ? "edgectl_call_" + std::to_string(k) : std::string("0")) << ", ";
  g << "0};\n";
  g << "EDGECTL_EXPORT const uint32_t edgectl_export_count = " << h.exports.size() << ";\n";
  // Each export's type as "PARAMS:RESULTS" in letters (i32 i, i64 j, f32 f, f64 d); "!" for a
  // function invoke() cannot call; "" for a memory, table or global.
  g << "EDGECTL_EXPORT const char* const edgectl_export_types[] = {";
  for (const auto& e : h.exports) g << '"' << type_letters(e.sig) << "\", ";
  g << "0};\n";
  g << "EDGECTL_EXPORT const void* const edgectl_functions[] = {";
  for (const auto& f : functions) g << "(const void*)&" << f << ", ";
  g << "0};\n";
  g << "EDGECTL_EXPORT const uint32_t edgectl_function_count = " << functions.size() << ";\n";
  return g.str();
}

}  // namespace

std::string_view rt_header_wrapper() { return kWrapper; }

Result<Translation> translate(std::string_view c_source, std::string_view header,
                              std::string_view key, size_t parts) {
  auto h = parse_header(header);
  if (!h) return std::move(h).error();
  parts = std::max<size_t>(parts, 1);

  // One pass: the prefix (everything before the first function definition, shared by every
  // part), the function definitions, and the rest (entry points, part 0 only).
  std::string prefix_shared, prefix_owner;  // parts 1.. / part 0
  // Part 0 only, unless a function refers to them (memory.init, table.init).
  std::string data_externs;
  std::vector<std::pair<std::string, std::string>> owner_blocks;  // (identifier, text)
  std::vector<std::string> definitions;
  std::string rest;
  std::vector<std::string> functions;
  std::deque<std::string> joined;
  auto lines = logical_lines(c_source, joined);
  bool seen_definition = false, saw_prologue_point = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (is_definition(line)) {
      seen_definition = true;
      std::string def(line.substr(std::string_view("static ").size()));
      def += '\n';
      while (++i < lines.size() && lines[i] != "}") {
        def.append(lines[i]);
        def += '\n';
      }
      def += "}\n";
      definitions.push_back(std::move(def));
      continue;
    }
    if (seen_definition) {
      rest.append(line);
      rest += '\n';
      continue;
    }
    auto both = [&](std::string_view shared, std::string_view owner) {
      prefix_shared.append(shared);
      prefix_shared += '\n';
      prefix_owner.append(owner);
      prefix_owner += '\n';
    };
    if (is_declaration(line)) {
      functions.push_back(function_name(line));
      std::string_view decl = line.substr(std::string_view("static ").size());
      both(decl, decl);
    } else if (line.starts_with(kFuncTypesDecl)) {
      std::string_view decl = line.substr(std::string_view("static ").size());
      both("extern " + std::string(decl), decl);
    } else if (line.starts_with(kDataSegmentDecl)) {
      // Defined once (part 0), declared elsewhere: a segment can be large.
      std::string_view def = line.substr(std::string_view("static ").size());
      auto bracket = def.find("[]");
      data_externs += "extern " + std::string(def.substr(0, bracket)) + "[];\n";
      prefix_owner.append(def);
      prefix_owner += '\n';
      while (!def.ends_with("};") && ++i < lines.size()) {
        prefix_owner.append(lines[i]);
        prefix_owner += '\n';
        if (lines[i] == "};") break;
      }
    } else if ((line.starts_with(kInitFunction) && line.ends_with(") {")) ||
               (line.starts_with(kElemSegmentDecl) && line.ends_with("= {"))) {
      const bool function = line.starts_with(kInitFunction);
      std::vector<std::string_view> body{line};
      while (++i < lines.size()) {
        body.push_back(lines[i]);
        if (lines[i] == (function ? "}" : "};")) break;
      }
      std::string text;
      if (line.starts_with("static void init_memories(")) {
        text = table_driven_loads(body);
      } else {
        for (auto l : body) text.append(l).append("\n");
      }
      prefix_owner += text;
      // The identifier: what precedes '(' (a function) or '[' (an array).
      std::string_view head = line.substr(0, line.find(function ? '(' : '['));
      owner_blocks.emplace_back(std::string(head.substr(head.rfind(' ') + 1)), std::move(text));
    } else if (line.starts_with(kUnreachableDefine)) {
      saw_prologue_point = true;
      both(kStackCheck, kStackCheck);
      both(line, line);
    } else if (line.starts_with(kCallIndirectDefine)) {
      while (i + 1 < lines.size() && lines[i].ends_with("\\")) ++i;
      both(kCallIndirect, kCallIndirect);
    } else {
      both(line, line);
    }
  }
  if (!saw_prologue_point) return Error("wasm2c's output has no UNREACHABLE macro to place the stack check at");
  auto referenced = [&](std::string_view identifier) {
    return std::any_of(definitions.begin(), definitions.end(),
                       [&](const std::string& d) { return d.find(identifier) != std::string::npos; });
  };
  if (!data_externs.empty() && referenced("data_segment_data_")) prefix_shared += data_externs;
  for (const auto& [identifier, text] : owner_blocks)
    if (referenced(identifier)) prefix_shared += text;
  if (functions.size() != definitions.size())
    return Error("wasm2c's output declares " + std::to_string(functions.size()) +
                 " functions but defines " + std::to_string(definitions.size()));

  Translation out;
  out.functions = functions.size();
  for (const auto& e : h->exports) out.exports.push_back(e.sig);

  size_t total = 0;
  for (const auto& d : definitions) total += d.size();
  parts = std::min(parts, std::max<size_t>(definitions.size(), 1));
  out.parts.assign(parts, std::string());
  out.parts[0] = prefix_owner;
  for (size_t p = 1; p < parts; ++p) out.parts[p] = prefix_shared;
  // Deal definitions out in order, moving on when a part has its share.
  const size_t share = total / parts + 1;
  size_t part = 0, filled = 0;
  for (const auto& d : definitions) {
    if (filled >= share && part + 1 < parts) {
      ++part;
      filled = 0;
    }
    out.parts[part] += d;
    filled += d.size();
  }
  out.parts[0] += rest;
  out.parts[0] += glue(*h, functions, key);
  return out;
}

}  // namespace edgectl::runtime::aot
