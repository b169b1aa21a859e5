#include "sim/spec/parameters.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace somnus {

namespace {

Parameter declared(std::string name, ValueType type, Json fallback, std::string meaning) {
    Parameter p;
    p.name = std::move(name);
    p.type = type;
    p.fallback = std::move(fallback);
    p.meaning = std::move(meaning);
    return p;
}

// A bound as it reads: whole numbers without a decimal point, the open ends as "inf".
std::string bound_text(double x) {
    if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
    if (x >= 9.2e18) return "inf";  // kNoLimit
    if (x == std::floor(x) && std::abs(x) < 1e15) return std::to_string(static_cast<std::int64_t>(x));
    std::ostringstream s;
    s << std::setprecision(10) << x;
    return s.str();
}

std::string range_text(const Parameter& p) {
    const bool lo = !std::isinf(p.lo), hi = !std::isinf(p.hi) && p.hi < 9.2e18;
    if (!lo && !hi) return "";
    if (!hi) return " >= " + bound_text(p.lo);
    if (!lo) return " <= " + bound_text(p.hi);
    return " in [" + bound_text(p.lo) + ", " + bound_text(p.hi) + "]";
}

std::string quoted_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "\"" : ", \"") + item + "\"";
    return out;
}

}  // namespace

std::string Parameter::type_text() const {
    switch (type) {
        case ValueType::number: return "number" + range_text(*this);
        case ValueType::integer: return "integer" + range_text(*this);
        case ValueType::boolean: return "boolean";
        case ValueType::string: return "string";
        case ValueType::choice: return "one of " + quoted_list(choices);
        case ValueType::numbers: return "list of numbers" + range_text(*this);
        case ValueType::integers:
            return (or_all ? "\"all\" or list of integers" : "list of integers") + range_text(*this);
        case ValueType::strings: return "list of names";
        case ValueType::object: return "object (" + fields->name + ")";
        case ValueType::objects: return "list of objects (" + fields->name + ")";
        case ValueType::table: return "{name: object} (" + fields->name + ")";
        case ValueType::typed_table: return "{name: {\"type\": " + of_kind + ", ...}}";
        case ValueType::shaped: return shape;
    }
    return "?";
}

std::string Parameter::default_text() const {
    if (!note.empty()) return note;
    if (required) return "(required)";
    if (fallback.is_null()) return "(none)";
    return fallback.dump();
}

const Parameter* ParameterSet::find(const std::string& key) const {
    for (const auto& p : parameters)
        if (p.name == key) return &p;
    return nullptr;
}

std::vector<std::string> ParameterSet::names() const {
    std::vector<std::string> out;
    for (const auto& p : parameters) out.push_back(p.name);
    return out;
}

Parameter number(std::string name, double fallback, double lo, double hi, std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::number, fallback, std::move(meaning));
    p.lo = lo;
    p.hi = hi;
    return p;
}

Parameter integer(std::string name, std::int64_t fallback, std::int64_t lo, std::int64_t hi, std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::integer, fallback, std::move(meaning));
    p.lo = double(lo);
    p.hi = double(hi);
    return p;
}

Parameter boolean(std::string name, bool fallback, std::string meaning) {
    return declared(std::move(name), ValueType::boolean, fallback, std::move(meaning));
}

Parameter text(std::string name, std::string fallback, std::string meaning) {
    return declared(std::move(name), ValueType::string, std::move(fallback), std::move(meaning));
}

Parameter choice(std::string name, std::string fallback, std::vector<std::string> choices, std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::choice, std::move(fallback), std::move(meaning));
    p.choices = std::move(choices);
    return p;
}

Parameter numbers(std::string name, std::vector<double> fallback, double lo, double hi, std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::numbers, fallback, std::move(meaning));
    p.lo = lo;
    p.hi = hi;
    return p;
}

Parameter integers(std::string name, std::vector<std::int64_t> fallback, std::int64_t lo, std::int64_t hi,
                   std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::integers, fallback, std::move(meaning));
    p.lo = double(lo);
    p.hi = double(hi);
    return p;
}

Parameter strings(std::string name, std::vector<std::string> fallback, std::string meaning) {
    return declared(std::move(name), ValueType::strings, fallback, std::move(meaning));
}

Parameter object(std::string name, const ParameterSet& fields, std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::object, Json::object(), std::move(meaning));
    p.fields = &fields;
    return p;
}

Parameter objects(std::string name, const ParameterSet& item, std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::objects, Json::array(), std::move(meaning));
    p.fields = &item;
    return p;
}

Parameter table(std::string name, const ParameterSet& entry, std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::table, nullptr, std::move(meaning));
    p.fields = &entry;
    return p;
}

Parameter shaped(std::string name, Json fallback, std::string shape, Json schema, std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::shaped, std::move(fallback), std::move(meaning));
    p.shape = std::move(shape);
    p.schema = std::move(schema);
    return p;
}

Parameter typed_table(std::string name, std::string of_kind, std::string meaning) {
    Parameter p = declared(std::move(name), ValueType::typed_table, nullptr, std::move(meaning));
    p.of_kind = std::move(of_kind);
    return p;
}

std::vector<Parameter> joined(std::vector<Parameter> first, const std::vector<Parameter>& then) {
    first.insert(first.end(), then.begin(), then.end());
    return first;
}

Parameter epoch_list(std::string name, std::vector<std::int64_t> fallback, std::string meaning) {
    Parameter p = integers(std::move(name), std::move(fallback), -1000000, 1000000, std::move(meaning));
    p.or_all = true;
    p.unit = "epochs";
    return p;
}

}  // namespace somnus
