#include "sim/spec/catalog.hpp"

#include <stdexcept>

#include "sim/spec/sections.hpp"

namespace somnus {

namespace {

std::vector<ModuleType>& module_table() {  // registered on their own (hippocampus, conductor)
    static std::vector<ModuleType> types;
    return types;
}

std::vector<AreaFamily>& family_table() {
    static std::vector<AreaFamily> families;
    return families;
}

std::vector<ModuleType>& any_family_table() {  // registered with the families, of none (discriminator neurons)
    static std::vector<ModuleType> types;
    return types;
}

std::vector<StateType>& state_table() {
    static std::vector<StateType> types;
    return types;
}

std::vector<DreamModuleType>& dream_table() {
    static std::vector<DreamModuleType> types;
    return types;
}

std::vector<ProbeType>& probe_table() {
    static std::vector<ProbeType> types;
    return types;
}

template <class Type>
const Type* find_type(const std::vector<Type>& table, const std::string& name) {
    for (const auto& t : table)
        if (t.name == name) return &t;
    return nullptr;
}

// Module types, area families' types and dream modules share one space of names.
bool module_name_taken(const std::string& name) { return find_module_type(name) || find_dream_module_type(name); }

template <class Type>
void add_types(std::vector<Type>& table, std::vector<Type> types, const char* what, bool (*taken)(const std::string&)) {
    for (auto& t : types) {
        if (taken(t.name)) throw std::logic_error(std::string(what) + " type '" + t.name + "' registered twice");
        table.push_back(std::move(t));
    }
}

bool state_name_taken(const std::string& name) { return find_state_type(name) != nullptr; }

// A probe's key sits beside the record section's own keys.
bool probe_name_taken(const std::string& name) {
    return find_probe_type(name) || record_own_parameters().find(name);
}

}  // namespace

std::vector<const ModuleType*> module_types() {
    std::vector<const ModuleType*> out;
    for (const auto& family : family_table())
        for (const auto& t : family.module_types) out.push_back(&t);
    for (const auto& t : any_family_table()) out.push_back(&t);
    for (const auto& t : module_table()) out.push_back(&t);
    return out;
}

const ModuleType* find_module_type(const std::string& name) {
    for (const ModuleType* t : module_types())
        if (t->name == name) return t;
    return nullptr;
}

const std::vector<AreaFamily>& area_families() { return family_table(); }
const AreaFamily* find_area_family(const std::string& name) { return find_type(family_table(), name); }

std::vector<std::string> recordable_layers(const ModuleSpec& module) {
    const ModuleType* type = find_module_type(module.type);
    return type && type->layers ? type->layers(module) : std::vector<std::string>{};
}

const std::vector<StateType>& state_types() { return state_table(); }
const StateType* find_state_type(const std::string& name) { return find_type(state_table(), name); }
const std::vector<DreamModuleType>& dream_module_types() { return dream_table(); }
const std::vector<ProbeType>& probe_types() { return probe_table(); }
const ProbeType* find_probe_type(const std::string& name) { return find_type(probe_table(), name); }
const DreamModuleType* find_dream_module_type(const std::string& name) { return find_type(dream_table(), name); }

ModuleTypeRegistration::ModuleTypeRegistration(std::vector<ModuleType> types) {
    add_types(module_table(), std::move(types), "module", module_name_taken);
}

AreaFamilyRegistration::AreaFamilyRegistration(std::vector<AreaFamily> families, std::vector<ModuleType> any_family) {
    for (auto& family : families) {
        if (find_area_family(family.name)) throw std::logic_error("area family '" + family.name + "' registered twice");
        for (auto& t : family.module_types) {
            if (module_name_taken(t.name)) throw std::logic_error("module type '" + t.name + "' registered twice");
            t.family = family.name;
        }
        family_table().push_back(std::move(family));
    }
    add_types(any_family_table(), std::move(any_family), "module", module_name_taken);
}

StateTypeRegistration::StateTypeRegistration(std::vector<StateType> types) {
    add_types(state_table(), std::move(types), "brain-state", state_name_taken);
}

DreamModuleTypeRegistration::DreamModuleTypeRegistration(std::vector<DreamModuleType> types) {
    add_types(dream_table(), std::move(types), "dream-module", module_name_taken);
}

ProbeTypeRegistration::ProbeTypeRegistration(std::vector<ProbeType> types) {
    for (const ProbeType& t : types) {
        if (t.parameters ? !t.parameters->find("enabled") || !t.parse : t.parse != nullptr)
            throw std::logic_error("probe '" + t.name + "': keys need \"enabled\" and a parser; a switch has neither");
        if (!t.make) throw std::logic_error("probe '" + t.name + "' has no make");
    }
    add_types(probe_table(), std::move(types), "probe", probe_name_taken);
}

}  // namespace somnus
