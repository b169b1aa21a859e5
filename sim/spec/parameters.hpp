// Spec parameters as data. Every section of a spec, module type, brain state and
// dream module declares its keys once, as a ParameterSet: name, type, default,
// range or choices, unit and a one-line meaning. From that one declaration come
// the reader's defaults and checks (an ObjectReader bound to the set), `somnus
// describe`, docs/parameters.md and the JSON Schema (`somnus schema`).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace somnus {

using Json = nlohmann::json;

enum class ValueType {
    number,       // a real number within [lo, hi]
    integer,      // a whole number within [lo, hi]
    boolean,      // true or false
    string,       // free text (a name, a path)
    choice,       // one of `choices`
    numbers,      // a list of numbers within [lo, hi]
    integers,     // a list of whole numbers within [lo, hi] (`or_all`: or the string "all")
    strings,      // a list of names
    object,       // an object whose keys `fields` declares
    objects,      // a list of such objects
    table,        // an object of any keys (e.g. brain-state names), each value an object `fields` declares
    typed_table,  // an object of named entries, each with a "type" of the registered kind `of_kind`
    shaped,       // a shape of its own, given by `schema`; `shape` says it in words
};

struct ParameterSet;

struct Parameter {
    std::string name;
    ValueType type = ValueType::number;
    Json fallback;  // the default; null when there is none (required, or see `note`)
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    std::vector<std::string> choices;
    std::string unit;                      // of the value (or of each item); "" = a pure number
    std::string meaning;                   // one line
    std::string note;                      // how the default is chosen when it depends on other keys
    const ParameterSet* fields = nullptr;  // object, objects, table
    bool or_all = false;                   // integers: "all" is a value too
    bool required = false;                 // no default: the key must be given
    Json schema;                           // shaped: the JSON Schema of the value
    std::string shape;                     // shaped: the shape in words, e.g. "{state: factor}"
    std::string of_kind;                   // typed_table: "module type" or "brain state"

    // Fluent setters, for declarations that read as a table.
    Parameter&& in(std::string u) && {
        unit = std::move(u);
        return std::move(*this);
    }
    Parameter&& defaulting(std::string how) && {
        note = std::move(how);
        return std::move(*this);
    }
    Parameter&& with_all() && {
        or_all = true;
        return std::move(*this);
    }
    Parameter&& must_be_given() && {
        required = true;
        return std::move(*this);
    }

    // The value type in words ("a number in [0, 1]", "one of "raw", "standardized"").
    std::string type_text() const;
    // The default in words ("0.5", "[-1]", "(none)", or the note).
    std::string default_text() const;
};

// The declarations of one object's keys: a section ("schedule"), a module type
// ("pad_encoder"), a brain state ("rem"), a dream module ("amygdala") or a nested
// object ("schedule.night").
struct ParameterSet {
    ParameterSet(std::string name, std::string summary, std::vector<Parameter> parameters,
                 Json schema_rules = Json::object())
        : name(std::move(name)),
          summary(std::move(summary)),
          parameters(std::move(parameters)),
          schema_rules(std::move(schema_rules)) {}

    std::string name;
    std::string summary;  // one line
    std::vector<Parameter> parameters;
    Json schema_rules;  // further JSON Schema rules on the object (e.g. exactly one of two keys)

    const Parameter* find(const std::string& key) const;  // null if not declared
    std::vector<std::string> names() const;
};

// Declarations, one line each.
Parameter number(std::string name, double fallback, double lo, double hi, std::string meaning);
Parameter integer(std::string name, std::int64_t fallback, std::int64_t lo, std::int64_t hi, std::string meaning);
Parameter boolean(std::string name, bool fallback, std::string meaning);
Parameter text(std::string name, std::string fallback, std::string meaning);
Parameter choice(std::string name, std::string fallback, std::vector<std::string> choices, std::string meaning);
Parameter numbers(std::string name, std::vector<double> fallback, double lo, double hi, std::string meaning);
Parameter integers(std::string name, std::vector<std::int64_t> fallback, std::int64_t lo, std::int64_t hi,
                   std::string meaning);
Parameter strings(std::string name, std::vector<std::string> fallback, std::string meaning);
Parameter object(std::string name, const ParameterSet& fields, std::string meaning);
Parameter objects(std::string name, const ParameterSet& item, std::string meaning);
Parameter table(std::string name, const ParameterSet& entry, std::string meaning);
Parameter shaped(std::string name, Json fallback, std::string shape, Json schema, std::string meaning);
Parameter typed_table(std::string name, std::string of_kind, std::string meaning);

// The declarations of `first` followed by those of `then` (keys several objects share).
std::vector<Parameter> joined(std::vector<Parameter> first, const std::vector<Parameter>& then);

// Epoch lists: negative entries count from the end (-1 = the last); "all" = every epoch.
Parameter epoch_list(std::string name, std::vector<std::int64_t> fallback, std::string meaning);

// The largest integer a spec may give where there is no natural bound.
inline constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();

}  // namespace somnus
