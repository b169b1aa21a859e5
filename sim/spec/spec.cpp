#include "sim/spec/spec.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <sstream>
#include <thread>

#include "sim/spec/catalog.hpp"

namespace somnus {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

// ---- module types: one entry per type a spec can name ----------------------
struct ModuleType {
    std::string name;
    ModuleKind kind;
    std::function<ModuleParams(ObjectReader&)> parse;
};

ModuleParams parse_area(ObjectReader& r) {
    AreaParams p;
    p.latent_dim = r.integer("latent_dim", p.latent_dim, 1, 65536);
    p.features = r.integer("features", p.features, 1, 4096);
    p.leaky_slope = r.number("leaky_slope", p.leaky_slope, 0.0, 1.0);
    p.init_std = r.number("init_std", p.init_std, 0.0, 10.0);
    return p;
}

ModuleParams parse_stochastic_area(ObjectReader& r) {
    StochasticAreaParams p;
    p.architecture = r.choice("architecture", p.architecture, {"mlp", "conv"});
    p.layers = r.integers("layers", p.layers, 1, 65536);
    if (p.layers.empty()) throw SpecError(r.at("layers").to_string(), "give at least one latent layer size");
    if (p.architecture == "conv" && p.layers.size() > 6)
        throw SpecError(
            r.at("layers").to_string(),
            "a conv hierarchy on 32x32 images has at most 6 latent layers (each but the top halves the image)");
    p.hidden = r.integer("hidden", p.hidden, 1, 65536);
    p.recurrent_steps = r.integer("recurrent_steps", p.architecture == "conv" ? 0 : p.recurrent_steps, 0, 16);
    if (p.architecture == "conv" && p.recurrent_steps != 0)
        throw SpecError(r.at("recurrent_steps").to_string(),
                        "conv layers have no recurrent maps (their local recurrence is the divisive normalisation)");
    p.sigma_bias = r.number("sigma_bias", p.sigma_bias, -100.0, 100.0);
    p.sigma_min = r.number("sigma_min", p.sigma_min, 0.0, 10.0);
    return p;
}

ModuleParams parse_critic(ObjectReader& r) {
    CriticParams p;
    p.reads = r.strings("reads", p.reads);
    if (p.reads.empty()) throw SpecError(r.at("reads").to_string(), "a critic reads at least one layer");
    p.hidden = r.integer("hidden", p.hidden, 1, 65536);
    p.hidden_layers = r.integer("hidden_layers", p.hidden_layers, 0, 16);
    p.leaky_slope = r.number("leaky_slope", p.leaky_slope, 0.0, 1.0);
    return p;
}

ModuleParams parse_discriminator(ObjectReader& r) {
    DiscriminatorParams p;
    p.init_std = r.number("init_std", p.init_std, 0.0, 10.0);
    return p;
}

ModuleParams parse_hippocampus(ObjectReader& r) {
    HippocampusParams p;
    p.capacity = r.integer("capacity", p.capacity, 1, 1 << 20);
    p.partner = r.choice("partner", p.partner, {"previous", "random"});
    p.replay = r.choice("replay", p.replay, {"newest", "episode", "memories"});
    return p;
}

ModuleParams parse_conductor(ObjectReader& r) {
    ConductorParams p;
    const Json* levels = r.child("levels");
    if (!levels) throw SpecError(r.where().to_string(), "a conductor needs \"levels\" per brain state");
    ObjectReader table(*levels, r.at("levels"));
    for (auto it = levels->begin(); it != levels->end(); ++it) {
        const Json* entry = table.child(it.key());
        ObjectReader lr(*entry, table.at(it.key()));
        Levels l;
        l.ach = lr.number("ach", 0.0, 0.0, 1.0);
        l.na = lr.number("na", 0.0, 0.0, 1.0);
        lr.finish();
        p.levels[it.key()] = l;
    }
    if (const Json* doses = r.child("doses")) {
        const JsonPointer where = r.at("doses");
        if (!doses->is_array())
            throw SpecError(where.to_string(), "expected a list of doses, got " + json_type_name(*doses));
        for (std::size_t i = 0; i < doses->size(); ++i) {
            ObjectReader dr((*doses)[i], where / std::to_string(i));
            Dose d;
            d.pointer = dr.where().to_string();
            d.name = dr.string("name", "dose " + std::to_string(i));
            d.states = dr.strings("states", d.states);
            if (const Json* e = dr.child("epochs"); e && e->is_string()) {
                if (*e != "all")
                    throw SpecError(dr.at("epochs").to_string(),
                                    "expected \"all\" or a list of epochs, got \"" + e->get<std::string>() + "\"");
            } else {
                d.epochs = dr.integers("epochs", d.epochs, -1000000, 1000000);
            }
            for (auto [key, out] : {std::make_pair("ach", &d.ach), std::make_pair("na", &d.na)}) {
                const Json* effect = dr.child(key);
                if (!effect) continue;
                ObjectReader er(*effect, dr.at(key));
                DoseEffect x;
                int modes = 0;
                for (const char* mode : {"set", "scale", "add"})
                    if (er.child(mode)) {
                        x.mode = mode;
                        x.value = er.number(mode, 0.0, mode == std::string("add") ? -1.0 : 0.0,
                                            mode == std::string("scale") ? 100.0 : 1.0);
                        ++modes;
                    }
                if (er.child("ramp")) {
                    auto ends = er.numbers("ramp", {}, 0.0, 1.0);
                    if (ends.size() != 2)
                        throw SpecError(er.at("ramp").to_string(), "a ramp is [level at the start, level at the end]");
                    x.mode = "ramp";
                    x.from = ends[0];
                    x.to = ends[1];
                    ++modes;
                }
                if (modes != 1)
                    throw SpecError(dr.at(key).to_string(),
                                    "give exactly one of \"set\", \"scale\", \"add\" or \"ramp\"");
                er.finish();
                *out = x;
            }
            if (!d.ach && !d.na) throw SpecError(d.pointer, "a dose changes \"ach\", \"na\" or both");
            dr.finish();
            p.doses.push_back(d);
        }
    }
    return p;
}

const std::vector<ModuleType>& module_types() {
    static const std::vector<ModuleType> types = {
        {"pad_encoder", ModuleKind::encoder, parse_area},
        {"pad_generator", ModuleKind::generator, parse_area},
        {"pad_discriminator", ModuleKind::discriminator, parse_discriminator},
        {"stochastic_encoder", ModuleKind::encoder, parse_stochastic_area},
        {"stochastic_generator", ModuleKind::generator, parse_stochastic_area},
        {"critic", ModuleKind::discriminator, parse_critic},
        {"hippocampus", ModuleKind::hippocampus, parse_hippocampus},
        {"conductor", ModuleKind::conductor, parse_conductor},
    };
    static const std::vector<ModuleType> all = [] {
        std::vector<ModuleType> t = types;
        for (const auto& d : dream_module_types())
            t.push_back(
                {d.name, ModuleKind::dream, [parse = d.parse](ObjectReader& r) -> ModuleParams { return parse(r); }});
        return t;
    }();
    return all;
}

template <class Table>
std::vector<std::string> names_of(const Table& table) {
    std::vector<std::string> names;
    for (const auto& entry : table) names.push_back(entry.name);
    return names;
}

// ---- sections ----------------------------------------------------------------
DataSpec parse_data(ObjectReader& r) {
    DataSpec d;
    d.dataset = r.choice("dataset", d.dataset, {"fashion-mnist", "mnist", "cifar10", "svhn"});
    d.path = r.string("path", d.dataset == "fashion-mnist" ? d.path : "datasets/" + d.dataset);
    d.train_subset = r.integer("train_subset", d.train_subset, 0, kMaxInt);
    d.mean = r.number("mean", d.mean, -kInf, kInf);
    d.std = r.number("std", d.std, 1e-12, kInf);
    r.finish();
    return d;
}

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
        const ModuleType* found = nullptr;
        for (const auto& t : module_types())
            if (spec.type == t.name) found = &t;
        if (!found)
            throw SpecError(spec.pointer + "/type", unknown_name("module type", spec.type, names_of(module_types())));
        spec.kind = found->kind;
        spec.params = found->parse(m);
        m.finish();
        modules.push_back(std::move(spec));
    }
    return modules;
}

