// Reading a JSON experiment spec into typed values, with errors that say where.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/errors.hpp"

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

// Reads one JSON object key by key. Every key asked for becomes a known key;
// finish() rejects the keys nobody asked for, suggesting the nearest known one.
class ObjectReader {
public:
    ObjectReader(const Json& object, JsonPointer where);

    double number(const std::string& key, double fallback, double lo, double hi);
    std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi);
    bool boolean(const std::string& key, bool fallback);
    std::string string(const std::string& key, const std::string& fallback);
    std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed);
    std::vector<std::int64_t> integers(const std::string& key, std::vector<std::int64_t> fallback, std::int64_t lo,
                                       std::int64_t hi);
    std::vector<double> numbers(const std::string& key, std::vector<double> fallback, double lo, double hi);
    std::vector<std::string> strings(const std::string& key, std::vector<std::string> fallback);

    // The raw value under `key` (nullptr when absent); the key becomes known.
    const Json* child(const std::string& key);
    // The pointer of `key` inside this object.
    JsonPointer at(const std::string& key) const { return where_ / key; }
    const JsonPointer& where() const { return where_; }

    void finish() const;

private:
    const Json* find(const std::string& key);
    [[noreturn]] void wrong_type(const std::string& key, const char* expected) const;

    const Json& object_;
    JsonPointer where_;
    std::vector<std::string> known_;
};

}  // namespace somnus
