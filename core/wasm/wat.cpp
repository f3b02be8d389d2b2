// WebAssembly text → binary, in process, with wabt's parser and binary writer.
#include <wabt/binary-writer.h>
#include <wabt/resolve-names.h>
#include <wabt/stream.h>
#include <wabt/validator.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include "util/fs.hpp"
#include "wasm/detail/wabt_glue.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::wasm {

Result<Bytes> compile_wat(std::string_view text, const std::string& filename, KeepNames keep_names) {
  // wabt reports text errors against the source; an empty source would read as binary.
  std::string_view source = text.empty() ? std::string_view(" ") : text;
  wabt::Errors errors;
  wabt::Features features = detail::to_wabt(runtime_features());
  auto lexer = wabt::WastLexer::CreateBufferLexer(filename, text.data(), text.size(), &errors);
  wabt::WastParseOptions parse_options(features);
  std::unique_ptr<wabt::Module> module;
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options)))
    return detail::from_wabt(errors, filename, source);
  if (wabt::Failed(wabt::ValidateModule(module.get(), &errors, wabt::ValidateOptions(features))))
    return detail::from_wabt(errors, filename, source);
  wabt::MemoryStream stream;
  const bool kCanonicalizeLebs = true;
  const bool kRelocatable = false;
  const bool write_names = keep_names == KeepNames::Yes;
  wabt::WriteBinaryOptions write_options(features, kCanonicalizeLebs, kRelocatable, write_names);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), write_options)))
    return Error("cannot encode module", FileLocation{filename});
  const auto& data = stream.output_buffer().data;
  return Bytes(data.begin(), data.end());
}

Result<Bytes> read_module(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  if (!bytes || path.extension() != ".wat") return bytes;
  return compile_wat(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()),
                     path.string());
}

}  // namespace edgectl::wasm
