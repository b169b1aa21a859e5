// The catalogue of the types a spec can name: module types (cortical areas by
// family, discriminators, the hippocampus, the conductor), brain states,
// modules from the dream literature and the probes of its "record". The spec layer parses and checks their
// parameters through it; the types themselves live in their own files and
// register here, one line each: area families in sim/model/area_families.cpp,
// brain states in sim/states/registry.cpp, dream modules in dreams/registry.cpp,
// the hippocampus and the conductor in sim/spec/modules.cpp, probes in
// sim/record/probes.cpp. A new brain state, area family or probe is its own
// files plus one line there (docs/architecture.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/spec/spec.hpp"

namespace somnus {

class BrainState;
class Model;

// ---- module types -------------------------------------------------------------------
// A module type other than a dream module: a cortical area, discriminator neurons or
// a critic (each of an area family), the hippocampus, the conductor.
struct ModuleType {
    std::string name;     // the "type" a spec gives the module, e.g. "pad_encoder"
    std::string summary;  // one line for `somnus describe` and the docs
    ModuleKind kind = ModuleKind::encoder;
    // Its keys, declared once (sim/spec/parameters.hpp): the reader, `somnus describe` and the schema use them.
    const ParameterSet* parameters = nullptr;
    // Reads the module's keys from a reader bound to `parameters`; the reader rejects unknown ones afterwards.
    ModuleParams (*parse)(ObjectReader& reader) = nullptr;
    // The layers the activity probe can record from such a module, input side first; null = none.
    std::vector<std::string> (*layers)(const ModuleSpec& module) = nullptr;
    // The unit of its "output" layer in the log (other layers are activations, "a.u.").
    std::string output_unit = "";
    // The area family it belongs to ("" = any): set when its family registers it.
    // Areas' readers registered with the families but of none (PAD's discriminator
    // neurons) keep "": they work on any family's areas.
    std::string family = "";
};

// The modules a family's areas make up in one circuit, for the family's checks.
struct FamilyModules {
    const ModuleSpec& encoder;
    const ModuleSpec& generator;
    std::vector<const ModuleSpec*> discriminators;  // its critics that take part
};

// A family of cortical areas: the module types of one architecture (PAD's conv areas,
// the stochastic hierarchy of adversarial wake-sleep and the Helmholtz machine), how
// they join in a circuit and how the model builds them. A brain state names the
// family it works on (StateType::areas); the circuit's areas must all be of it.
struct AreaFamily {
    std::string name;                      // e.g. "pad"
    std::string summary;                   // one line for `somnus describe`
    std::vector<ModuleType> module_types;  // its encoder, generator and discriminator types
    // Whether it has critics (any number, each scoring layers of the hierarchy) among its
    // module types. PAD's discriminator neurons, of no family, may join any family's areas.
    bool critics = false;
    // Checks that the areas join one hierarchy (latent sizes agree, critics read its
    // layers); throws SpecError at the module. May be null.
    void (*check)(const ExperimentSpec& spec, const FamilyModules& modules) = nullptr;
    // Builds the circuit's areas into the model (sim/model/model.hpp): its encoder,
    // generator and discriminator or critics, and latent_dim, on model.device.
    void (*build)(Model& model, const ExperimentSpec& spec) = nullptr;
    // What its brain states need of its areas that other areas lack, for the error
    // that rejects other areas (e.g. "a mean and a sigma per unit"); "" = not said.
    std::string states_need = "";
};

// Every module type that is not a dream module: the families' types, family by family
// in registration order, then the others in registration order.
std::vector<const ModuleType*> module_types();
const ModuleType* find_module_type(const std::string& name);  // null if none is registered under that name
const std::vector<AreaFamily>& area_families();
const AreaFamily* find_area_family(const std::string& name);
// Layers a probe can read from this module (none for the hippocampus, the conductor and dream modules).
std::vector<std::string> recordable_layers(const ModuleSpec& module);

// ---- brain states -------------------------------------------------------------------

struct StateType {
    std::string name;               // the "type" a spec gives a state
    std::string summary;            // one line for `somnus --help` and the docs
    std::vector<ModuleKind> needs;  // modules the circuit must provide
    // Reads the state's own keys from a reader bound to `parameters`; the reader rejects unknown ones afterwards.
    std::shared_ptr<const StateParams> (*parse)(ObjectReader& reader);
    std::unique_ptr<BrainState> (*make)(const StateSpec& spec);
    // Its keys, declared once (sim/spec/parameters.hpp): the reader, `somnus describe` and the schema use them.
    const ParameterSet* parameters = nullptr;
    // The area family it needs (AreaFamily::name), or "": any areas, read through
    // areas/area.hpp's interfaces (PAD's states, synaptic homeostasis). A state of a
    // family ("stochastic": adversarial wake-sleep, Helmholtz, negative phase) needs
    // its areas' own structure (the layers' densities); the circuit's areas must all
    // be of it. A state that needs a discriminator needs the family's critics when
    // it names a family whose discriminators are critics, discriminator neurons
    // otherwise.
    const char* areas = "";
    // Further checks of the whole spec (e.g. layers a state needs); throws SpecError. May be null.
    void (*check)(const ExperimentSpec& spec, const StateSpec& state) = nullptr;
    // Runs on sensory input (a waking state): it draws a fresh mini-batch of data; sleep states
    // reuse the last one. A protocol's "deprive": "sleep" removes every state that is not awake.
    bool awake = false;
    // Acts on what the day changed: the runner keeps the feedforward weights as each
    // day starts (Model::day_start_weights), e.g. for synaptic homeostasis.
    bool needs_day_start = false;
};

// The registered state types, in registration order.
const std::vector<StateType>& state_types();
const StateType* find_state_type(const std::string& name);  // null if none is registered under that name

class DreamModule;

struct DreamModuleType {
    std::string name;     // the "type" a spec gives the module
    std::string summary;  // one line for `somnus --help` and the docs
    // What it acts on: a neuromodulatory pathway from it to one module of these kinds wires it in.
    std::vector<ModuleKind> acts_on;
    // Reads the module's own keys from a reader bound to `parameters`; the reader rejects unknown ones afterwards.
    std::shared_ptr<const DreamModuleParams> (*parse)(ObjectReader& reader);
    // The module, acting on a module of kind `target` (one of acts_on).
    std::unique_ptr<DreamModule> (*make)(const ModuleSpec& spec, ModuleKind target);
    // Its keys, declared once (sim/spec/parameters.hpp).
    const ParameterSet* parameters = nullptr;
    // Further checks of the whole spec (e.g. states it names exist); throws SpecError. May be null.
    void (*check)(const ExperimentSpec& spec, const ModuleSpec& module) = nullptr;
};

// The registered dream-module types (Kong & Aarabi's review: MCH neurons, the
// amygdala, the prefrontal cortex, dream filtering), in registration order.
const std::vector<DreamModuleType>& dream_module_types();
const DreamModuleType* find_dream_module_type(const std::string& name);

// ---- probes -------------------------------------------------------------------------

class LogFile;
class Observer;

// A probe: an observer that reads the model's modules through the circuit and writes
// what it sees to the log (sim/record/*_probe.cpp). The spec turns it on and sets it
// under "record"/<name>: an object of its keys, or true/false for a probe without keys.
struct ProbeType {
    std::string name;     // its key under "record", e.g. "activity"
    std::string summary;  // one line for `somnus describe` and the docs
    // Its keys, declared once (sim/spec/parameters.hpp), "enabled" among them; null: the
    // probe has none, and its key is a switch (true or false) that defaults to `enabled`.
    const ParameterSet* parameters = nullptr;
    bool enabled = true;
    // Reads its keys but "enabled" from a reader bound to `parameters`; the reader
    // rejects unknown ones afterwards. Null for a switch.
    ModuleParams (*parse)(ObjectReader& reader) = nullptr;
    // Further checks of the whole spec (the modules, layers and states it names exist),
    // made whether it is on or off; throws SpecError. May be null.
    void (*check)(const ExperimentSpec& spec, const ProbeSpec& probe) = nullptr;
    // The probe, writing to `log`; made for a run when it is on.
    std::unique_ptr<Observer> (*make)(const ExperimentSpec& spec, const ProbeSpec& probe, LogFile& log) = nullptr;
    // It shows the areas test images: a run that has it on loads the test set.
    bool shows_test_images = false;
};

// The registered probes, in registration order (the order they run and `describe` lists them).
const std::vector<ProbeType>& probe_types();
const ProbeType* find_probe_type(const std::string& name);  // null if none is registered under that name

// How a layer above registers its types: one static object in its registry file,
// e.g. `const StateTypeRegistration wake_nrem_rem{{wake_state_type(), ...}};`.
// The libraries holding them are linked whole (CMakeLists.txt), so the objects
// exist in every program and test. A name is registered once across module types,
// area families' types and dream modules.
struct ModuleTypeRegistration {
    explicit ModuleTypeRegistration(std::vector<ModuleType> types);
};
// The families, then the module types that work with any family's areas (PAD's
// discriminator neurons, reading a layer of any encoder), listed after them.
struct AreaFamilyRegistration {
    explicit AreaFamilyRegistration(std::vector<AreaFamily> families, std::vector<ModuleType> any_family = {});
};
struct StateTypeRegistration {
    explicit StateTypeRegistration(std::vector<StateType> types);
};
struct DreamModuleTypeRegistration {
    explicit DreamModuleTypeRegistration(std::vector<DreamModuleType> types);
};
// A probe's keys go under "record", beside the record section's own: a name is
// registered once and is not one of those (logic_error otherwise).
struct ProbeTypeRegistration {
    explicit ProbeTypeRegistration(std::vector<ProbeType> types);
};

}  // namespace somnus