std::vector<PathwaySpec> parse_pathways(const Json& j, const JsonPointer& where) {
    if (!j.is_array()) throw SpecError(where.to_string(), "expected an array, got " + json_type_name(j));
    std::vector<PathwaySpec> pathways;
    for (std::size_t i = 0; i < j.size(); ++i) {
        ObjectReader r(j[i], where / std::to_string(i));
        PathwaySpec p;
        p.pointer = r.where().to_string();
        p.from = r.string("from", "");
        p.to = r.string("to", "");
        if (p.from.empty()) throw SpecError(p.pointer, "a pathway needs \"from\"");
        if (p.to.empty()) throw SpecError(p.pointer, "a pathway needs \"to\"");
        std::string kind = r.choice("kind", "", {"feedforward", "feedback", "replay", "neuromodulatory"});
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
    std::vector<StateSpec> states;
    for (auto it = j.begin(); it != j.end(); ++it) {
        ObjectReader s(*r.child(it.key()), r.at(it.key()));
        StateSpec spec;
        spec.name = it.key();
        spec.pointer = s.where().to_string();
        spec.type = s.string("type", it.key());
        const StateType* type = find_state_type(spec.type);
        if (!type)
            throw SpecError(spec.pointer + "/type",
                            unknown_name("brain-state type", spec.type, names_of(state_types())));
        spec.params = type->parse(s);
        s.finish();
        states.push_back(std::move(spec));
    }
    return states;
}

OptimizerSpec parse_optimizer(ObjectReader& r) {
    OptimizerSpec o;
    o.lr = r.number("lr", o.lr, 0.0, 10.0);
    o.beta1 = r.number("beta1", o.beta1, 0.0, 1.0);
    o.beta2 = r.number("beta2", o.beta2, 0.0, 1.0);
    o.eps = r.number("eps", o.eps, 0.0, 1.0);
    o.weight_decay = r.number("weight_decay", o.weight_decay, 0.0, 1.0);
    r.finish();
    return o;
}

TrainingSpec parse_training(ObjectReader& r) {
    TrainingSpec t;
    for (auto [key, out] :
         {std::make_pair("encoder_optimizer", &t.encoder), std::make_pair("generator_optimizer", &t.generator),
          std::make_pair("critic_optimizer", &t.critic)})
        if (const Json* j = r.child(key)) {
            ObjectReader o(*j, r.at(key));
            *out = parse_optimizer(o);
        }
    t.adam_steps_on_zero_grad = r.boolean("adam_steps_on_zero_grad", t.adam_steps_on_zero_grad);
    t.loss_normalisation = r.choice("loss_normalisation", t.loss_normalisation, {"element_mean", "batch_mean"});
    r.finish();
    return t;
}

// A list of epochs, or "all" (= the empty list).
std::vector<std::int64_t> parse_epoch_list(ObjectReader& r, const std::string& key) {
    if (const Json* e = r.child(key); e && e->is_string()) {
        if (*e != "all")
            throw SpecError(r.at(key).to_string(),
                            "expected \"all\" or a list of epochs, got \"" + e->get<std::string>() + "\"");
        return {};
    }
    return r.integers(key, {}, -1000000, 1000000);
}

// A duration in mini-batches, given as "iterations" or as "images" (rounded up to whole mini-batches).
std::int64_t parse_duration(ObjectReader& r, std::int64_t batch_size, const std::string& what) {
    const bool iterations = r.child("iterations") != nullptr, images = r.child("images") != nullptr;
    if (iterations == images)
        throw SpecError(r.where().to_string(),
                        what + " needs a length: give \"iterations\" (mini-batches) or \"images\"");
    if (iterations) return r.integer("iterations", 0, 0, 1 << 30);
    const std::int64_t n = r.integer("images", 0, 0, std::int64_t(1) << 40);
    return (n + batch_size - 1) / batch_size;
}

NightSpec parse_night(ObjectReader& r, std::int64_t batch_size) {
    NightSpec n;
    n.cycles = r.integer("cycles", 1, 0, 1 << 20);
    const Json* episodes = r.child("episodes");
    const JsonPointer where = r.at("episodes");
    if (!episodes)
        throw SpecError(r.where().to_string(),
                        "a night needs \"episodes\": e.g. [{\"state\": \"nrem\", \"iterations\": 40}, {\"state\": "
                        "\"rem\", \"iterations\": 20}]");
    if (!episodes->is_array())
        throw SpecError(where.to_string(), "expected a list of episodes, got " + json_type_name(*episodes));
    for (std::size_t i = 0; i < episodes->size(); ++i) {
        ObjectReader er((*episodes)[i], where / std::to_string(i));
        NightEpisode e;
        e.pointer = er.where().to_string();
        const Json* state = er.child("state");
        if (!state || !state->is_string())
            throw SpecError(e.pointer + "/state", "every episode names a brain \"state\"");
        e.state = state->get<std::string>();
        e.iterations = parse_duration(er, batch_size, "episode " + std::to_string(i));
        er.finish();
        n.episodes.push_back(e);
    }
    if (n.cycles > 0 && n.episodes.empty())
        throw SpecError(where.to_string(), "a night with cycles needs at least one episode");
    r.finish();
    return n;
}

SleepProtocol parse_protocol(ObjectReader& r, std::size_t index) {
    SleepProtocol p;
    p.pointer = r.where().to_string();
    p.name = r.string("name", "protocol " + std::to_string(index));
    p.epochs = parse_epoch_list(r, "epochs");
    if (const Json* d = r.child("deprive"); d && d->is_string()) {
        p.deprive = {d->get<std::string>()};
    } else {
        p.deprive = r.strings("deprive", {});
        p.deprive_listed = true;
    }
    p.instead = r.string("instead", "");
    if (const Json* scale = r.child("episode_scale")) {
        ObjectReader sr(*scale, r.at("episode_scale"));
        if (!scale->is_object())
            throw SpecError(r.at("episode_scale").to_string(),
                            "expected an object {state: factor}, got " + json_type_name(*scale));
        for (auto it = scale->begin(); it != scale->end(); ++it)
            p.episode_scale[it.key()] = sr.number(it.key(), 1.0, 0.0, 1000.0);
    }
    p.night_length = r.number("night_length", p.night_length, 0.0, 1000.0);
    if (const Json* f = r.child("fragment")) {
        ObjectReader fr(*f, r.at("fragment"));
        p.fragment_every = fr.integer("every", 0, 1, 1 << 30);
        p.arousal_state = fr.string("arousal", "");
        p.arousal_iterations = fr.integer("arousal_iterations", p.arousal_iterations, 0, 1 << 30);
        p.restart_cycle = fr.boolean("restart_cycle", p.restart_cycle);
        fr.finish();
    }
    if (!p.instead.empty() && p.deprive.empty())
        throw SpecError(r.at("instead").to_string(), "\"instead\" replaces deprived sleep; give \"deprive\" too");
    if (p.deprive.empty() && p.episode_scale.empty() && p.night_length == 1.0 && p.fragment_every == 0)
        throw SpecError(
            p.pointer,
            "a protocol changes something: give \"deprive\", \"episode_scale\", \"night_length\" or \"fragment\"");
    r.finish();
    return p;
}

ScheduleSpec parse_schedule(ObjectReader& r) {
    ScheduleSpec s;
    s.epochs = r.integer("epochs", s.epochs, 0, 1000000);
    s.batch_size = r.integer("batch_size", s.batch_size, 2, 1 << 20);
    s.cycle = r.strings("cycle", s.cycle);
    if (s.cycle.empty()) throw SpecError(r.at("cycle").to_string(), "the cycle needs at least one brain state");
    s.day_iterations = r.integer("day_iterations", s.day_iterations, 0, 1 << 30);
    if (const Json* night = r.child("night")) {
        ObjectReader nr(*night, r.at("night"));
        s.night = parse_night(nr, s.batch_size);
    }
    if (const Json* protocols = r.child("protocols")) {
        const JsonPointer where = r.at("protocols");
        if (!protocols->is_array())
            throw SpecError(where.to_string(), "expected a list of protocols, got " + json_type_name(*protocols));
        for (std::size_t i = 0; i < protocols->size(); ++i) {
            ObjectReader pr((*protocols)[i], where / std::to_string(i));
            s.protocols.push_back(parse_protocol(pr, i));
        }
    }
    r.finish();
    return s;
}

SampleTimes parse_times(ObjectReader& r, SampleTimes t) {
    t.every_iterations = r.integer("every_iterations", t.every_iterations, 0, kMaxInt);
    if (const Json* e = r.child("epochs"); e && e->is_string()) {
        if (*e != "all")
            throw SpecError(r.at("epochs").to_string(),
                            "expected \"all\" or a list of epochs, got \"" + e->get<std::string>() + "\"");
    } else {
        t.epochs = r.integers("epochs", t.epochs, -1000000, 1000000);
    }
    return t;
}

ActivityRecord parse_activity(ObjectReader& r) {
    ActivityRecord a;
    a.enabled = r.boolean("enabled", a.enabled);
    a.probe_images = r.integer("probe_images", a.probe_images, 1, 100000);
    if (const Json* layers = r.child("layers")) {
        if (!layers->is_object())
            throw SpecError(r.at("layers").to_string(),
                            "expected an object {module: [layers]}, got " + json_type_name(*layers));
        for (const auto& [module, list] : layers->items()) {
            auto where = (r.at("layers") / module).to_string();
            if (list.is_string() && list == "all") {
                a.layers[module] = {"all"};
                continue;
            }
            if (!list.is_array())
                throw SpecError(where, "expected a list of layer names or \"all\", got " + json_type_name(list));
            for (std::size_t i = 0; i < list.size(); ++i) {
                if (!list[i].is_string())
                    throw SpecError(where + "/" + std::to_string(i),
                                    "expected a layer name, got " + json_type_name(list[i]));
                a.layers[module].push_back(list[i].get<std::string>());
            }
        }
    }
    a.after_states = r.strings("after_states", a.after_states);
    a.initial = r.boolean("initial", a.initial);
    a.times = parse_times(r, a.times);
    r.finish();
    return a;
}

DreamRecord parse_dreams(ObjectReader& r) {
    DreamRecord d;
    d.enabled = r.boolean("enabled", d.enabled);
    d.images = r.integer("images", d.images, 1, 1 << 20);
    d.states = r.strings("states", d.states);
    d.times = parse_times(r, d.times);
    r.finish();
    return d;
}

PlasticityRecord parse_plasticity(ObjectReader& r) {
    PlasticityRecord p;
    p.enabled = r.boolean("enabled", p.enabled);
    p.vector_epochs = r.integers("vector_epochs", p.vector_epochs, -1000000, 1000000);
    r.finish();
    return p;
}

RecordSpec parse_record(ObjectReader& r) {
    RecordSpec rec;
    rec.path = r.string("path", rec.path);
    if (rec.path.empty()) throw SpecError(r.at("path").to_string(), "the log path is empty");
    rec.progress_every = r.integer("progress_every", rec.progress_every, 1, kMaxInt);
    rec.checkpoint = r.boolean("checkpoint", rec.checkpoint);
    rec.checkpoint_every = r.integer("checkpoint_every", rec.checkpoint_every, 0, 1 << 30);
    rec.flush_every = r.integer("flush_every", rec.flush_every, 0, kMaxInt);
    auto sub = [&](const char* key, auto parse, auto& out) {
        if (const Json* j = r.child(key)) {
            if (!j->is_object())
                throw SpecError(r.at(key).to_string(), "expected an object, got " + json_type_name(*j));
            ObjectReader o(*j, r.at(key));
            out = parse(o);
        }
    };
    sub("activity", parse_activity, rec.activity);
    sub("dreams", parse_dreams, rec.dreams);
    sub("plasticity", parse_plasticity, rec.plasticity);
    rec.hippocampus = r.boolean("hippocampus", rec.hippocampus);
    r.finish();
    return rec;
}

}  // namespace

