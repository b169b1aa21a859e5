// The circuit: the spec's modules as vertices and its pathways as edges of a
// Boost.Graph graph. The model finds every role (which area encodes, which
// generates, where latents are stored) by walking this graph.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "sim/spec/catalog.hpp"

namespace somnus {

struct ModuleVertex {
    std::string name;
    std::string type;
    ModuleKind kind = ModuleKind::encoder;
};

struct PathwayEdge {
    PathwayKind kind = PathwayKind::feedforward;
};

using CircuitGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, ModuleVertex, PathwayEdge>;
using ModuleId = CircuitGraph::vertex_descriptor;

// Who plays which part, as found in the graph.
struct Roles {
    ModuleId encoder;    // the feedforward (inference) pathway
    ModuleId generator;  // the feedback (generative) pathway, feeding back to the encoder
    ModuleId conductor;
    std::optional<ModuleId> hippocampus;    // fed by the encoder, replays to the generator
    std::optional<ModuleId> discriminator;  // PAD's discriminator neurons, fed by the encoder (any family's)
    std::string discriminator_layer;        // the encoder layer they read, as their pathway names it (or the default)
    std::vector<ModuleId> critics;          // adversarial wake-sleep critics (of the family), fed by the encoder
    std::vector<ModuleId> dream_modules;    // MCH neurons, amygdala, prefrontal gate, dream filter (dreams/)
    const AreaFamily* family = nullptr;     // of the areas (sim/spec/catalog.hpp): "pad", "stochastic", ...
};

class Circuit {
public:
    // Builds and validates; throws SpecError at the offending module or pathway.
    static Circuit build(const ExperimentSpec& spec);

    const CircuitGraph& graph() const { return graph_; }
    const Roles& roles() const { return roles_; }
    const ModuleVertex& module(ModuleId id) const { return graph_[id]; }
    const std::string& name(ModuleId id) const { return graph_[id].name; }

    // Modules reached from / reaching `id` along pathways of `kind`.
    std::vector<ModuleId> targets(ModuleId id, PathwayKind kind) const;
    std::vector<ModuleId> sources(ModuleId id, PathwayKind kind) const;
    bool connected(ModuleId from, ModuleId to, PathwayKind kind) const;

    // GraphViz DOT of the circuit (modules shaped by kind, pathways styled by kind).
    std::string to_dot(const std::string& title) const;

private:
    // What the schedule's brain states need of the circuit.
    struct StateNeeds {
        // Discriminator neurons (a state of any areas needs a discriminator) or the
        // family's critics (a state of a family needs one).
        bool discriminator_neurons = false, critics = false, hippocampus = false;
        std::string family;                       // the area family they work on ("" when no state says)
        const StateSpec* family_state = nullptr;  // the first state that said it
    };
    // The steps of build(), in order; each throws SpecError at the first problem.
    void add_modules_and_pathways(const ExperimentSpec& spec);
    static StateNeeds states_needs(const ExperimentSpec& spec);
    const AreaFamily& area_family(const ExperimentSpec& spec, const StateNeeds& needs) const;
    void check_area_families(const ExperimentSpec& spec, const AreaFamily& family, const StateNeeds& needs) const;
    void assign_roles(const AreaFamily& family, const StateNeeds& needs);
    void check_role_pathways(const StateNeeds& needs);
    void choose_discriminator_layer(const ExperimentSpec& spec);
    void check_family(const ExperimentSpec& spec) const;
    void wire_dream_modules(const ExperimentSpec& spec);
    std::vector<ModuleId> all_of(ModuleKind kind) const;
    std::optional<ModuleId> unique_of(ModuleKind kind, bool required) const;

    CircuitGraph graph_;
    Roles roles_{};
};

// Parses a spec document (sim/spec/spec.hpp), wires its modules into a circuit
// and checks the recording against it: a spec every command can run. Throws
// SpecError naming the JSON pointer of the first problem.
ExperimentSpec parse_spec(const Json& document);

}  // namespace somnus
