#include "sim/spec/catalog.hpp"

#include <stdexcept>

namespace somnus {

namespace {

std::vector<StateType>& state_table() {
    static std::vector<StateType> types;
    return types;
}

std::vector<DreamModuleType>& dream_table() {
    static std::vector<DreamModuleType> types;
    return types;
}

template <class Type>
void add_types(std::vector<Type>& table, std::vector<Type> types, const char* what) {
    for (auto& t : types) {
        for (const auto& known : table)
            if (known.name == t.name)
                throw std::logic_error(std::string(what) + " type '" + t.name + "' registered twice");
        table.push_back(std::move(t));
    }
}

template <class Type>
const Type* find_type(const std::vector<Type>& table, const std::string& name) {
    for (const auto& t : table)
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace

const std::vector<StateType>& state_types() { return state_table(); }
const StateType* find_state_type(const std::string& name) { return find_type(state_table(), name); }
const std::vector<DreamModuleType>& dream_module_types() { return dream_table(); }
const DreamModuleType* find_dream_module_type(const std::string& name) { return find_type(dream_table(), name); }

StateTypeRegistration::StateTypeRegistration(std::vector<StateType> types) {
    add_types(state_table(), std::move(types), "brain-state");
}

DreamModuleTypeRegistration::DreamModuleTypeRegistration(std::vector<DreamModuleType> types) {
    add_types(dream_table(), std::move(types), "dream-module");
}

}  // namespace somnus