// The record section names modules, layers and states that exist.
void check_record(const ExperimentSpec& spec) {
    const std::vector<std::string> cycle = spec.schedule.states_run();
    auto check_states = [&](const std::vector<std::string>& names, const std::string& where) {
        for (std::size_t i = 0; i < names.size(); ++i)
            if (std::find(cycle.begin(), cycle.end(), names[i]) == cycle.end())
                throw SpecError(where + "/" + std::to_string(i),
                                unknown_name("brain state of the schedule", names[i], cycle));
    };
    check_states(spec.record.activity.after_states, "/record/activity/after_states");
    check_states(spec.record.dreams.states, "/record/dreams/states");
    std::vector<std::string> module_names;
    for (const auto& m : spec.modules) module_names.push_back(m.name);
    for (const auto& [module, layers] : spec.record.activity.layers) {
        const std::string where = "/record/activity/layers/" + module;
        const ModuleSpec* m = spec.module(module);
        if (!m) throw SpecError(where, unknown_name("module", module, module_names));
        auto allowed = recordable_layers(*m);
        if (allowed.empty())
            throw SpecError(where,
                            "module \"" + module + "\" is a " + to_string(m->kind) + "; it has no layers to record");
        for (std::size_t i = 0; i < layers.size(); ++i)
            if (layers[i] != "all" && std::find(allowed.begin(), allowed.end(), layers[i]) == allowed.end())
                throw SpecError(where + "/" + std::to_string(i), unknown_name("layer", layers[i], allowed));
    }
}

