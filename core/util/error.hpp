#pragma once
// Errors are values with a location (a manifest line and column, a wasm byte offset, a
// registry status) until the CLI prints them once. Core code returns Result<T>.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace edgectl {

// A place in a text file (1-based line and column); `length` is the width of the caret run.
struct TextLocation {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  uint32_t length = 1;
  std::string source_line;  // the line's text, for the caret display; may be empty
};

// A byte offset in a wasm module.
struct WasmLocation {
  std::string file;
  uint64_t offset = 0;
};

// A registry answer: HTTP status plus the OCI error code, when the registry sent one.
struct RegistryLocation {
  std::string reference;
  int http_status = 0;
  std::string code;
};

// A file as a whole (no line known).
struct FileLocation {
  std::string file;
};

using Location = std::variant<std::monostate, FileLocation, TextLocation, WasmLocation, RegistryLocation>;

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string message;
  Location location;
  std::vector<std::string> notes;  // "help: ..." lines printed under the message
};

class Error {
 public:
  explicit Error(std::string message) { diagnostics_.push_back({Severity::Error, std::move(message), {}, {}}); }
  Error(std::string message, Location where) {
    diagnostics_.push_back({Severity::Error, std::move(message), std::move(where), {}});
  }
  explicit Error(Diagnostic d) { diagnostics_.push_back(std::move(d)); }
  explicit Error(std::vector<Diagnostic> ds) : diagnostics_(std::move(ds)) {}

  Error& note(std::string text) & {
    diagnostics_.front().notes.push_back(std::move(text));
    return *this;
  }
  Error&& note(std::string text) && {
    diagnostics_.front().notes.push_back(std::move(text));
    return std::move(*this);
  }
  // Prefixes the primary message with context, e.g. "component 'api': ".
  Error&& context(const std::string& prefix) && {
    diagnostics_.front().message = prefix + diagnostics_.front().message;
    return std::move(*this);
  }

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  const Diagnostic& primary() const { return diagnostics_.front(); }
  const std::string& message() const { return diagnostics_.front().message; }
  // The message and, below it, each note of the primary diagnostic indented: one log entry.
  std::string message_with_notes() const {
    std::string text = message();
    for (const auto& n : primary().notes) text += "\n  " + n;
    return text;
  }

 private:
  std::vector<Diagnostic> diagnostics_;  // never empty
};

// Result<T>: a value or an Error. A small stand-in for C++23 std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *e_; }
  Error&& error() && { return std::move(*e_); }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

}  // namespace edgectl
