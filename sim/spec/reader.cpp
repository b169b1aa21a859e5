#include "sim/spec/reader.hpp"

#include <algorithm>
#include <limits>
#include <sstream>
#include <type_traits>

namespace somnus {

SpecError::SpecError(std::string pointer, std::string message)
    : UsageError("spec error at " + (pointer.empty() ? std::string("/") : pointer) + ": " + message),
      pointer_(std::move(pointer)),
      message_(std::move(message)) {}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

std::string list_of(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + in_quotes(item);
    return out;
}

}  // namespace

std::string unknown_name(const std::string& what, const std::string& value, const std::vector<std::string>& known) {
    std::string message = "unknown " + what + " \"" + value + "\"";
    std::string near = closest_match(value, known);
    if (!near.empty()) return message + "; did you mean \"" + near + "\"?";
    return message + " (known: " + join(known) + ")";
}

std::string join(const std::vector<std::string>& names) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return list;
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& candidate : candidates) {
        std::size_t d = edit_distance(word, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::string json_type_name(const Json& value) {
    switch (value.type()) {
        case Json::value_t::null: return "null";
        case Json::value_t::object: return "an object";
        case Json::value_t::array: return "an array";
        case Json::value_t::string: return "a string";
        case Json::value_t::boolean: return "a boolean";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned: return "an integer";
        case Json::value_t::number_float: return "a number";
        default: return "an unsupported value";
    }
}

namespace {
thread_local SpecResolution* current_resolution = nullptr;
}

SpecResolution::SpecResolution() : outer_(current_resolution) { current_resolution = this; }
SpecResolution::~SpecResolution() { current_resolution = outer_; }

void resolve_as(const JsonPointer& where, const Json& value) {
    if (current_resolution) current_resolution->write(where, value);
}

template <class T>
T ObjectReader::resolved(const std::string& key, T value) const {
    resolve_as(at(key), Json(value));
    return value;
}

ObjectReader::ObjectReader(const Json& object, JsonPointer where) : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) throw SpecError(where_.to_string(), "expected an object, got " + json_type_name(object_));
}

ObjectReader::ObjectReader(const Json& object, JsonPointer where, const ParameterSet& declared)
    : ObjectReader(object, std::move(where)) {
    declared_ = &declared;
}