namespace {

EvalSpec parse_eval(ObjectReader& r, std::int64_t training_epochs) {
    EvalSpec e;
    if (const Json* epochs = r.child("epochs"); epochs && epochs->is_string()) {
        if (*epochs != "all")
            throw SpecError(r.at("epochs").to_string(),
                            "expected \"all\" or a list of epochs, got \"" + epochs->get<std::string>() + "\"");
        e.epochs.clear();
        for (std::int64_t k = 0; k < training_epochs; ++k) e.epochs.push_back(k);
    } else {
        e.epochs = r.integers("epochs", e.epochs, -1000000, 1000000);
    }
    e.initial = r.boolean("initial", e.initial);
    if (const Json* lr = r.child("linear_readout")) {
        ObjectReader o(*lr, r.at("linear_readout"));
        ReadoutSpec& ro = e.linear_readout;
        ro.enabled = o.boolean("enabled", ro.enabled);
        ro.epochs = o.integer("epochs", ro.epochs, 1, 100000);
        ro.lr = o.number("lr", ro.lr, 0.0, 100.0);
        ro.batch_size = o.integer("batch_size", ro.batch_size, 1, 1 << 20);
        ro.train_images = o.integer("train_images", ro.train_images, 0, kMaxInt);
        ro.test_images = o.integer("test_images", ro.test_images, 0, kMaxInt);
        ro.seeds = o.integers("seeds", ro.seeds, 0, kMaxInt);
        if (ro.seeds.empty()) throw SpecError(o.at("seeds").to_string(), "give at least one readout seed");
        ro.features = o.choice("features", ro.features, {"raw", "standardized"});
        ro.occlusion_levels = o.numbers("occlusion_levels", ro.occlusion_levels, 0.0, 1.0);
        ro.occlusion_tile = o.integer("occlusion_tile", ro.occlusion_tile, 1, 32);
        ro.occlusion_seed = o.integer("occlusion_seed", ro.occlusion_seed, 0, kMaxInt);
        o.finish();
    }
    if (const Json* g = r.child("latent_geometry")) {
        ObjectReader o(*g, r.at("latent_geometry"));
        LatentGeometrySpec& lg = e.latent_geometry;
        lg.enabled = o.boolean("enabled", lg.enabled);
        lg.intra_pairs = o.integer("intra_pairs", lg.intra_pairs, 1, kMaxInt);
        lg.inter_pairs = o.integer("inter_pairs", lg.inter_pairs, 1, kMaxInt);
        lg.occluded_pairs = o.integer("occluded_pairs", lg.occluded_pairs, 1, kMaxInt);
        lg.occlusion_level = o.number("occlusion_level", lg.occlusion_level, 0.0, 1.0);
        lg.occlusion_tile = o.integer("occlusion_tile", lg.occlusion_tile, 1, 32);
        lg.seed = o.integer("seed", lg.seed, 0, kMaxInt);
        o.finish();
    }
    if (const Json* p = r.child("pca")) {
        ObjectReader o(*p, r.at("pca"));
        e.pca.enabled = o.boolean("enabled", e.pca.enabled);
        e.pca.images = o.integer("images", e.pca.images, 3, kMaxInt);
        e.pca.components = o.integer("components", e.pca.components, 2, 1024);
        o.finish();
    }
    if (const Json* v = r.child("overlap")) {
        ObjectReader o(*v, r.at("overlap"));
        OverlapSpec& ov = e.overlap;
        ov.enabled = o.boolean("enabled", ov.enabled);
        ov.samples = o.integer("samples", ov.samples, 4, kMaxInt);
        ov.units = o.integers("units", ov.units, 1, 64);
        if (ov.units.empty()) throw SpecError(o.at("units").to_string(), "give at least one unit count");
        ov.seed = o.integer("seed", ov.seed, 0, kMaxInt);
        o.finish();
    }
    if (const Json* d = r.child("dream_content")) {
        ObjectReader o(*d, r.at("dream_content"));
        DreamContentSpec& dc = e.dream_content;
        dc.pointer = o.where().to_string();
        dc.enabled = o.boolean("enabled", dc.enabled);
        dc.states = o.strings("states", dc.states);
        dc.images = o.integer("images", dc.images, 0, 1 << 20);
        dc.test_images = o.integer("test_images", dc.test_images, 1, kMaxInt);
        o.finish();
        if (dc.enabled && !e.linear_readout.enabled)
            throw SpecError(
                dc.pointer + "/enabled",
                "dream content is classified by the linear readout's classifier: enable eval.linear_readout too");
    }
    r.finish();
    return e;
}

// Cross-section checks: names used by the schedule and the conductor exist.
void check_references(const ExperimentSpec& spec) {
    std::vector<std::string> state_names;
    for (const auto& s : spec.states) state_names.push_back(s.name);
    auto check_state = [&](const std::string& name, const std::string& where) {
        if (!spec.state(name)) throw SpecError(where, unknown_name("brain state", name, state_names));
    };
    auto check_epochs = [&](const std::vector<std::int64_t>& epochs, const std::string& where) {
        for (std::size_t i = 0; i < epochs.size(); ++i) {
            const std::int64_t e = epochs[i], n = spec.schedule.epochs;
            if (e >= n || e < -n)
                throw SpecError(where + "/" + std::to_string(i),
                                "epoch " + std::to_string(e) + " is outside the schedule's " + std::to_string(n) +
                                    " epochs (0.." + std::to_string(n - 1) + ", or -1.." + std::to_string(-n) +
                                    " from the end)");
        }
    };
    const ScheduleSpec& schedule = spec.schedule;
    for (std::size_t i = 0; i < schedule.cycle.size(); ++i)
        check_state(schedule.cycle[i], "/schedule/cycle/" + std::to_string(i));
    for (const auto& e : schedule.night.episodes) check_state(e.state, e.pointer + "/state");
    for (const auto& p : schedule.protocols) {
        check_epochs(p.epochs, p.pointer + "/epochs");
        for (std::size_t i = 0; i < p.deprive.size(); ++i)
            if (p.deprive[i] != "sleep")
                check_state(p.deprive[i], p.pointer + "/deprive" + (p.deprive_listed ? "/" + std::to_string(i) : ""));
        if (!p.instead.empty()) check_state(p.instead, p.pointer + "/instead");
        if (!p.arousal_state.empty()) check_state(p.arousal_state, p.pointer + "/fragment/arousal");
        for (const auto& [state, factor] : p.episode_scale) check_state(state, p.pointer + "/episode_scale/" + state);
        const bool night = schedule.night.cycles > 0;
        if (!night && (p.night_length != 1.0 || p.fragment_every > 0 || !p.episode_scale.empty() || !p.instead.empty()))
            throw SpecError(p.pointer,
                            "this protocol acts on nights, but the schedule has none: add a \"night\" (sleep in the "
                            "day's cycle can only be deprived)");
    }
    const DreamContentSpec& dreams = spec.eval.dream_content;
    for (std::size_t i = 0; i < dreams.states.size(); ++i)
        check_state(dreams.states[i], dreams.pointer + "/states/" + std::to_string(i));
    for (const auto& m : spec.modules) {
        const auto* conductor = std::get_if<ConductorParams>(&m.params);
        if (!conductor) continue;
        for (const auto& [state, levels] : conductor->levels)
            if (!spec.state(state))
                throw SpecError(m.pointer + "/levels/" + state, unknown_name("brain state", state, state_names));
        for (const auto& s : spec.states)
            if (!conductor->levels.count(s.name))
                throw SpecError(m.pointer + "/levels", "no ACh/NA levels for brain state \"" + s.name + "\"");
        for (const auto& d : conductor->doses) {
            for (std::size_t i = 0; i < d.states.size(); ++i)
                if (!spec.state(d.states[i]))
                    throw SpecError(d.pointer + "/states/" + std::to_string(i),
                                    unknown_name("brain state", d.states[i], state_names));
            check_epochs(d.epochs, d.pointer + "/epochs");
        }
    }
}

}  // namespace

