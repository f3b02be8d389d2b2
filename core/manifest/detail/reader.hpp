#pragma once
// Internal to core/manifest: turns toml++ nodes into Located values and collects every
// problem as a Diagnostic instead of stopping at the first, so one run of `edgectl build`
// shows the user all that is wrong with their edgectl.toml. Only core/manifest includes this
// (it is the one place toml++ types appear).
#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifest/manifest.hpp"
#include "util/toml_source.hpp"

namespace edgectl::manifest::detail {

// Where problems are located and collected (shared with the runtime config's reader).
using edgectl::Diagnostics;
using edgectl::SourceText;

// What every reader needs: the text, to locate nodes, and the sink for problems.
struct Context {
  const SourceText& source;
  Diagnostics& diagnostics;

  TextLocation at(const toml::node& node) const { return source.at(node.source()); }
  TextLocation at(const toml::key& key) const { return source.at(key.source()); }
  void error(Location where, std::string message, std::vector<std::string> notes = {}) const {
    diagnostics.add(std::move(where), std::move(message), std::move(notes));
  }
  // Records a value check's Error (message and notes) at `where`.
  void error(Location where, const Error& problem) const {
    diagnostics.add(std::move(where), problem.message(), problem.primary().notes);
  }
};

// "a string", "an integer", ... as in "expected a string, found an integer".
std::string_view describe(toml::node_type type);

// For a number or boolean where a string was expected: "quote it: version = \"1.2\"", using
// the text as written; "" for other values.
std::string quote_it_note(const Context& cx, std::string_view key, const toml::node& value);

// Reads a string out of any node (an array element, an env value); records a type error
// labelled `label` and returns nullopt if it is not one.
std::optional<Located<std::string>> read_string(const Context& cx, const toml::node& node,
                                                std::string_view label);

enum class Presence { Optional, Required };

// One TOML table as the manifest reads it. Keys it does not accept are reported when the
// reader is made, with a did-you-mean. Each getter type-checks its value; when the value is
// absent (and required), of the wrong type or out of range it records a diagnostic and
// returns nullopt, so callers just skip what they could not read.
class TableReader {
 public:
  // `place` finishes a sentence: "in [[component]]", "at the top level".
  TableReader(const Context& cx, const toml::table& table, std::string place,
              std::vector<std::string> accepted);

  // The table itself: its [header] line, or the key of an inline or dotted table.
  TextLocation where() const { return cx_.at(table_); }
  bool has(std::string_view key) const { return node(key) != nullptr; }
  const toml::node* node(std::string_view key) const;
  TextLocation key_at(std::string_view key) const;  // the key rather than its value

  std::optional<Located<std::string>> string(std::string_view key,
                                             Presence presence = Presence::Optional) const;
  std::optional<Located<bool>> boolean(std::string_view key) const;
  std::optional<Located<int64_t>> integer(std::string_view key) const;
  std::optional<Located<double>> number(std::string_view key) const;  // an integer or a float
  std::optional<std::vector<Located<std::string>>> strings(std::string_view key) const;
  // Greater than zero: a string with a unit ("1MiB") or an integer number of bytes.
  std::optional<Located<ByteSize>> byte_size(std::string_view key) const;
  // Greater than zero: a string with a unit ("250ms") or an integer number of seconds.
  std::optional<Located<Duration>> duration(std::string_view key) const;
  const toml::table* table(std::string_view key) const;
  const toml::array* array(std::string_view key) const;
  // `[[key]]`: an array whose elements are all tables. Elements that are not are reported
  // and skipped.
  std::vector<const toml::table*> tables(std::string_view key) const;

  void type_error(std::string_view label, const toml::node& value, std::string_view expected,
                  std::vector<std::string> notes = {}) const;

 private:
  const Context& cx_;
  const toml::table& table_;
  std::string place_;
};

}  // namespace edgectl::manifest::detail
