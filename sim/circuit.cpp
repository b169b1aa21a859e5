#include "sim/circuit.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "sim/state_registry.hpp"

namespace somnus {

namespace {

// Which kinds of module each kind of pathway may join.
bool allowed(PathwayKind pathway, ModuleKind from, ModuleKind to) {
    switch (pathway) {
        case PathwayKind::feedforward:  // the encoder drives the store and the discriminator neurons
            return from == ModuleKind::encoder &&
                   (to == ModuleKind::hippocampus || to == ModuleKind::discriminator);
        case PathwayKind::feedback:  // generated activity reaches the sensory layer the encoder reads
            return from == ModuleKind::generator && to == ModuleKind::encoder;
        case PathwayKind::replay:  // stored latents drive the generator
            return from == ModuleKind::hippocampus && to == ModuleKind::generator;
        case PathwayKind::neuromodulatory:  // ACh/NA gate plasticity and teaching signals
            return from == ModuleKind::conductor &&
                   (to == ModuleKind::encoder || to == ModuleKind::generator ||
                    to == ModuleKind::discriminator);
    }
    return false;
}

const char* allowed_text(PathwayKind pathway) {
    switch (pathway) {
        case PathwayKind::feedforward: return "encoder -> hippocampus or discriminator";
        case PathwayKind::feedback: return "generator -> encoder";
        case PathwayKind::replay: return "hippocampus -> generator";
        case PathwayKind::neuromodulatory: return "conductor -> encoder, generator or discriminator";
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

Circuit Circuit::build(const ExperimentSpec& spec) {
    Circuit c;
    std::map<std::string, ModuleId> by_name;
    for (const auto& m : spec.modules) by_name[m.name] = boost::add_vertex(ModuleVertex{m.name, m.type, m.kind}, c.graph_);

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
        if (c.connected(from, to, p.kind))
            throw SpecError(p.pointer, std::string("duplicate ") + to_string(p.kind) + " pathway " + p.from + " -> " + p.to);
        if (!allowed(p.kind, c.graph_[from].kind, c.graph_[to].kind))
            throw SpecError(p.pointer, std::string("a ") + to_string(p.kind) + " pathway cannot join " +
                                           to_string(c.graph_[from].kind) + " \"" + p.from + "\" to " +
                                           to_string(c.graph_[to].kind) + " \"" + p.to + "\" (allowed: " +
                                           allowed_text(p.kind) + ")");
        boost::add_edge(from, to, PathwayEdge{p.kind}, c.graph_);
    }

    // Roles. Exactly one module of each of these kinds for now.
    auto unique_of = [&](ModuleKind kind, bool required) -> std::optional<ModuleId> {
        std::vector<ModuleId> found;
        for (auto [v, end] = boost::vertices(c.graph_); v != end; ++v)
            if (c.graph_[*v].kind == kind) found.push_back(*v);
        if (found.size() > 1)
            throw SpecError("/modules", std::string("more than one ") + to_string(kind) +
                                            " module (\"" + c.graph_[found[0]].name + "\", \"" +
                                            c.graph_[found[1]].name + "\"); one is supported");
        if (found.empty()) {
            if (required) throw SpecError("/modules", std::string("missing role: the circuit has no ") + to_string(kind) + " module");
            return std::nullopt;
        }
        return found[0];
    };
    auto missing_pathway = [&](const std::string& from, const std::string& to, PathwayKind kind) {
        throw SpecError("/pathways", std::string("missing ") + to_string(kind) + " pathway " + from + " -> " + to);
    };

    bool needs_discriminator = false;
    for (const auto& name : spec.schedule.cycle)
        if (const StateSpec* s = spec.state(name))
            if (const StateType* t = find_state_type(s->type))
                needs_discriminator |= std::count(t->needs.begin(), t->needs.end(), ModuleKind::discriminator) > 0;

    Roles& r = c.roles_;
    r.hippocampus = *unique_of(ModuleKind::hippocampus, true);
    r.conductor = *unique_of(ModuleKind::conductor, true);
    ModuleId encoder = *unique_of(ModuleKind::encoder, true);
    ModuleId generator = *unique_of(ModuleKind::generator, true);
    r.discriminator = unique_of(ModuleKind::discriminator, needs_discriminator);

    // The roles are what the pathways say they are.
    auto stores = c.sources(r.hippocampus, PathwayKind::feedforward);
    if (stores.empty()) missing_pathway(c.graph_[encoder].name, c.graph_[r.hippocampus].name, PathwayKind::feedforward);
    r.encoder = stores[0];
    auto replayed = c.targets(r.hippocampus, PathwayKind::replay);
    if (replayed.empty()) missing_pathway(c.graph_[r.hippocampus].name, c.graph_[generator].name, PathwayKind::replay);
    r.generator = replayed[0];
    if (!c.connected(r.generator, r.encoder, PathwayKind::feedback))
        missing_pathway(c.graph_[r.generator].name, c.graph_[r.encoder].name, PathwayKind::feedback);
    if (r.discriminator && !c.connected(r.encoder, *r.discriminator, PathwayKind::feedforward)) {
        if (needs_discriminator)
            missing_pathway(c.graph_[r.encoder].name, c.graph_[*r.discriminator].name, PathwayKind::feedforward);
        r.discriminator.reset();  // discriminator neurons with no input take no part
    }
    std::vector<ModuleId> plastic{r.encoder, r.generator};
    if (r.discriminator) plastic.push_back(*r.discriminator);
    for (ModuleId m : plastic)
        if (!c.connected(r.conductor, m, PathwayKind::neuromodulatory))
            missing_pathway(c.graph_[r.conductor].name, c.graph_[m].name, PathwayKind::neuromodulatory);

    // Areas that must agree on the latent size.
    const auto* enc = std::get_if<AreaParams>(&spec.module(c.graph_[r.encoder].name)->params);
    const ModuleSpec* gen_spec = spec.module(c.graph_[r.generator].name);
    const auto* gen = std::get_if<AreaParams>(&gen_spec->params);
    if (enc && gen && enc->latent_dim != gen->latent_dim)
        throw SpecError(gen_spec->pointer + "/latent_dim",
                        "type mismatch: generator latent_dim " + std::to_string(gen->latent_dim) +
                            " does not match encoder latent_dim " + std::to_string(enc->latent_dim));
    return c;
}

std::string Circuit::to_dot(const std::string& title) const {
    auto shape = [](ModuleKind k) {
        switch (k) {
            case ModuleKind::encoder:
            case ModuleKind::generator: return "box";
            case ModuleKind::discriminator: return "diamond";
            case ModuleKind::hippocampus: return "cylinder";
            case ModuleKind::conductor: return "hexagon";
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
        dot << "  \"" << m.name << "\" [shape=" << shape(m.kind) << ", label=\"" << m.name << "\\n("
            << m.type << ")\"];\n";
    }
    for (auto [e, end] = boost::edges(graph_); e != end; ++e)
        dot << "  \"" << graph_[boost::source(*e, graph_)].name << "\" -> \""
            << graph_[boost::target(*e, graph_)].name << "\" [label=\"" << to_string(graph_[*e].kind)
            << "\", " << style(graph_[*e].kind) << "];\n";
    dot << "}\n";
    return dot.str();
}

}  // namespace somnus