const char* to_string(ModuleKind kind) {
    switch (kind) {
        case ModuleKind::encoder: return "encoder";
        case ModuleKind::generator: return "generator";
        case ModuleKind::discriminator: return "discriminator";
        case ModuleKind::hippocampus: return "hippocampus";
        case ModuleKind::conductor: return "conductor";
        case ModuleKind::dream: return "dream module";
    }
    return "?";
}

const char* area_family(const std::string& type) {
    if (type.rfind("pad_", 0) == 0) return "pad";
    if (type.rfind("stochastic_", 0) == 0 || type == "critic") return "stochastic";
    return "";
}

std::vector<std::string> recordable_layers(const ModuleSpec& m) {
    if (const auto* s = std::get_if<StochasticAreaParams>(&m.params)) {
        auto names = hierarchy_layer_names(s->layers.size());
        if (m.kind == ModuleKind::encoder) return {names.begin() + 1, names.end()};
        std::vector<std::string> out(names.rbegin() + 1, names.rend());
        out.back() = "output";
        return out;
    }
    switch (m.kind) {
        case ModuleKind::encoder: return {"layer1", "layer2", "layer3", "z"};
        case ModuleKind::generator: return {"layer1", "layer2", "layer3", "output"};
        case ModuleKind::discriminator: return {"output"};
        default: return {};
    }
}

