// A spec key bound once to the field it fills. A declaration names the struct
// member it reads into:
//
//     field::integer("images", &DreamRecord::images, 1, 1 << 20, "first rows of the mini-batch kept")
//
// gives the key's Parameter (sim/spec/parameters.hpp), whose default is the
// member's value in a default-built struct, and its read. A Fields<S> holds an
// object's keys: its ParameterSet, from which the reader's defaults and checks,
// the resolved spec, `somnus describe`, docs/parameters.md and the JSON Schema
// come, and `read`, which fills an S from a reader bound to that set. So a key's
// name, default and meaning are written once, beside the member it sets.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sim/spec/parameters.hpp"
#include "sim/spec/reader.hpp"

namespace somnus {

template <class S>
struct Field {
    Parameter declaration;
    std::function<void(ObjectReader&, S&)> read;  // empty: a key read elsewhere (e.g. a probe's "enabled")

    Field&& in(std::string unit) && {
        declaration.unit = std::move(unit);
        return std::move(*this);
    }
};

template <class S>
class Fields {
public:
    Fields(std::string name, std::string summary, std::vector<Field<S>> fields)
        : fields_(std::move(fields)), set_(std::move(name), std::move(summary), declarations(fields_)) {}

    const ParameterSet& parameters() const { return set_; }

    // Fills a default-built S from `r`, a reader bound to parameters(), key by key.
    S read(ObjectReader& r) const {
        S s{};
        read_into(r, s);
        return s;
    }
    void read_into(ObjectReader& r, S& s) const {
        for (const auto& f : fields_)
            if (f.read) f.read(r, s);
    }
    const std::vector<Field<S>>& fields() const { return fields_; }

private:
    static std::vector<Parameter> declarations(const std::vector<Field<S>>& fields) {
        std::vector<Parameter> out;
        for (const auto& f : fields) out.push_back(f.declaration);
        return out;
    }

    std::vector<Field<S>> fields_;
    ParameterSet set_;
};

namespace field {

template <class S>
Field<S> number(std::string name, double S::*member, double lo, double hi, std::string meaning) {
    const S d{};
    return {somnus::number(name, d.*member, lo, hi, std::move(meaning)),
            [name, member](ObjectReader& r, S& s) { s.*member = r.number(name); }};
}

template <class S>
Field<S> integer(std::string name, std::int64_t S::*member, std::int64_t lo, std::int64_t hi, std::string meaning) {
    const S d{};
    return {somnus::integer(name, d.*member, lo, hi, std::move(meaning)),
            [name, member](ObjectReader& r, S& s) { s.*member = r.integer(name); }};
}

template <class S>
Field<S> boolean(std::string name, bool S::*member, std::string meaning) {
    const S d{};
    return {somnus::boolean(name, d.*member, std::move(meaning)),
            [name, member](ObjectReader& r, S& s) { s.*member = r.boolean(name); }};
}

// Free text (a name, a path).
template <class S>
Field<S> text(std::string name, std::string S::*member, std::string meaning) {
    const S d{};
    return {somnus::text(name, d.*member, std::move(meaning)),
            [name, member](ObjectReader& r, S& s) { s.*member = r.string(name); }};
}

template <class S>
Field<S> strings(std::string name, std::vector<std::string> S::*member, std::string meaning) {
    const S d{};
    return {somnus::strings(name, d.*member, std::move(meaning)),
            [name, member](ObjectReader& r, S& s) { s.*member = r.strings(name); }};
}

template <class S>
Field<S> numbers(std::string name, std::vector<double> S::*member, double lo, double hi, std::string meaning) {
    const S d{};
    return {somnus::numbers(name, d.*member, lo, hi, std::move(meaning)),
            [name, member](ObjectReader& r, S& s) { s.*member = r.numbers(name); }};
}

template <class S>
Field<S> integers(std::string name, std::vector<std::int64_t> S::*member, std::int64_t lo, std::int64_t hi,
                  std::string meaning) {
    const S d{};
    return {somnus::integers(name, d.*member, lo, hi, std::move(meaning)),
            [name, member](ObjectReader& r, S& s) { s.*member = r.integers(name); }};
}

// A list of epochs, or "all" (sim/spec/parameters.hpp: epoch_list).
template <class S>
Field<S> epochs(std::string name, std::vector<std::int64_t> S::*member, std::string meaning) {
    const S d{};
    return {somnus::epoch_list(name, d.*member, std::move(meaning)),
            [name, member](ObjectReader& r, S& s) { s.*member = parse_epoch_list(r, name); }};
}

// One of the names of enum E (sim/base/enum_names.hpp).
template <class S, class E>
Field<S> choice(std::string name, E S::*member, std::string meaning) {
    const S d{};
    return {somnus::choice(name, name_of(d.*member), names_of<E>(), std::move(meaning)),
            [name, member](ObjectReader& r, S& s) { s.*member = r.choice_of<E>(name); }};
}

// A key of a shape of its own: its declaration and how it is read.
template <class S>
Field<S> custom(Parameter declaration, std::function<void(ObjectReader&, S&)> read) {
    return {std::move(declaration), std::move(read)};
}

// A key declared here and read by someone else (a probe's "enabled": the registration's).
template <class S>
Field<S> declared(Parameter declaration) {
    return {std::move(declaration), {}};
}

// The keys of a part, a member of type T with keys of its own, at the same level
// (e.g. a probe's sample times: "every_iterations", "epochs").
template <class S, class T>
std::vector<Field<S>> part(T S::*member, const Fields<T>& keys) {
    std::vector<Field<S>> out;
    for (const auto& f : keys.fields()) {
        auto read = f.read;
        out.push_back({f.declaration, read ? std::function<void(ObjectReader&, S&)>(
                                                 [read, member](ObjectReader& r, S& s) { read(r, s.*member); })
                                           : std::function<void(ObjectReader&, S&)>()});
    }
    return out;
}

// `first`'s fields then `then`'s (for brace lists that take a part).
template <class S>
std::vector<Field<S>> joined(std::vector<Field<S>> first, const std::vector<Field<S>>& then) {
    first.insert(first.end(), then.begin(), then.end());
    return first;
}

}  // namespace field

}  // namespace somnus
