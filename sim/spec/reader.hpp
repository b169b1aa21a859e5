// Reading a JSON experiment spec into typed values, with errors that say where.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/enum_names.hpp"
#include "sim/base/errors.hpp"
#include "sim/spec/parameters.hpp"

namespace somnus {

using Json = nlohmann::json;
using JsonPointer = nlohmann::json::json_pointer;

// A problem with the spec, located by the JSON pointer of the offending value
// ("" is the document root).
class SpecError : public UsageError {
public:
    SpecError(std::string pointer, std::string message);
    const std::string& pointer() const { return pointer_; }
    const std::string& message() const { return message_; }

private:
    std::string pointer_;
    std::string message_;
};

// The candidate nearest to `word` by edit distance, or "" if none is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// "unknown <what> "<value>"", with the nearest known name or else the list of known names.
std::string unknown_name(const std::string& what, const std::string& value, const std::vector<std::string>& known);

// The names separated by ", ".
std::string join(const std::vector<std::string>& names);

// A short description of a JSON value's type, for error text ("a string").
std::string json_type_name(const Json& value);

// The resolved spec: while a SpecResolution is alive (on this thread), every value
// an ObjectReader reads is written into it at its JSON pointer: the value given,
// or the default used when the key is absent. Parsing a document under one gives
// the complete document a run used (ExperimentSpec::source), defaults and all, so
// a log can say what it ran even after a default changes.
class SpecResolution {
public:
    SpecResolution();
    ~SpecResolution();
    SpecResolution(const SpecResolution&) = delete;
    SpecResolution& operator=(const SpecResolution&) = delete;

    // The document resolved so far.
    const Json& document() const { return document_; }
    void write(const JsonPointer& where, const Json& value) { document_[where] = value; }

private:
    Json document_ = Json::object();
    SpecResolution* outer_;
};

// Writes `value` at `where` into the resolution in progress, if any (for values
// a parser takes whole, e.g. a default section).
void resolve_as(const JsonPointer& where, const Json& value);

// Reads one JSON object key by key. Every key asked for becomes a known key;
// finish() rejects the keys nobody asked for, suggesting the nearest known one.
// Every value read goes into the resolution in progress (SpecResolution).
//
// Bound to the ParameterSet that declares the object's keys, a reader takes each
// key's default, range and choices from its declaration (the one-argument reads),
// and reading a key the set does not declare, or as another type, is a bug in
// somnus (std::logic_error), found by the tests that parse every shipped spec.
class ObjectReader {
public:
    ObjectReader(const Json& object, JsonPointer where);
    ObjectReader(const Json& object, JsonPointer where, const ParameterSet& declared);
    // Reads the remaining keys as `declared` says (e.g. once a "type" key has said which set).
    void declare(const ParameterSet& declared) { declared_ = &declared; }

    // Declared keys, with the declared default.
    double number(const std::string& key);
    std::int64_t integer(const std::string& key);
    bool boolean(const std::string& key);
    std::string string(const std::string& key);
    std::string choice(const std::string& key);
    std::vector<std::int64_t> integers(const std::string& key);
    std::vector<double> numbers(const std::string& key);
    std::vector<std::string> strings(const std::string& key);
    // Declared keys whose default depends on other keys (the declaration's note says how).
    double number(const std::string& key, double fallback);
    std::int64_t integer(const std::string& key, std::int64_t fallback);
    std::string choice(const std::string& key, const std::string& fallback);
    // A declared choice as the value of the enum whose names are its choices.
    template <class E>
    E choice_of(const std::string& key) {
        return value_named<E>(choice(key));
    }

    // Undeclared reading (a reader bound to no set), the range and choices given here.

    double number(const std::string& key, double fallback, double lo, double hi);
    std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi);
    bool boolean(const std::string& key, bool fallback);
    std::string string(const std::string& key, const std::string& fallback);
    std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed);
    std::vector<std::int64_t> integers(const std::string& key, std::vector<std::int64_t> fallback, std::int64_t lo,
                                       std::int64_t hi);
    std::vector<double> numbers(const std::string& key, std::vector<double> fallback, double lo, double hi);
    std::vector<std::string> strings(const std::string& key, std::vector<std::string> fallback);

    // The raw value under `key` (nullptr when absent); the key becomes known and,
    // when present, is resolved as given (a nested reader adds its defaults to it).
    const Json* child(const std::string& key);
    // A declared object key, read by a reader bound to its fields: over the object given
    // or, when the key is left out, over an empty one, so its defaults are read (and resolved).
    ObjectReader object(const std::string& key);
    // Accepts `key` and leaves it out of the resolved spec (metadata such as "$schema").
    void ignore(const std::string& key) { find(key); }
    // Accepts "$schema", the JSON Schema an editor checks the file against (`somnus schema`),
    // and leaves it out of the resolved spec; a SpecError when it is not a string
    // (`example`: a schema's path, for the message).
    void schema_reference(const std::string& example);
    // The pointer of `key` inside this object.
    JsonPointer at(const std::string& key) const { return where_ / key; }
    const JsonPointer& where() const { return where_; }

    void finish() const;

private:
    const Json* find(const std::string& key);
    std::string text(const std::string& key, const std::string& fallback);  // a string, unchecked
    // The declaration of `key` (null for an unbound reader); a logic_error when the set
    // does not declare it as `type`.
    const Parameter* declaration(const std::string& key, ValueType type) const;
    const Parameter& declared(const std::string& key, ValueType type) const;
    template <class T>
    T resolved(const std::string& key, T value) const;
    [[noreturn]] void wrong_type(const std::string& key, const char* expected) const;

    const Json& object_;
    JsonPointer where_;
    const ParameterSet* declared_ = nullptr;
    std::vector<std::string> known_;
};

// A list of epochs, or "all" (= the empty list), under a key declared by epoch_list
// (sim/spec/parameters.hpp); negative entries count from the end.
std::vector<std::int64_t> parse_epoch_list(ObjectReader& r, const std::string& key);

}  // namespace somnus