namespace {
// A key read from an object whose declaration lacks it: a bug in somnus, found by the tests.
[[noreturn]] void undeclared(const std::string& key, const JsonPointer& where, const ParameterSet& declared) {
    throw std::logic_error("\"" + key + "\" is read at " + where.to_string() + " but not declared in \"" +
                           declared.name + "\"");
}

// A declared integer bound (a double) as an integer; the open ends stay open.
std::int64_t integer_bound(double x) {
    if (x >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
    if (x <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(x);
}
}  // namespace

const Parameter* ObjectReader::declaration(const std::string& key, ValueType type) const {
    if (!declared_) return nullptr;
    const Parameter* p = declared_->find(key);
    if (!p) undeclared(key, where_, *declared_);
    if (p->type != type && p->type != ValueType::shaped)  // a shaped value is read as any of its shapes
        throw std::logic_error("\"" + key + "\" of \"" + declared_->name + "\" is read as another type than declared");
    return p;
}

const Parameter& ObjectReader::declared(const std::string& key, ValueType type) const {
    if (!declared_)
        throw std::logic_error("\"" + key + "\" is read at " + where_.to_string() +
                               " with no declaration of its object");
    return *declaration(key, type);
}

double ObjectReader::number(const std::string& key) {
    const Parameter& p = declared(key, ValueType::number);
    return number(key, p.fallback.get<double>(), p.lo, p.hi);
}

double ObjectReader::number(const std::string& key, double fallback) {
    const Parameter& p = declared(key, ValueType::number);
    return number(key, fallback, p.lo, p.hi);
}

std::int64_t ObjectReader::integer(const std::string& key) {
    const Parameter& p = declared(key, ValueType::integer);
    return integer(key, p.fallback.get<std::int64_t>(), integer_bound(p.lo), integer_bound(p.hi));
}

std::int64_t ObjectReader::integer(const std::string& key, std::int64_t fallback) {
    const Parameter& p = declared(key, ValueType::integer);
    return integer(key, fallback, integer_bound(p.lo), integer_bound(p.hi));
}

bool ObjectReader::boolean(const std::string& key) {
    return boolean(key, declared(key, ValueType::boolean).fallback.get<bool>());
}

std::string ObjectReader::string(const std::string& key) {
    return string(key, declared(key, ValueType::string).fallback.get<std::string>());
}

std::string ObjectReader::choice(const std::string& key) {
    const Parameter& p = declared(key, ValueType::choice);
    return choice(key, p.fallback.get<std::string>(), p.choices);
}

std::string ObjectReader::choice(const std::string& key, const std::string& fallback) {
    return choice(key, fallback, declared(key, ValueType::choice).choices);
}

std::vector<std::int64_t> ObjectReader::integers(const std::string& key) {
    const Parameter& p = declared(key, ValueType::integers);
    return integers(key, p.fallback.get<std::vector<std::int64_t>>(), integer_bound(p.lo), integer_bound(p.hi));
}

std::vector<double> ObjectReader::numbers(const std::string& key) {
    const Parameter& p = declared(key, ValueType::numbers);
    return numbers(key, p.fallback.get<std::vector<double>>(), p.lo, p.hi);
}

std::vector<std::string> ObjectReader::strings(const std::string& key) {
    return strings(key, declared(key, ValueType::strings).fallback.get<std::vector<std::string>>());
}

const Json* ObjectReader::find(const std::string& key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
}

const Json* ObjectReader::child(const std::string& key) {
    if (declared_ && !declared_->find(key)) undeclared(key, where_, *declared_);
    const Json* value = find(key);
    if (value) resolve_as(at(key), *value);
    return value;
}

ObjectReader ObjectReader::object(const std::string& key) {
    static const Json empty = Json::object();
    const Parameter& p = declared(key, ValueType::object);
    const Json* value = child(key);
    return ObjectReader(value ? *value : empty, at(key), *p.fields);
}

void ObjectReader::wrong_type(const std::string& key, const char* expected) const {
    throw SpecError(at(key).to_string(),
                    std::string("expected ") + expected + ", got " + json_type_name(object_.at(key)));
}

double ObjectReader::number(const std::string& key, double fallback, double lo, double hi) {
    declaration(key, ValueType::number);
    const Json* v = find(key);
    if (!v) return resolved(key, fallback);
    if (!v->is_number()) wrong_type(key, "a number");
    double x = v->get<double>();
    if (x < lo || x > hi) {
        std::ostringstream msg;
        msg << "value " << x << " is out of range [" << lo << ", " << hi << "]";
        throw SpecError(at(key).to_string(), msg.str());
    }
    return resolved(key, x);
}

std::int64_t ObjectReader::integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
    declaration(key, ValueType::integer);
    const Json* v = find(key);
    if (!v) return resolved(key, fallback);
    if (!v->is_number_integer()) wrong_type(key, "an integer");
    std::int64_t x = v->get<std::int64_t>();
    if (x < lo || x > hi)
        throw SpecError(at(key).to_string(), "value " + std::to_string(x) + " is out of range [" + std::to_string(lo) +
                                                 ", " + std::to_string(hi) + "]");
    return resolved(key, x);
}

bool ObjectReader::boolean(const std::string& key, bool fallback) {
    declaration(key, ValueType::boolean);
    const Json* v = find(key);
    if (!v) return resolved(key, fallback);
    if (!v->is_boolean()) wrong_type(key, "a boolean (true or false)");
    return resolved(key, v->get<bool>());
}

std::string ObjectReader::string(const std::string& key, const std::string& fallback) {
    declaration(key, ValueType::string);
    return text(key, fallback);
}

std::string ObjectReader::text(const std::string& key, const std::string& fallback) {
    const Json* v = find(key);
    if (!v) return resolved(key, fallback);
    if (!v->is_string()) wrong_type(key, "a string");
    return resolved(key, v->get<std::string>());
}

std::string ObjectReader::choice(const std::string& key, const std::string& fallback,
                                 const std::vector<std::string>& allowed) {
    declaration(key, ValueType::choice);
    std::string value = text(key, fallback);
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
    std::string message = "unknown value " + in_quotes(value) + " (expected one of " + list_of(allowed) + ")";
    std::string near = closest_match(value, allowed);
    if (!near.empty()) message += "; did you mean " + in_quotes(near) + "?";
    throw SpecError(at(key).to_string(), message);
}

namespace {

// The items of a JSON array of numbers, each checked to be of the right kind and within [lo, hi].
template <class T>
std::vector<T> number_list(const Json& array, const JsonPointer& where, T lo, T hi) {
    std::vector<T> out;
    for (std::size_t i = 0; i < array.size(); ++i) {
        const Json& item = array[i];
        auto at = (where / std::to_string(i)).to_string();
        const bool integral = std::is_integral_v<T>;
        if (integral ? !item.is_number_integer() : !item.is_number())
            throw SpecError(at, std::string("expected ") + (integral ? "an integer" : "a number") + ", got " +
                                    json_type_name(item));
        T x = item.get<T>();
        if (x < lo || x > hi) {
            std::ostringstream text;
            text << "value " << x << " is out of range [" << lo << ", " << hi << "]";
            throw SpecError(at, text.str());
        }
        out.push_back(x);
    }
    return out;
}

}  // namespace

std::vector<std::int64_t> ObjectReader::integers(const std::string& key, std::vector<std::int64_t> fallback,
                                                 std::int64_t lo, std::int64_t hi) {
    declaration(key, ValueType::integers);
    const Json* v = find(key);
    if (!v) return resolved(key, std::move(fallback));
    if (!v->is_array()) wrong_type(key, "an array of integers");
    return resolved(key, number_list(*v, at(key), lo, hi));
}

std::vector<double> ObjectReader::numbers(const std::string& key, std::vector<double> fallback, double lo, double hi) {
    declaration(key, ValueType::numbers);
    const Json* v = find(key);
    if (!v) return resolved(key, std::move(fallback));
    if (!v->is_array()) wrong_type(key, "an array of numbers");
    return resolved(key, number_list(*v, at(key), lo, hi));
}

std::vector<std::string> ObjectReader::strings(const std::string& key, std::vector<std::string> fallback) {
    declaration(key, ValueType::strings);
    const Json* v = find(key);
    if (!v) return resolved(key, std::move(fallback));
    if (!v->is_array()) wrong_type(key, "an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v->size(); ++i) {
        const Json& item = (*v)[i];
        if (!item.is_string())
            throw SpecError((at(key) / std::to_string(i)).to_string(),
                            "expected a string, got " + json_type_name(item));
        out.push_back(item.get<std::string>());
    }
    return resolved(key, std::move(out));
}

void ObjectReader::schema_reference(const std::string& example) {
    const Json* schema = find("$schema");
    if (schema && !schema->is_string())
        throw SpecError(at("$schema").to_string(), "expected the path or URL of a JSON Schema (a string, e.g. \"" +
                                                       example + "\"), got " + json_type_name(*schema));
}

void ObjectReader::finish() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
        if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
        std::string message = "unknown key " + in_quotes(it.key());
        std::string near = closest_match(it.key(), known_);
        if (!near.empty())
            message += "; did you mean " + in_quotes(near) + "?";
        else
            message += " (known keys: " + list_of(known_) + ")";
        throw SpecError(at(it.key()).to_string(), message);
    }
}

}  // namespace somnus
