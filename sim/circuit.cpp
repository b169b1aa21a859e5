#include "sim/circuit.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "dreams/dream_registry.hpp"
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
        case PathwayKind::neuromodulatory:  // ACh/NA gate plasticity and teaching signals; dream modules act on their target
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
        case PathwayKind::neuromodulatory: return "conductor -> encoder, generator or discriminator; dream module -> hippocampus, encoder or generator";
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

    // Roles: one encoder, one generator, one conductor; the hippocampus and the
    // discriminators as the states of the cycle need them.
    auto all_of = [&](ModuleKind kind) {
        std::vector<ModuleId> found;
        for (auto [v, end] = boost::vertices(c.graph_); v != end; ++v)
            if (c.graph_[*v].kind == kind) found.push_back(*v);
        return found;
    };
    auto unique_of = [&](ModuleKind kind, bool required) -> std::optional<ModuleId> {
        auto found = all_of(kind);
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

    // What the cycle's states need, and the family of areas they work on.
    bool needs_discriminator = false, needs_hippocampus = false;
    std::string family;
    const StateSpec* family_state = nullptr;
    for (const auto& name : spec.schedule.states_run())
        if (const StateSpec* s = spec.state(name))
            if (const StateType* t = find_state_type(s->type)) {
                auto needs = [&](ModuleKind k) { return std::count(t->needs.begin(), t->needs.end(), k) > 0; };
                needs_discriminator |= needs(ModuleKind::discriminator);
                needs_hippocampus |= needs(ModuleKind::hippocampus);
                if (family.empty()) {
                    family = t->areas;
                    family_state = s;
                } else if (family != t->areas) {
                    throw SpecError(s->pointer + "/type", "brain state \"" + name + "\" (" + s->type + ") works on " + t->areas +
                                                              " areas, but state \"" + family_state->name + "\" (" +
                                                              family_state->type + ") works on " + family + " areas");
                }
            }
    for (auto [v, end] = boost::vertices(c.graph_); v != end; ++v) {
        const ModuleVertex& m = c.graph_[*v];
        std::string f = area_family(m.type);
        if (!f.empty() && !family.empty() && f != family)
            throw SpecError(spec.module(m.name)->pointer + "/type",
                            "module \"" + m.name + "\" is a " + m.type + " (" + f + " areas), but the cycle's brain states (\"" +
                                family_state->name + "\": " + family_state->type + ") work on " + family + " areas");
    }

    Roles& r = c.roles_;
    r.areas = family.empty() ? "pad" : family;
    r.conductor = *unique_of(ModuleKind::conductor, true);
    r.encoder = *unique_of(ModuleKind::encoder, true);
    r.generator = *unique_of(ModuleKind::generator, true);
    r.hippocampus = unique_of(ModuleKind::hippocampus, needs_hippocampus);
    if (r.areas == "stochastic") {
        r.critics = all_of(ModuleKind::discriminator);
        if (needs_discriminator && r.critics.empty())
            throw SpecError("/modules", "missing role: the circuit has no critic (discriminator) module");
    } else {
        r.discriminator = unique_of(ModuleKind::discriminator, needs_discriminator);
    }

    // The roles' pathways.
    const std::string& encoder = c.graph_[r.encoder].name;
    const std::string& generator = c.graph_[r.generator].name;
    if (r.hippocampus) {
        const std::string& store = c.graph_[*r.hippocampus].name;
        if (!c.connected(r.encoder, *r.hippocampus, PathwayKind::feedforward)) {
            if (needs_hippocampus) missing_pathway(encoder, store, PathwayKind::feedforward);
            r.hippocampus.reset();  // a store nothing feeds takes no part
        } else if (!c.connected(*r.hippocampus, r.generator, PathwayKind::replay)) {
            missing_pathway(store, generator, PathwayKind::replay);
        }
    }
    if (!c.connected(r.generator, r.encoder, PathwayKind::feedback)) missing_pathway(generator, encoder, PathwayKind::feedback);
    if (r.discriminator && !c.connected(r.encoder, *r.discriminator, PathwayKind::feedforward)) {
        if (needs_discriminator) missing_pathway(encoder, c.graph_[*r.discriminator].name, PathwayKind::feedforward);
        r.discriminator.reset();  // discriminator neurons with no input take no part
    }
    for (ModuleId critic : r.critics)
        if (!c.connected(r.encoder, critic, PathwayKind::feedforward)) missing_pathway(encoder, c.graph_[critic].name, PathwayKind::feedforward);
    std::vector<ModuleId> plastic{r.encoder, r.generator};
    if (r.discriminator) plastic.push_back(*r.discriminator);
    plastic.insert(plastic.end(), r.critics.begin(), r.critics.end());
    for (ModuleId m : plastic)
        if (!c.connected(r.conductor, m, PathwayKind::neuromodulatory))
            missing_pathway(c.graph_[r.conductor].name, c.graph_[m].name, PathwayKind::neuromodulatory);

    // Areas that must agree on the latent size.
    const ModuleSpec* enc_spec = spec.module(encoder);
    const ModuleSpec* gen_spec = spec.module(generator);
    const auto* enc = std::get_if<AreaParams>(&enc_spec->params);
    const auto* gen = std::get_if<AreaParams>(&gen_spec->params);
    if (enc && gen && enc->latent_dim != gen->latent_dim)
        throw SpecError(gen_spec->pointer + "/latent_dim",
                        "type mismatch: generator latent_dim " + std::to_string(gen->latent_dim) +
                            " does not match encoder latent_dim " + std::to_string(enc->latent_dim));
    const auto* senc = std::get_if<StochasticAreaParams>(&enc_spec->params);
    const auto* sgen = std::get_if<StochasticAreaParams>(&gen_spec->params);
    if (senc && sgen && (senc->layers != sgen->layers || senc->architecture != sgen->architecture))
        throw SpecError(gen_spec->pointer + "/layers", "the generator's layers and architecture must be the encoder's (\"" + encoder +
                                                           "\"): both pathways join the same hierarchy of populations");
    // Each critic reads adjacent layers of that hierarchy.
    if (senc) {
        const auto names = hierarchy_layer_names(senc->layers.size());
        for (ModuleId critic : r.critics) {
            const ModuleSpec* m = spec.module(c.graph_[critic].name);
            const auto& reads = std::get<CriticParams>(m->params).reads;
            std::vector<std::size_t> index;
            for (std::size_t i = 0; i < reads.size(); ++i) {
                auto it = std::find(names.begin(), names.end(), reads[i]);
                if (it == names.end()) throw SpecError(m->pointer + "/reads/" + std::to_string(i), unknown_name("layer", reads[i], names));
                index.push_back(static_cast<std::size_t>(it - names.begin()));
                if (i > 0 && index[i] != index[i - 1] + 1)
                    throw SpecError(m->pointer + "/reads", "a critic reads adjacent layers, bottom first (layers: " + join(names) + ")");
            }
        }
    }
    // Dream modules act on the one module their neuromodulatory pathway reaches.
    for (ModuleId m : all_of(ModuleKind::dream)) {
        const ModuleSpec* ms = spec.module(c.graph_[m].name);
        const DreamModuleType* type = find_dream_module_type(ms->type);
        std::vector<std::string> kinds;
        for (ModuleKind k : type->acts_on) kinds.push_back(to_string(k));
        auto targets = c.targets(m, PathwayKind::neuromodulatory);
        if (targets.size() != 1)
            throw SpecError(ms->pointer,
                            "dream module \"" + ms->name + "\" (" + ms->type + ") needs exactly one neuromodulatory pathway to the " +
                                join(kinds) + " it acts on; it has " + std::to_string(targets.size()));
        const ModuleVertex& target = c.graph_[targets[0]];
        if (std::find(type->acts_on.begin(), type->acts_on.end(), target.kind) == type->acts_on.end()) {
            std::string where = "/pathways";
            for (const PathwaySpec& p : spec.pathways)
                if (p.from == ms->name && p.to == target.name && p.kind == PathwayKind::neuromodulatory) where = p.pointer;
            std::string either;
            for (std::size_t i = 0; i < kinds.size(); ++i)
                either += (i == 0 ? "" : i + 1 == kinds.size() ? " or " : ", ") + kinds[i];
            throw SpecError(where, "dream module \"" + ms->name + "\" (" + ms->type + ") acts on a " + either + ", not on " +
                                       to_string(target.kind) + " \"" + target.name + "\"");
        }
        if (target.kind == ModuleKind::hippocampus && (!r.hippocampus || *r.hippocampus != targets[0]))
            throw SpecError(ms->pointer, "dream module \"" + ms->name + "\" acts on hippocampus \"" + target.name +
                                             "\", which takes no part in this circuit (nothing stores latents in it)");
        r.dream_modules.push_back(m);
        if (type->check) type->check(spec, *ms);
    }
    for (const auto& name : spec.schedule.states_run())
        if (const StateSpec* s = spec.state(name))
            if (const StateType* t = find_state_type(s->type); t && t->check) t->check(spec, *s);
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
