// The names of an enum's values, for the options a spec chooses between
// ("newest" | "episode" | "memories"): compute code compares enum values, and
// the spec layer reads and writes their names. A domain declares the table once,
// next to its enum:
//
//   enum class ReplaySource { newest, episode, memories };
//   inline const EnumNames<ReplaySource>& enum_names(ReplaySource) {
//       static const EnumNames<ReplaySource> names{{ReplaySource::newest, "newest"}, ...};
//       return names;
//   }
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace somnus {

template <class E>
using EnumNames = std::vector<std::pair<E, std::string>>;

// The name of `value` (found through the enum's own `enum_names`).
template <class E>
const std::string& name_of(E value) {
    for (const auto& [v, name] : enum_names(E{}))
        if (v == value) return name;
    throw std::logic_error("an enum value without a name");
}

// Every name, in declaration order (the choices a spec offers).
template <class E>
std::vector<std::string> names_of() {
    std::vector<std::string> out;
    for (const auto& entry : enum_names(E{})) out.push_back(entry.second);
    return out;
}

// The value named `name`; std::invalid_argument when none is (the spec layer has
// checked the name against names_of<E>() before).
template <class E>
E value_named(const std::string& name) {
    for (const auto& [v, n] : enum_names(E{}))
        if (n == name) return v;
    throw std::invalid_argument("no value is named \"" + name + "\"");
}

}  // namespace somnus
