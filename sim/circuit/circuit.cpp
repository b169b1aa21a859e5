#include "sim/circuit/circuit.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include "sim/spec/catalog.hpp"

namespace somnus {

namespace {

// Which kinds of module each kind of pathway may join.
bool allowed(PathwayKind pathway, ModuleKind from, ModuleKind to) {
    switch (pathway) {
        case PathwayKind::feedforward:  // the encoder drives the store and the discriminator neurons
            return from == ModuleKind::encoder && (to == ModuleKind::hippocampus || to == ModuleKind::discriminator);
        case PathwayKind::feedback:  // generated activity reaches the sensory layer the encoder reads
            return from == ModuleKind::generator && to == ModuleKind::encoder;
        case PathwayKind::replay:  // stored latents drive the generator
            return from == ModuleKind::hippocampus && to == ModuleKind::generator;
        case PathwayKind::
            neuromodulatory:  // ACh/NA gate plasticity and teaching signals; dream modules act on their target
            return (from == ModuleKind::conductor &&
                    (to == ModuleKind::encoder || to == ModuleKind::generator || to == ModuleKind::discriminator)) ||
                   (from == ModuleKind::dream &&
                    (to == ModuleKind::hippocampus || to == ModuleKind::encoder || to == ModuleKind::generator));
    }
    return false;
}

const char* allowed_text(PathwayKind pathway) {
    switch (pathway) {
        case PathwayKind::feedforward: return "encoder -> hippocampus or discriminator";
        case PathwayKind::feedback: return "generator -> encoder";
        case PathwayKind::replay: return "hippocampus -> generator";
        case PathwayKind::neuromodulatory:
            return "conductor -> encoder, generator or discriminator; dream module -> hippocampus, encoder or "
                   "generator";
    }
    return "";
}

}  // namespace

std::vector<ModuleId> Circuit::targets(ModuleId id, PathwayKind kind) const {
    std::vector<ModuleId> out;
    for (auto [e, end] = boost::out_edges(id, graph_); e != end; ++e)
        if (graph_[*e].kind == kind) out.push_back(boost::target(*e, graph_));
    return out;
}

std::vector<ModuleId> Circuit::sources(ModuleId id, PathwayKind kind) const {
    std::vector<ModuleId> out;
    for (auto [e, end] = boost::in_edges(id, graph_); e != end; ++e)
        if (graph_[*e].kind == kind) out.push_back(boost::source(*e, graph_));
    return out;
}

bool Circuit::connected(ModuleId from, ModuleId to, PathwayKind kind) const {
    auto t = targets(from, kind);
    return std::find(t.begin(), t.end(), to) != t.end();
}

namespace {

[[noreturn]] void missing_pathway(const std::string& from, const std::string& to, PathwayKind kind) {
    throw SpecError("/pathways", std::string("missing ") + to_string(kind) + " pathway " + from + " -> " + to);
}

}  // namespace

Circuit Circuit::build(const ExperimentSpec& spec) {
    Circuit c;
    c.add_modules_and_pathways(spec);
    const StateNeeds needs = states_needs(spec);
    const AreaFamily& family = c.area_family(spec, needs);
    c.check_area_families(spec, family, needs);
    c.assign_roles(family, needs);
    c.check_role_pathways(needs);
    c.choose_discriminator_layer(spec);
    c.check_family(spec);
    c.wire_dream_modules(spec);
    for (const auto& name : spec.schedule.states_run())
        if (const StateSpec* s = spec.state(name))
            if (const StateType* t = find_state_type(s->type); t && t->check) t->check(spec, *s);
    return c;
}

void Circuit::add_modules_and_pathways(const ExperimentSpec& spec) {
    std::map<std::string, ModuleId> by_name;
    for (const auto& m : spec.modules)
        by_name[m.name] = boost::add_vertex(ModuleVertex{m.name, m.type, m.kind}, graph_);
    auto lookup = [&](const std::string& name, const std::string& pointer) {
        auto it = by_name.find(name);
        if (it != by_name.end()) return it->second;
        std::vector<std::string> names;
        for (const auto& [n, id] : by_name) names.push_back(n);
        std::string message = "pathway refers to no module \"" + name + "\" (dangling pathway)";
        std::string near = closest_match(name, names);
        if (!near.empty()) message += "; did you mean \"" + near + "\"?";
        throw SpecError(pointer, message);
    };
    for (const auto& p : spec.pathways) {
        ModuleId from = lookup(p.from, p.pointer + "/from");
        ModuleId to = lookup(p.to, p.pointer + "/to");
        if (connected(from, to, p.kind))
            throw SpecError(p.pointer,
                            std::string("duplicate ") + to_string(p.kind) + " pathway " + p.from + " -> " + p.to);
        if (!allowed(p.kind, graph_[from].kind, graph_[to].kind))
            throw SpecError(p.pointer, std::string("a ") + to_string(p.kind) + " pathway cannot join " +
                                           to_string(graph_[from].kind) + " \"" + p.from + "\" to " +
                                           to_string(graph_[to].kind) + " \"" + p.to +
                                           "\" (allowed: " + allowed_text(p.kind) + ")");
        boost::add_edge(from, to, PathwayEdge{p.kind}, graph_);
    }
}

std::vector<ModuleId> Circuit::all_of(ModuleKind kind) const {
    std::vector<ModuleId> found;
    for (auto [v, end] = boost::vertices(graph_); v != end; ++v)
        if (graph_[*v].kind == kind) found.push_back(*v);
    return found;
}

std::optional<ModuleId> Circuit::unique_of(ModuleKind kind, bool required) const {
    auto found = all_of(kind);
    if (found.size() > 1)
        throw SpecError("/modules", std::string("more than one ") + to_string(kind) + " module (\"" +
                                        graph_[found[0]].name + "\", \"" + graph_[found[1]].name +
                                        "\"); one is supported");
    if (found.empty()) {
        if (required)
            throw SpecError("/modules", std::string("missing role: the circuit has no ") + to_string(kind) + " module");
        return std::nullopt;
    }
    return found[0];
}

// What the schedule's states need, and the family of areas those of a family work on (all the same one).
Circuit::StateNeeds Circuit::states_needs(const ExperimentSpec& spec) {
    StateNeeds n;
    for (const auto& name : spec.schedule.states_run())
        if (const StateSpec* s = spec.state(name))
            if (const StateType* t = find_state_type(s->type)) {
                auto needs = [&](ModuleKind k) { return std::count(t->needs.begin(), t->needs.end(), k) > 0; };
                const bool any_areas = std::string(t->areas).empty();
                n.discriminator_neurons |= needs(ModuleKind::discriminator) && any_areas;
                n.critics |= needs(ModuleKind::discriminator) && !any_areas;
                n.hippocampus |= needs(ModuleKind::hippocampus);
                if (any_areas) continue;
                if (n.family.empty()) {
                    n.family = t->areas;
                    n.family_state = s;
                } else if (n.family != t->areas) {
                    throw SpecError(s->pointer + "/type", "brain state \"" + name + "\" (" + s->type + ") works on " +
                                                              t->areas + " areas, but state \"" + n.family_state->name +
                                                              "\" (" + n.family_state->type + ") works on " + n.family +
                                                              " areas");
                }
            }
    return n;
}

// The family of areas the states work on; when none says, the encoder's (or the first registered).
const AreaFamily& Circuit::area_family(const ExperimentSpec& spec, const StateNeeds& needs) const {
    std::string name = needs.family;
    if (name.empty())
        for (ModuleId id : all_of(ModuleKind::encoder))
            if (const ModuleType* type = find_module_type(spec.module(graph_[id].name)->type)) name = type->family;
    if (name.empty()) return area_families().at(0);
    const AreaFamily* family = find_area_family(name);
    if (!family) throw std::logic_error("brain states work on area family '" + name + "', which is not registered");
    return *family;
}

// Every area is of the family the states work on.
void Circuit::check_area_families(const ExperimentSpec& spec, const AreaFamily& family, const StateNeeds& needs) const {
    for (auto [v, end] = boost::vertices(graph_); v != end; ++v) {
        const ModuleVertex& m = graph_[*v];
        const ModuleType* type = find_module_type(m.type);
        if (!type || type->family.empty() || type->family == family.name) continue;
        const std::string whose = needs.family_state ? "the cycle's brain states (\"" + needs.family_state->name +
                                                           "\": " + needs.family_state->type + ") work on "
                                                     : "the circuit's encoder is of ";
        throw SpecError(spec.module(m.name)->pointer + "/type",
                        "module \"" + m.name + "\" is a " + m.type + " (" + type->family + " areas), but " + whose +
                            family.name + " areas" + (family.states_need.empty() ? "" : " (" + family.states_need + ")"));
    }
}

// Roles: one encoder, one generator, one conductor; the hippocampus and the
// discriminators as the states of the cycle need them.
void Circuit::assign_roles(const AreaFamily& family, const StateNeeds& needs) {
    Roles& r = roles_;
    r.family = &family;
    r.conductor = *unique_of(ModuleKind::conductor, true);
    r.encoder = *unique_of(ModuleKind::encoder, true);
    r.generator = *unique_of(ModuleKind::generator, true);
    r.hippocampus = unique_of(ModuleKind::hippocampus, needs.hippocampus);
    // Discriminator neurons are of no family (they read any encoder); critics are the family's.
    std::vector<ModuleId> neurons;
    for (ModuleId id : all_of(ModuleKind::discriminator)) {
        const ModuleType* type = find_module_type(graph_[id].type);
        if (type && type->family.empty())
            neurons.push_back(id);
        else if (family.critics)
            r.critics.push_back(id);
    }
    if (needs.critics && r.critics.empty())
        throw SpecError("/modules", "missing role: the circuit has no critic (discriminator) module");
    if (neurons.size() > 1)
        throw SpecError("/modules", "more than one population of discriminator neurons (\"" + graph_[neurons[0]].name +
                                        "\", \"" + graph_[neurons[1]].name + "\"); one is supported");
    if (neurons.empty() && needs.discriminator_neurons)
        throw SpecError("/modules", "missing role: the circuit has no discriminator module");
    if (!neurons.empty()) r.discriminator = neurons.front();
}

// The roles' pathways; a store or discriminator neurons nothing feeds take no part.
void Circuit::check_role_pathways(const StateNeeds& needs) {
    Roles& r = roles_;
    const std::string& encoder = graph_[r.encoder].name;
    const std::string& generator = graph_[r.generator].name;
    if (r.hippocampus) {
        const std::string& store = graph_[*r.hippocampus].name;
        if (!connected(r.encoder, *r.hippocampus, PathwayKind::feedforward)) {
            if (needs.hippocampus) missing_pathway(encoder, store, PathwayKind::feedforward);
            r.hippocampus.reset();  // a store nothing feeds takes no part
        } else if (!connected(*r.hippocampus, r.generator, PathwayKind::replay)) {
            missing_pathway(store, generator, PathwayKind::replay);
        }
    }
    if (!connected(r.generator, r.encoder, PathwayKind::feedback))
        missing_pathway(generator, encoder, PathwayKind::feedback);
    if (r.discriminator && !connected(r.encoder, *r.discriminator, PathwayKind::feedforward)) {
        if (needs.discriminator_neurons) missing_pathway(encoder, graph_[*r.discriminator].name, PathwayKind::feedforward);
        r.discriminator.reset();  // discriminator neurons with no input take no part
    }
    for (ModuleId critic : r.critics)
        if (!connected(r.encoder, critic, PathwayKind::feedforward))
            missing_pathway(encoder, graph_[critic].name, PathwayKind::feedforward);
    std::vector<ModuleId> plastic{r.encoder, r.generator};
    if (r.discriminator) plastic.push_back(*r.discriminator);
    plastic.insert(plastic.end(), r.critics.begin(), r.critics.end());
    for (ModuleId m : plastic)
        if (!connected(r.conductor, m, PathwayKind::neuromodulatory))
            missing_pathway(graph_[r.conductor].name, graph_[m].name, PathwayKind::neuromodulatory);
}

// The encoder layer the discriminator neurons read: the one their pathway names, or
// the layer below the latent. A "layer" on any other pathway is an error at it.
void Circuit::choose_discriminator_layer(const ExperimentSpec& spec) {
    Roles& r = roles_;
    const std::string& encoder = graph_[r.encoder].name;
    for (const PathwaySpec& p : spec.pathways) {
        if (p.layer.empty()) continue;
        const bool reads = r.discriminator && p.kind == PathwayKind::feedforward && p.from == encoder &&
                           p.to == graph_[*r.discriminator].name;
        if (!reads)
            throw SpecError(p.pointer + "/layer", "a pathway's layer names the encoder layer discriminator neurons "
                                                  "read; this " + std::string(to_string(p.kind)) + " pathway " + p.from + " -> " +
                                                  p.to + " does not feed discriminator neurons");
    }
    if (!r.discriminator) return;
    const ModuleSpec& area = *spec.module(encoder);
    const std::vector<std::string> layers = recordable_layers(area);
    const PathwaySpec* pathway = nullptr;
    for (const PathwaySpec& p : spec.pathways)
        if (p.kind == PathwayKind::feedforward && p.from == encoder && p.to == graph_[*r.discriminator].name)
            pathway = &p;
    if (pathway && !pathway->layer.empty()) {
        if (std::find(layers.begin(), layers.end(), pathway->layer) == layers.end())
            throw SpecError(pathway->pointer + "/layer", "encoder \"" + encoder + "\" (" + area.type +
                                                             ") has no layer \"" + pathway->layer + "\" (layers: " +
                                                             join(layers) + ")");
        r.discriminator_layer = pathway->layer;
    } else if (layers.size() >= 2) {
        r.discriminator_layer = layers[layers.size() - 2];  // the layer below the latent (PAD: layer3)
    } else {
        throw SpecError((pathway ? pathway->pointer : std::string("/pathways")),
                        "encoder \"" + encoder + "\" has no layer below its latent for the discriminator neurons to "
                        "read by default; name one with the pathway's \"layer\" (layers: " + join(layers) + ")");
    }
}

// The family's own checks: its areas join one hierarchy (latent sizes agree, critics read its layers).
void Circuit::check_family(const ExperimentSpec& spec) const {
    if (!roles_.family->check) return;
    FamilyModules modules{*spec.module(graph_[roles_.encoder].name), *spec.module(graph_[roles_.generator].name), {}};
    for (ModuleId critic : roles_.critics) modules.discriminators.push_back(spec.module(graph_[critic].name));
    roles_.family->check(spec, modules);
}

// Dream modules act on the one module their neuromodulatory pathway reaches.
void Circuit::wire_dream_modules(const ExperimentSpec& spec) {
    for (ModuleId m : all_of(ModuleKind::dream)) {
        const ModuleSpec* ms = spec.module(graph_[m].name);
        const DreamModuleType* type = find_dream_module_type(ms->type);
        std::vector<std::string> kinds;
        for (ModuleKind k : type->acts_on) kinds.push_back(to_string(k));
        auto reached = targets(m, PathwayKind::neuromodulatory);
        if (reached.size() != 1)
            throw SpecError(ms->pointer, "dream module \"" + ms->name + "\" (" + ms->type +
                                             ") needs exactly one neuromodulatory pathway to the " + join(kinds) +
                                             " it acts on; it has " + std::to_string(reached.size()));
        const ModuleVertex& target = graph_[reached[0]];
        if (std::find(type->acts_on.begin(), type->acts_on.end(), target.kind) == type->acts_on.end()) {
            std::string where = "/pathways";
            for (const PathwaySpec& p : spec.pathways)
                if (p.from == ms->name && p.to == target.name && p.kind == PathwayKind::neuromodulatory)
                    where = p.pointer;
            std::string either;
            for (std::size_t i = 0; i < kinds.size(); ++i)
                either += (i == 0 ? "" : i + 1 == kinds.size() ? " or " : ", ") + kinds[i];
            throw SpecError(where, "dream module \"" + ms->name + "\" (" + ms->type + ") acts on a " + either +
                                       ", not on " + to_string(target.kind) + " \"" + target.name + "\"");
        }
        if (target.kind == ModuleKind::hippocampus && (!roles_.hippocampus || *roles_.hippocampus != reached[0]))
            throw SpecError(ms->pointer, "dream module \"" + ms->name + "\" acts on hippocampus \"" + target.name +
                                             "\", which takes no part in this circuit (nothing stores latents in it)");
        roles_.dream_modules.push_back(m);
        if (type->check) type->check(spec, *ms);
    }
}

std::string Circuit::to_dot(const std::string& title) const {
    auto shape = [](ModuleKind k) {
        switch (k) {
            case ModuleKind::encoder:
            case ModuleKind::generator: return "box";
            case ModuleKind::discriminator: return "diamond";
            case ModuleKind::hippocampus: return "cylinder";
            case ModuleKind::conductor: return "hexagon";
            case ModuleKind::dream: return "octagon";
        }
        return "ellipse";
    };
    auto style = [](PathwayKind k) {
        switch (k) {
            case PathwayKind::feedforward: return "color=black";
            case PathwayKind::feedback: return "color=blue";
            case PathwayKind::replay: return "color=darkgreen, style=bold";
            case PathwayKind::neuromodulatory: return "color=orange, style=dashed";
        }
        return "";
    };
    std::ostringstream dot;
    dot << "digraph \"" << title << "\" {\n  rankdir=LR;\n";
    for (auto [v, end] = boost::vertices(graph_); v != end; ++v) {
        const auto& m = graph_[*v];
        dot << "  \"" << m.name << "\" [shape=" << shape(m.kind) << ", label=\"" << m.name << "\\n(" << m.type
            << ")\"];\n";
    }
    for (auto [e, end] = boost::edges(graph_); e != end; ++e) {
        const ModuleId from = boost::source(*e, graph_), to = boost::target(*e, graph_);
        std::string label = to_string(graph_[*e].kind);
        // The layer discriminator neurons read, on their pathway.
        if (roles_.discriminator && to == *roles_.discriminator && from == roles_.encoder &&
            graph_[*e].kind == PathwayKind::feedforward)
            label += "\\n" + roles_.discriminator_layer;
        dot << "  \"" << graph_[from].name << "\" -> \"" << graph_[to].name << "\" [label=\"" << label << "\", "
            << style(graph_[*e].kind) << "];\n";
    }
    dot << "}\n";
    return dot.str();
}

ExperimentSpec parse_spec(const Json& document) {
    ExperimentSpec spec = parse_spec_sections(document);
    Circuit::build(spec);  // throws SpecError for a malformed circuit
    check_record(spec);
    return spec;
}

}  // namespace somnus
