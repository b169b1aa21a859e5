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

#include "data/datasets.hpp"
#include "hippocampus/params.hpp"
#include "sim/spec/catalog.hpp"
#include "sim/spec/sections.hpp"

namespace somnus {

namespace {

// ---- the top level, data, training ---------------------------------------------
const ParameterSet& optimizer_parameters() {
    const OptimizerSpec o;
    static const ParameterSet set{"optimizer",
                                  "Adam for one set of weights; the keys it leaves out take these defaults",
                                  {number("lr", o.lr, 0.0, 10.0, "learning rate"),
                                   number("beta1", o.beta1, 0.0, 1.0, "Adam's first-moment decay"),
                                   number("beta2", o.beta2, 0.0, 1.0, "Adam's second-moment decay"),
                                   number("eps", o.eps, 0.0, 1.0, "Adam's epsilon"),
                                   number("weight_decay", o.weight_decay, 0.0, 1.0,
                                          "L2 added to the gradient, as torch.optim.Adam (not AdamW)")}};
    return set;
}

OptimizerSpec parse_optimizer(ObjectReader& r) {
    OptimizerSpec o;
    o.lr = r.number("lr");
    o.beta1 = r.number("beta1");
    o.beta2 = r.number("beta2");
    o.eps = r.number("eps");
    o.weight_decay = r.number("weight_decay");
    r.finish();
    return o;
}

}  // namespace

const ParameterSet& data_parameters() {
    const DataSpec d;
    static const ParameterSet set{
        "data",
        "the images: which data set, where, how many, how normalised",
        {choice("dataset", name_of(d.dataset), names_of<Dataset>(), "the data set"),
         text("path", d.path, "its folder")
             .defaulting("\"" + d.path + "\" (fashion-mnist), else \"datasets/<dataset>\""),
         integer("train_subset", d.train_subset, 0, kNoLimit,
                 "a random training subset of this size; 0 = every training image")
             .in("images"),
         number("mean", d.mean, -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                "pixels x in [0, 1] become (x - mean) / std"),
         number("std", d.std, 1e-12, std::numeric_limits<double>::infinity(), "see mean")}};
    return set;
}

DataSpec parse_data(ObjectReader& r) {
    DataSpec d;
    d.dataset = r.choice_of<Dataset>("dataset");
    d.path = r.string("path", d.dataset == Dataset::fashion_mnist ? d.path : "datasets/" + name_of(d.dataset));
    d.train_subset = r.integer("train_subset");
    d.mean = r.number("mean");
    d.std = r.number("std");
    r.finish();
    return d;
}

const ParameterSet& training_parameters() {
    const TrainingSpec t;
    static const ParameterSet set{
        "training",
        "the optimizers and the loss conventions",
        {object("encoder_optimizer", optimizer_parameters(), "Adam of the feedforward pathway (encoder)"),
         object("generator_optimizer", optimizer_parameters(), "Adam of the feedback pathway (generator)"),
         object("critic_optimizer", optimizer_parameters(),
                "Adam of the WGAN critics (adversarial wake-sleep); left out: lr 0.0004, beta2 0.99"),
         boolean("adam_steps_on_zero_grad", t.adam_steps_on_zero_grad,
                 "PyTorch 1.x semantics of the reference: zero-filled gradients still step Adam; false = PyTorch 2"),
         choice("loss_normalisation", name_of(t.loss_normalisation), names_of<LossNormalisation>(),
                "MSE averaged over every element (reference code), or summed per image and averaged over the "
                "batch (paper)")}};
    return set;
}

TrainingSpec parse_training(ObjectReader& r) {
    TrainingSpec t;
    for (auto [key, out] :
         {std::make_pair("encoder_optimizer", &t.encoder), std::make_pair("generator_optimizer", &t.generator),
          std::make_pair("critic_optimizer", &t.critic)})
        if (const Json* j = r.child(key)) {
            ObjectReader o(*j, r.at(key), optimizer_parameters());
            *out = parse_optimizer(o);
        } else {  // resolved as the defaults it keeps
            resolve_as(r.at(key), {{"lr", out->lr},
                                   {"beta1", out->beta1},
                                   {"beta2", out->beta2},
                                   {"eps", out->eps},
                                   {"weight_decay", out->weight_decay}});
        }
    t.adam_steps_on_zero_grad = r.boolean("adam_steps_on_zero_grad");
    t.loss_normalisation = r.choice_of<LossNormalisation>("loss_normalisation");
    r.finish();
    return t;
}

const ParameterSet& spec_parameters() {
    const ExperimentSpec spec;
    static const ParameterSet set{
        "spec",
        "an experiment: the circuit, its brain states, the schedule, what is recorded and evaluated",
        {text("$schema", "", "the JSON Schema an editor checks this spec against (experiments/somnus.schema.json)")
             .defaulting("(none)"),
         text("extends", "", "a spec this one is merged over (its path relative to this file)").defaulting("(none)"),
         text("name", spec.name, "the experiment's name: runs, tables and plots are named by it"),
         text("description", "", "free text for the reader of the spec"),
         integer("seed", spec.seed, 0, kNoLimit,
                 "seeds LibTorch (initialisation, noise, occlusion) and the data order"),
         shaped("device", spec.device, "\"auto\", \"cpu\", \"cuda\" or \"cuda:N\"",
                {{"type", "string"}, {"pattern", "^(auto|cpu|cuda(:[0-9]+)?)$"}},
                "where it trains: auto = CUDA when LibTorch sees a GPU"),
         integer("threads", spec.threads, 0, 4096, "LibTorch CPU threads; 0 = all cores"),
         boolean("deterministic", spec.deterministic,
                 "GPU: deterministic cuDNN algorithms only, so a seed repeats bitwise"),
         object("data", data_parameters(), "the images"),
         typed_table("modules", "module type", "the circuit's modules by name, each with a \"type\"")
             .defaulting("PAD's circuit (experiments/pad.json)"),
         objects("pathways", pathway_parameters(), "the circuit's connections")
             .defaulting("PAD's circuit (experiments/pad.json)"),
         typed_table("states", "brain state", "the brain states by name; \"type\" defaults to the name")
             .defaulting("wake, nrem and rem"),
         object("schedule", schedule_parameters(), "days, nights and sleep protocols"),
         object("training", training_parameters(), "optimizers and loss conventions"),
         object("record", record_parameters(), "what the log holds"),
         object("eval", eval_parameters(), "evaluations of the encoder")}};
    return set;
}

void check_states_run(const ExperimentSpec& spec, const std::vector<std::string>& names, const std::string& where) {
    const std::vector<std::string> cycle = spec.schedule.states_run();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (std::find(cycle.begin(), cycle.end(), names[i]) == cycle.end())
            throw SpecError(where + "/" + std::to_string(i), unknown_name("brain state of the schedule", names[i], cycle));
}

// The record section's probes name modules, layers and states that exist (each probe's own check).
void check_record(const ExperimentSpec& spec) {
    for (const ProbeSpec& probe : spec.record.probes) {
        const ProbeType* type = find_probe_type(probe.name);
        if (type && type->check) type->check(spec, probe);
    }
}

const ProbeSpec* RecordSpec::probe(const std::string& name) const {
    for (const ProbeSpec& p : probes)
        if (p.name == name) return &p;
    return nullptr;
}

bool RecordSpec::shows_test_images() const {
    for (const ProbeSpec& p : probes) {
        const ProbeType* type = find_probe_type(p.name);
        if (p.enabled && type && type->shows_test_images) return true;
    }
    return false;
}

namespace {

// eval.retention's tasks: each distinct day's classes, in the order the days show them
// ("days"); given lists are checked against the data set's classes.
void resolve_retention_tasks(ExperimentSpec& spec) {
    RetentionSpec& rt = spec.eval.retention;
    if (!rt.enabled) return;
    const std::int64_t classes = dataset_classes(spec.data.dataset);
    if (rt.tasks_from_days) {
        if (!spec.schedule.days_differ())
            throw SpecError(rt.pointer + "/tasks",
                            "\"days\" tests each day's classes, but every day shows every class (schedule.days is "
                            "\"interleaved\"): list the tasks, e.g. [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]");
        for (const auto& day : spec.schedule.day_classes)
            if (std::find(rt.tasks.begin(), rt.tasks.end(), day) == rt.tasks.end()) rt.tasks.push_back(day);
        return;
    }
    for (std::size_t t = 0; t < rt.tasks.size(); ++t)
        for (std::size_t i = 0; i < rt.tasks[t].size(); ++i)
            if (rt.tasks[t][i] >= classes)
                throw SpecError(rt.pointer + "/tasks/" + std::to_string(t) + "/" + std::to_string(i),
                                "class " + std::to_string(rt.tasks[t][i]) + " is not a class of the data set (0-" +
                                    std::to_string(classes - 1) + ")");
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
    // A cue weights the draw of memories from the store: there must be a store that draws.
    for (const auto& p : schedule.protocols) {
        if (!p.cues()) continue;
        const ModuleSpec* store = spec.hippocampus();
        if (!store)
            throw SpecError(p.pointer + "/cue", "a cue weights the replay of stored memories; the circuit has no hippocampus");
        if (store->params.get<HippocampusParams>().replay == ReplaySource::newest)
            throw SpecError("/modules/" + store->name + "/replay",
                            "the cue of " + p.pointer + " weights the draw of memories from the store, but replay "
                            "\"newest\" draws none (it replays the mini-batch Wake just stored): give \"memories\" or "
                            "\"episode\"");
    }
    const DreamContentSpec& dreams = spec.eval.dream_content;
    for (std::size_t i = 0; i < dreams.states.size(); ++i)
        check_state(dreams.states[i], dreams.pointer + "/states/" + std::to_string(i));
    for (const auto& m : spec.modules) {
        const auto* conductor = m.params.get_if<ConductorParams>();
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

bool epoch_listed(const std::vector<std::int64_t>& epochs, std::int64_t epoch, std::int64_t total) {
    for (std::int64_t e : epochs)
        if (e == epoch || (e < 0 && total + e == epoch)) return true;
    return false;
}

bool SleepProtocol::acts_on(std::int64_t epoch, std::int64_t epochs_total) const {
    return epochs.empty() || epoch_listed(epochs, epoch, epochs_total);
}

const ModuleSpec* ExperimentSpec::module(const std::string& n) const {
    for (const auto& m : modules)
        if (m.name == n) return &m;
    return nullptr;
}

const ModuleSpec* ExperimentSpec::hippocampus() const {
    for (const auto& m : modules)
        if (m.params.get_if<HippocampusParams>()) return &m;
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
    SpecResolution resolution;
    ObjectReader root(document, JsonPointer(), spec_parameters());
    spec.as_written = document;

    root.schema_reference("somnus.schema.json");
    spec.name = root.string("name");
    spec.seed = root.integer("seed");
    spec.device = root.string("device", spec.device);
    static const std::regex device_name("auto|cpu|cuda(:[0-9]+)?");
    if (!std::regex_match(spec.device, device_name))
        throw SpecError("/device",
                        "unknown device \"" + spec.device + "\" (expected \"auto\", \"cpu\", \"cuda\" or \"cuda:N\")");
    spec.threads = root.integer("threads");
    spec.deterministic = root.boolean("deterministic");
    if (root.child("description")) root.string("description");  // free text for the reader, not a parameter

    // A section as given, or its default; resolved whole, then its reader adds the defaults inside.
    auto section = [&](const char* key, Json fallback) {
        const Json* j = root.child(key);
        if (!j) resolve_as(root.at(key), fallback);
        return j ? *j : fallback;
    };
    auto object_section = [&](const char* key, auto parse) {
        ObjectReader r = root.object(key);
        return parse(r);
    };
    spec.data = object_section("data", parse_data);
    spec.modules = parse_modules(section("modules", default_modules()), root.at("modules"));
    spec.pathways = parse_pathways(section("pathways", default_pathways()), root.at("pathways"));
    spec.states = parse_states(section("states", default_states()), root.at("states"));
    spec.schedule = object_section(
        "schedule", [&](ObjectReader& r) { return parse_schedule(r, dataset_classes(spec.data.dataset)); });
    spec.training = object_section("training", parse_training);
    spec.record = object_section("record", parse_record);
    spec.eval = object_section("eval", [&](ObjectReader& r) { return parse_eval(r, spec.schedule.epochs); });
    root.finish();
    spec.source = resolution.document();

    resolve_retention_tasks(spec);
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
