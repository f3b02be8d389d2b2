#include "manifest/detail/reader.hpp"

#include <algorithm>
#include <tuple>

#include "manifest/detail/suggest.hpp"

namespace edgectl::manifest::detail {
namespace {

std::string in_quotes(std::string_view key) {
  return "'" + std::string(key) + "'";
}

}  // namespace

std::string_view describe(toml::node_type type) {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "an unknown value";
}

std::string quote_it_note(const Context& cx, std::string_view key, const toml::node& value) {
  if (!value.is_number() && !value.is_boolean()) return {};
  const std::string written = cx.source.text(value.source());
  if (written.empty()) return {};
  return "quote it: " + std::string(key) + " = \"" + written + "\"";
}

std::optional<Located<std::string>> read_string(const Context& cx, const toml::node& node,
                                                std::string_view label) {
  if (const auto* s = node.as_string()) return Located<std::string>{s->get(), cx.at(node)};
  cx.error(cx.at(node),
           in_quotes(label) + ": expected a string, found " + std::string(describe(node.type())));
  return std::nullopt;
}

TableReader::TableReader(const Context& cx, const toml::table& table, std::string place,
                         std::vector<std::string> accepted)
    : cx_(cx), table_(table), place_(std::move(place)) {
  for (const auto& [key, value] : table_) {
    if (std::find(accepted.begin(), accepted.end(), key.str()) != accepted.end()) continue;
    std::string note = did_you_mean(key.str(), accepted);
    if (note.empty()) note = "accepted keys: " + join(accepted);
    cx_.error(cx_.at(key), "unknown key " + in_quotes(key.str()) + " " + place_, {std::move(note)});
  }
}

const toml::node* TableReader::node(std::string_view key) const {
  return table_.get(key);
}

TextLocation TableReader::key_at(std::string_view key) const {
  auto it = table_.find(key);
  return it == table_.end() ? where() : cx_.at(it->first);
}

void TableReader::type_error(std::string_view label, const toml::node& value,
                             std::string_view expected, std::vector<std::string> notes) const {
  cx_.error(cx_.at(value),
            in_quotes(label) + ": expected " + std::string(expected) + ", found " +
                std::string(describe(value.type())),
            std::move(notes));
}

std::optional<Located<std::string>> TableReader::string(std::string_view key,
                                                        Presence presence) const {
  const toml::node* n = node(key);
  if (!n) {
    if (presence == Presence::Required)
      cx_.error(where(), "missing required key " + in_quotes(key) + " " + place_);
    return std::nullopt;
  }
  if (const auto* s = n->as_string()) return Located<std::string>{s->get(), cx_.at(*n)};
  std::vector<std::string> notes;
  if (std::string note = quote_it_note(cx_, key, *n); !note.empty())
    notes.push_back(std::move(note));
  type_error(key, *n, "a string", std::move(notes));
  return std::nullopt;
}

std::optional<Located<bool>> TableReader::boolean(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (const auto* b = n->as_boolean()) return Located<bool>{b->get(), cx_.at(*n)};
  std::vector<std::string> notes;
  if (n->is_string()) notes.push_back("write true or false without quotes");
  type_error(key, *n, "a boolean (true or false)", std::move(notes));
  return std::nullopt;
}

std::optional<Located<int64_t>> TableReader::integer(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (const auto* i = n->as_integer()) return Located<int64_t>{i->get(), cx_.at(*n)};
  type_error(key, *n, "an integer");
  return std::nullopt;
}

std::optional<Located<double>> TableReader::number(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (const auto* i = n->as_integer())
    return Located<double>{static_cast<double>(i->get()), cx_.at(*n)};
  if (const auto* f = n->as_floating_point()) return Located<double>{f->get(), cx_.at(*n)};
  type_error(key, *n, "a number");
  return std::nullopt;
}

std::optional<std::vector<Located<std::string>>> TableReader::strings(std::string_view key) const {
  const toml::array* a = array(key);
  if (!a) return std::nullopt;
  std::vector<Located<std::string>> out;
  bool all_strings = true;
  for (size_t i = 0; i < a->size(); ++i) {
    auto s = read_string(cx_, *a->get(i), std::string(key) + "[" + std::to_string(i) + "]");
    if (s)
      out.push_back(std::move(*s));
    else
      all_strings = false;
  }
  if (!all_strings) return std::nullopt;
  return out;
}

std::optional<Located<ByteSize>> TableReader::byte_size(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  const TextLocation at = cx_.at(*n);
  std::optional<ByteSize> size;
  if (const auto* s = n->as_string()) {
    size = parse_byte_size(s->get());
    if (!size) {
      cx_.error(at,
                in_quotes(s->get()) + " is not a size; use e.g. 512KiB, 1MiB or 1048576 (bytes)");
      return std::nullopt;
    }
  } else if (const auto* i = n->as_integer()) {
    if (i->get() > 0) size = ByteSize{static_cast<uint64_t>(i->get())};
  } else {
    type_error(key, *n, "a size (\"1MiB\" or a number of bytes)");
    return std::nullopt;
  }
  if (!size || size->bytes == 0) {
    cx_.error(at, in_quotes(key) + " must be greater than zero");
    return std::nullopt;
  }
  return Located<ByteSize>{*size, at};
}

std::optional<Located<Duration>> TableReader::duration(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  const TextLocation at = cx_.at(*n);
  std::optional<Duration> d;
  if (const auto* s = n->as_string()) {
    d = parse_duration(s->get());
    if (!d) {
      cx_.error(at, in_quotes(s->get()) + " is not a duration; use e.g. 250ms, 5s");
      return std::nullopt;
    }
  } else if (const auto* i = n->as_integer()) {
    // A bare number is seconds, as in a duration string without a unit.
    if (i->get() > 0) d = std::chrono::seconds(i->get());
  } else {
    type_error(key, *n, "a duration (\"250ms\", \"5s\")");
    return std::nullopt;
  }
  if (!d || d->count() <= 0) {
    cx_.error(at, in_quotes(key) + " must be greater than zero");
    return std::nullopt;
  }
  return Located<Duration>{*d, at};
}

const toml::table* TableReader::table(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (const auto* t = n->as_table()) return t;
  type_error(key, *n, "a table");
  return nullptr;
}

const toml::array* TableReader::array(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (const auto* a = n->as_array()) return a;
  type_error(key, *n, "an array");
  return nullptr;
}

std::vector<const toml::table*> TableReader::tables(std::string_view key) const {
  std::vector<const toml::table*> out;
  const toml::node* n = node(key);
  if (!n) return out;
  if (n->is_table()) {
    // [component] instead of [[component]]: the most likely slip, so say how to fix it.
    type_error(key, *n, "an array of tables",
               {"write [[" + std::string(key) + "]] with double brackets, once per entry"});
    return out;
  }
  const toml::array* a = n->as_array();
  if (!a) {
    type_error(key, *n, "an array of tables", {"write [[" + std::string(key) + "]] tables"});
    return out;
  }
  for (size_t i = 0; i < a->size(); ++i) {
    if (const auto* t = a->get(i)->as_table())
      out.push_back(t);
    else
      type_error(std::string(key) + "[" + std::to_string(i) + "]", *a->get(i), "a table");
  }
  return out;
}

}  // namespace edgectl::manifest::detail