bool epoch_listed(const std::vector<std::int64_t>& epochs, std::int64_t epoch, std::int64_t total) {
    for (std::int64_t e : epochs)
        if (e == epoch || (e < 0 && total + e == epoch)) return true;
    return false;
}

bool SampleTimes::includes_epoch(std::int64_t epoch, std::int64_t epochs_total) const {
    return epochs.empty() || epoch_listed(epochs, epoch, epochs_total);
}

bool SampleTimes::at(std::int64_t epoch, std::int64_t iteration, std::int64_t epochs_total,
                     std::int64_t last_step_end) const {
    if (!includes_epoch(epoch, epochs_total)) return false;
    if (iteration == last_step_end - 1) return true;
    return every_iterations > 0 && iteration % every_iterations == 0;
}

const ModuleSpec* ExperimentSpec::module(const std::string& n) const {
    for (const auto& m : modules)
        if (m.name == n) return &m;
    return nullptr;
}

const StateSpec* ExperimentSpec::state(const std::string& n) const {
    for (const auto& s : states)
        if (s.name == n) return &s;
    return nullptr;
}

Json default_modules() {
    return Json::parse(R"({
      "V1_encoder":    {"type": "pad_encoder",   "latent_dim": 256, "features": 64},
      "V1_generator":  {"type": "pad_generator", "latent_dim": 256, "features": 64},
      "discriminator": {"type": "pad_discriminator"},
      "hippocampus":   {"type": "hippocampus", "capacity": 2, "partner": "previous"},
      "conductor":     {"type": "conductor", "levels": {
                          "wake": {"ach": 1.0, "na": 1.0},
                          "nrem": {"ach": 0.0, "na": 0.0},
                          "rem":  {"ach": 1.0, "na": 0.0}}}
    })");
}

