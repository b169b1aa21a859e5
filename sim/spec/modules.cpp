// The circuit's sections: "modules" (each of a registered module type), "pathways"
// and "states" (each of a registered brain-state type). The hippocampus and the
// conductor declare their keys and register here; area families, brain states and
// dream modules declare theirs in their own files (sim/model/, sim/states/,
// dreams/) and come through the catalogue.
#include <algorithm>

#include "hippocampus/params.hpp"
#include "sim/spec/catalog.hpp"
#include "sim/spec/sections.hpp"

namespace somnus {

namespace {

// ---- hippocampus -----------------------------------------------------------------
const ParameterSet& hippocampus_parameters() {
    const HippocampusParams p;
    static const ParameterSet set{
        "hippocampus",
        "",
        {integer("capacity", p.capacity, 1, 1 << 20, "episodes kept (the reference keeps the current and the previous)")
             .in("episodes"),
         choice("partner", name_of(p.partner), names_of<MixPartner>(),
                "REM mixes the replayed episode with the one stored before it, or with a random one"),
         choice("replay", name_of(p.replay), names_of<ReplaySource>(),
                "what sleep replays: the newest episode (reference), an episode drawn by salience, or single "
                "memories of all episodes drawn by salience"),
         choice("keep", name_of(p.keep), names_of<Retention>(),
                "which episodes a full store keeps, across days: drop the oldest, a reservoir sample of every "
                "episode stored (each day's equally likely), or drop the least salient")}};
    return set;
}

ModuleParams parse_hippocampus(ObjectReader& r) {
    HippocampusParams p;
    p.capacity = r.integer("capacity");
    p.partner = r.choice_of<MixPartner>("partner");
    p.replay = r.choice_of<ReplaySource>("replay");
    p.keep = r.choice_of<Retention>("keep");
    if (p.keep == Retention::reservoir && p.replay == ReplaySource::newest)
        throw SpecError(r.at("keep").to_string(),
                        "a reservoir may turn the newest episode away, and replay \"newest\" replays the episode "
                        "stored last (the mini-batch Wake just saw): give \"replay\": \"memories\" or \"episode\", "
                        "or keep \"oldest\"");
    return p;
}

// ---- conductor -------------------------------------------------------------------
const ParameterSet& levels_parameters() {
    static const ParameterSet set{
        "levels",
        "the neuromodulator levels of one brain state",
        {number("ach", 0.0, 0.0, 1.0, "acetylcholine level"), number("na", 0.0, 0.0, 1.0, "noradrenaline level")}};
    return set;
}

Json dose_effect_schema() {
    const Json level = {{"type", "number"}, {"minimum", 0}, {"maximum", 1}};
    return {{"type", "object"},
            {"minProperties", 1},
            {"maxProperties", 1},
            {"additionalProperties", false},
            {"properties",
             {{"set", level},
              {"scale", {{"type", "number"}, {"minimum", 0}, {"maximum", 100}}},
              {"add", {{"type", "number"}, {"minimum", -1}, {"maximum", 1}}},
              {"ramp", {{"type", "array"}, {"items", level}, {"minItems", 2}, {"maxItems", 2}}}}}};
}

const ParameterSet& dose_parameters() {
    const std::string effect = "{\"set\": level} | {\"scale\": factor} | {\"add\": change} | {\"ramp\": [from, to]}";
    static const ParameterSet set{
        "dose",
        "a drug or lesion: the conductor's levels changed in some states and epochs",
        {text("name", "", "name in the timeline and the log").defaulting("\"dose N\""),
         strings("states", {}, "brain states it acts in; [] = every state"),
         epoch_list("epochs", {}, "epochs it acts in; [] or \"all\" = every epoch"),
         shaped("ach", nullptr, effect, dose_effect_schema(),
                "its effect on acetylcholine: set to a level in [0, 1], scaled by a factor in [0, 100], shifted in "
                "[-1, 1], or ramped from one level to another over the run"),
         shaped("na", nullptr, effect, dose_effect_schema(), "its effect on noradrenaline, the same way")},
        {{"anyOf", Json::array({{{"required", {"ach"}}}, {{"required", {"na"}}}})}}};
    return set;
}

const ParameterSet& conductor_parameters() {
    static const ParameterSet set{
        "conductor",
        "",
        {table("levels", levels_parameters(),
               "ACh and NA of each brain state, by state name; every state of the spec needs its entry")
             .must_be_given(),
         objects("doses", dose_parameters(), "pharmacology and lesions, applied in order")}};
    return set;
}

Dose parse_dose(const Json& j, const JsonPointer& where, std::size_t index) {
    ObjectReader dr(j, where, dose_parameters());
    Dose d;
    d.pointer = dr.where().to_string();
    d.name = dr.string("name", "dose " + std::to_string(index));
    d.states = dr.strings("states");
    d.epochs = parse_epoch_list(dr, "epochs");
    for (auto [key, out] : {std::make_pair("ach", &d.ach), std::make_pair("na", &d.na)}) {
        const Json* effect = dr.child(key);
        if (!effect) continue;
        ObjectReader er(*effect, dr.at(key));
        DoseEffect x;
        int modes = 0;
        for (const char* mode : {"set", "scale", "add"})
            if (er.child(mode)) {
                x.mode = value_named<DoseMode>(mode);
                x.value = er.number(mode, 0.0, mode == std::string("add") ? -1.0 : 0.0,
                                    mode == std::string("scale") ? 100.0 : 1.0);
                ++modes;
            }
        if (er.child("ramp")) {
            auto ends = er.numbers("ramp", {}, 0.0, 1.0);
            if (ends.size() != 2)
                throw SpecError(er.at("ramp").to_string(), "a ramp is [level at the start, level at the end]");
            x.mode = DoseMode::ramp;
            x.from = ends[0];
            x.to = ends[1];
            ++modes;
        }
        if (modes != 1)
            throw SpecError(dr.at(key).to_string(), "give exactly one of \"set\", \"scale\", \"add\" or \"ramp\"");
        er.finish();
        *out = x;
    }
    if (!d.ach && !d.na) throw SpecError(d.pointer, "a dose changes \"ach\", \"na\" or both");
    dr.finish();
    return d;
}

ModuleParams parse_conductor(ObjectReader& r) {
    ConductorParams p;
    const Json* levels = r.child("levels");
    if (!levels) throw SpecError(r.where().to_string(), "a conductor needs \"levels\" per brain state");
    ObjectReader table(*levels, r.at("levels"));
    for (auto it = levels->begin(); it != levels->end(); ++it) {
        const Json* entry = table.child(it.key());
        ObjectReader lr(*entry, table.at(it.key()), levels_parameters());
        Levels l;
        l.ach = lr.number("ach");
        l.na = lr.number("na");
        lr.finish();
        p.levels[it.key()] = l;
    }
    if (const Json* doses = r.child("doses")) {
        const JsonPointer where = r.at("doses");
        if (!doses->is_array())
            throw SpecError(where.to_string(), "expected a list of doses, got " + json_type_name(*doses));
        for (std::size_t i = 0; i < doses->size(); ++i)
            p.doses.push_back(parse_dose((*doses)[i], where / std::to_string(i), i));
    }
    return p;
}

std::vector<std::string> module_type_names() {
    std::vector<std::string> names;
    for (const ModuleType* t : module_types()) names.push_back(t->name);
    for (const auto& t : dream_module_types()) names.push_back(t.name);
    return names;
}

}  // namespace

// The hippocampus and the conductor; the cortical areas and discriminators come
// with their area families (sim/model/area_families.cpp), dream modules from dreams/.
const ModuleTypeRegistration memory_and_neuromodulation{{
    {"hippocampus", "the episodic store: keeps the latents of each day, replays them in sleep", ModuleKind::hippocampus,
     &hippocampus_parameters(), parse_hippocampus},
    {"conductor", "ACh and NA levels per brain state, and the doses that change them: what each module does",
     ModuleKind::conductor, &conductor_parameters(), parse_conductor},
}};

std::vector<ModuleSpec> parse_modules(const Json& j, const JsonPointer& where) {
    ObjectReader r(j, where);
    std::vector<ModuleSpec> modules;
    for (auto it = j.begin(); it != j.end(); ++it) {
        ObjectReader m(*r.child(it.key()), r.at(it.key()));
        ModuleSpec spec;
        spec.name = it.key();
        spec.pointer = m.where().to_string();
        const Json* type = m.child("type");
        if (!type || !type->is_string())
            throw SpecError(spec.pointer + "/type", "every module needs a \"type\" string");
        spec.type = type->get<std::string>();
        if (const ModuleType* type = find_module_type(spec.type)) {
            spec.kind = type->kind;
            m.declare(*type->parameters);
            spec.params = type->parse(m);
        } else if (const DreamModuleType* dream = find_dream_module_type(spec.type)) {
            spec.kind = ModuleKind::dream;
            m.declare(*dream->parameters);
            spec.params = dream->parse(m);
        } else {
            throw SpecError(spec.pointer + "/type", unknown_name("module type", spec.type, module_type_names()));
        }
        m.finish();
        modules.push_back(std::move(spec));
    }
    return modules;
}

const ParameterSet& pathway_parameters() {
    static const ParameterSet set{
        "pathway",
        "a connection of the circuit, from one module to another",
        {text("from", "", "the module it leaves").must_be_given(),
         text("to", "", "the module it reaches").must_be_given(),
         choice("kind", "", {"feedforward", "feedback", "replay", "neuromodulatory"},
                "what it carries: sensory drive up, predictions down, hippocampal replay, or ACh/NA")
             .must_be_given(),
         text("layer", "",
              "encoder -> discriminator neurons: the encoder layer they read (`somnus describe` lists an area's "
              "layers)")
             .defaulting("the layer below the latent (PAD: layer3)")},
        // Only a feedforward pathway (encoder -> discriminator neurons) names a layer.
        Json::parse(R"({"if": {"properties": {"kind": {"not": {"const": "feedforward"}}}, "required": ["kind"]},
                        "then": {"not": {"required": ["layer"]}}})")};
    return set;
}

std::vector<PathwaySpec> parse_pathways(const Json& j, const JsonPointer& where) {
    if (!j.is_array()) throw SpecError(where.to_string(), "expected an array, got " + json_type_name(j));
    std::vector<PathwaySpec> pathways;
    for (std::size_t i = 0; i < j.size(); ++i) {
        ObjectReader r(j[i], where / std::to_string(i), pathway_parameters());
        PathwaySpec p;
        p.pointer = r.where().to_string();
        p.from = r.string("from");
        p.to = r.string("to");
        if (p.from.empty()) throw SpecError(p.pointer, "a pathway needs \"from\"");
        if (p.to.empty()) throw SpecError(p.pointer, "a pathway needs \"to\"");
        // Read only when given, so that a pathway without it resolves as it always has.
        if (const Json* layer = r.child("layer")) {
            if (!layer->is_string())
                throw SpecError(r.at("layer").to_string(), "expected a layer name (a string), got " +
                                                               json_type_name(*layer));
            p.layer = layer->get<std::string>();
            if (p.layer.empty()) throw SpecError(r.at("layer").to_string(), "give the name of a layer");
        }
        std::string kind = r.choice("kind");
        p.kind = kind == "feedforward" ? PathwayKind::feedforward
                 : kind == "feedback"  ? PathwayKind::feedback
                 : kind == "replay"    ? PathwayKind::replay
                                       : PathwayKind::neuromodulatory;
        r.finish();
        pathways.push_back(p);
    }
    return pathways;
}

std::vector<StateSpec> parse_states(const Json& j, const JsonPointer& where) {
    ObjectReader r(j, where);
    std::vector<std::string> type_names;
    for (const auto& t : state_types()) type_names.push_back(t.name);
    std::vector<StateSpec> states;
    for (auto it = j.begin(); it != j.end(); ++it) {
        ObjectReader s(*r.child(it.key()), r.at(it.key()));
        StateSpec spec;
        spec.name = it.key();
        spec.pointer = s.where().to_string();
        spec.type = s.string("type", it.key());
        const StateType* type = find_state_type(spec.type);
        if (!type) throw SpecError(spec.pointer + "/type", unknown_name("brain-state type", spec.type, type_names));
        s.declare(*type->parameters);
        spec.params = type->parse(s);
        s.finish();
        states.push_back(std::move(spec));
    }
    return states;
}

}  // namespace somnus