Json default_pathways() {
    return Json::parse(R"([
      {"from": "V1_encoder",   "to": "hippocampus",   "kind": "feedforward"},
      {"from": "V1_encoder",   "to": "discriminator", "kind": "feedforward"},
      {"from": "hippocampus",  "to": "V1_generator",  "kind": "replay"},
      {"from": "V1_generator", "to": "V1_encoder",    "kind": "feedback"},
      {"from": "conductor",    "to": "V1_encoder",    "kind": "neuromodulatory"},
      {"from": "conductor",    "to": "V1_generator",  "kind": "neuromodulatory"},
      {"from": "conductor",    "to": "discriminator", "kind": "neuromodulatory"}
    ])");
}

Json default_states() {
    return Json::parse(R"({
      "wake": {"type": "wake"},
      "nrem": {"type": "nrem"},
      "rem":  {"type": "rem"}
    })");
}

ExperimentSpec parse_spec_sections(const Json& document) {
    ExperimentSpec spec;
    ObjectReader root(document, JsonPointer());
    spec.source = document;

    spec.name = root.string("name", spec.name);
    spec.seed = root.integer("seed", spec.seed, 0, kMaxInt);
    spec.device = root.string("device", spec.device);
    static const std::regex device_name("auto|cpu|cuda(:[0-9]+)?");
    if (!std::regex_match(spec.device, device_name))
        throw SpecError("/device",
                        "unknown device \"" + spec.device + "\" (expected \"auto\", \"cpu\", \"cuda\" or \"cuda:N\")");
    spec.threads = root.integer("threads", spec.threads, 0, 4096);
    spec.deterministic = root.boolean("deterministic", spec.deterministic);
    root.string("description", "");  // free text for the reader of the spec

    auto section = [&](const char* key, Json fallback) {
        const Json* j = root.child(key);
        if (!j) spec.source[key] = fallback;
        return j ? *j : fallback;
    };
    {
        Json j = section("data", Json::object());
        ObjectReader r(j, root.at("data"));
        spec.data = parse_data(r);
    }
    spec.modules = parse_modules(section("modules", default_modules()), root.at("modules"));
    spec.pathways = parse_pathways(section("pathways", default_pathways()), root.at("pathways"));
    spec.states = parse_states(section("states", default_states()), root.at("states"));
    {
        Json j = section("schedule", Json::object());
        ObjectReader r(j, root.at("schedule"));
        spec.schedule = parse_schedule(r);
    }
    {
        Json j = section("training", Json::object());
        ObjectReader r(j, root.at("training"));
        spec.training = parse_training(r);
    }
    {
        Json j = section("record", Json::object());
        ObjectReader r(j, root.at("record"));
        spec.record = parse_record(r);
    }
    {
        Json j = section("eval", Json::object());
        ObjectReader r(j, root.at("eval"));
        spec.eval = parse_eval(r, spec.schedule.epochs);
    }
    root.finish();

    check_references(spec);
    return spec;
}

}  // namespace somnus

namespace somnus {

std::int64_t NightSpec::iterations() const {
    std::int64_t per_cycle = 0;
    for (const auto& e : episodes) per_cycle += e.iterations;
    return cycles * per_cycle;
}

std::vector<std::string> ScheduleSpec::states_run() const {
    std::vector<std::string> names;
    auto add = [&](const std::string& n) {
        if (!n.empty() && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    };
    for (const auto& s : cycle) add(s);
    if (night.cycles > 0)
        for (const auto& e : night.episodes) add(e.state);
    for (const auto& p : protocols) {
        add(p.instead);
        if (p.fragment_every > 0) add(p.arousal_state.empty() ? cycle.front() : p.arousal_state);
    }
    return names;
}

}  // namespace somnus
