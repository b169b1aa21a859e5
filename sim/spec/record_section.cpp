// The spec's "record": what the HDF5 log holds (activity, dreams, plasticity,
// the hippocampus), how often it is written, and the checkpoints.
#include "sim/spec/sections.hpp"

namespace somnus {

namespace {

// The keys of a probe's sample times, shared by "activity" and "dreams".
std::vector<Parameter> sample_time_parameters() {
    return {integer("every_iterations", 0, 0, kNoLimit,
                    "also sample after every this many iterations of a chosen epoch; 0 = after each state's last step "
                    "of the epoch only")
                .in("mini-batches"),
            epoch_list("epochs", {}, "epochs sampled; [] or \"all\" = every epoch")};
}

SampleTimes parse_times(ObjectReader& r, SampleTimes t) {
    t.every_iterations = r.integer("every_iterations", t.every_iterations);
    t.epochs = parse_epoch_list(r, "epochs");
    return t;
}

const ParameterSet& activity_parameters() {
    const ActivityRecord a;
    static const ParameterSet set{
        "activity", "cortical activity on fixed probe images: the first test images, the same all run",
        joined({boolean("enabled", a.enabled, "record it"),
                integer("probe_images", a.probe_images, 1, 100000, "test images shown to the areas").in("images"),
                shaped("layers", Json::object(), "{module: [layer names] | \"all\"}",
                       {{"type", "object"},
                        {"additionalProperties",
                         {{"anyOf",
                           Json::array({{{"const", "all"}}, {{"type", "array"}, {"items", {{"type", "string"}}}}})}}}},
                       "layers recorded per module; {} = the encoder's z, the generator's output and the "
                       "discriminator's output"),
                strings("after_states", a.after_states, "sampled after these states' steps; [] = every state"),
                boolean("initial", a.initial, "also sample before the first step (state \"initial\")")},
               sample_time_parameters())};
    return set;
}

ActivityRecord parse_activity(ObjectReader& r) {
    ActivityRecord a;
    a.enabled = r.boolean("enabled");
    a.probe_images = r.integer("probe_images");
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
    a.after_states = r.strings("after_states");
    a.initial = r.boolean("initial");
    a.times = parse_times(r, a.times);
    r.finish();
    return a;
}

const ParameterSet& dreams_parameters() {
    const DreamRecord d;
    static const ParameterSet set{
        "dreams", "samples of each state's own mini-batch: inputs, reconstructions, dreams",
        joined({boolean("enabled", d.enabled, "record them"),
                integer("images", d.images, 1, 1 << 20, "first rows of the mini-batch kept").in("images"),
                strings("states", d.states, "states sampled; [] = every state of the schedule")},
               sample_time_parameters())};
    return set;
}

DreamRecord parse_dreams(ObjectReader& r) {
    DreamRecord d;
    d.enabled = r.boolean("enabled");
    d.images = r.integer("images");
    d.states = r.strings("states");
    d.times = parse_times(r, d.times);
    r.finish();
    return d;
}

const ParameterSet& plasticity_parameters() {
    const PlasticityRecord p;
    static const ParameterSet set{
        "plasticity",
        "weight change and signed gradient of each pathway in each state",
        {boolean("enabled", p.enabled, "record norms every step and inner products every epoch"),
         integers("vector_epochs", p.vector_epochs, -1000000, 1000000,
                  "epochs whose feedforward change vectors are kept (negative: from the end); [] = none")
             .in("epochs")}};
    return set;
}

PlasticityRecord parse_plasticity(ObjectReader& r) {
    PlasticityRecord p;
    p.enabled = r.boolean("enabled");
    p.vector_epochs = r.integers("vector_epochs");
    r.finish();
    return p;
}

}  // namespace

const ParameterSet& record_parameters() {
    const RecordSpec rec;
    static const ParameterSet set{
        "record",
        "the HDF5 log and the checkpoints",
        {text("path", rec.path, "the HDF5 log; the model goes next to it (.pt); somnus run --out replaces it"),
         integer("progress_every", rec.progress_every, 1, kNoLimit, "iterations between progress lines")
             .in("mini-batches"),
         boolean("checkpoint", rec.checkpoint, "save the trained model next to the log"),
         integer("checkpoint_every", rec.checkpoint_every, 0, 1 << 30,
                 "iterations between resumable checkpoints inside an epoch; 0 = at epoch ends and on a stop only")
             .in("mini-batches"),
         integer("flush_every", rec.flush_every, 0, kNoLimit,
                 "iterations between writes of the log inside an epoch; 0 = at epoch ends only")
             .in("mini-batches"),
         integer("read_every", rec.read_every, 0, kNoLimit,
                 "iterations between reads of the losses from the device, in one transfer (no value changes); "
                 "0 = every step on the CPU, every progress_every on a GPU")
             .in("mini-batches"),
         object("activity", activity_parameters(), "activity of the cortical areas on probe images"),
         object("dreams", dreams_parameters(), "samples of each state's mini-batch"),
         object("plasticity", plasticity_parameters(), "plasticity of each pathway"),
         boolean("hippocampus", rec.hippocampus, "record occupancy, replayed episodes and their ages")}};
    return set;
}

RecordSpec parse_record(ObjectReader& r) {
    RecordSpec rec;
    rec.path = r.string("path");
    if (rec.path.empty()) throw SpecError(r.at("path").to_string(), "the log path is empty");
    rec.progress_every = r.integer("progress_every");
    rec.checkpoint = r.boolean("checkpoint");
    rec.checkpoint_every = r.integer("checkpoint_every");
    rec.flush_every = r.integer("flush_every");
    rec.read_every = r.integer("read_every");
    // A probe's object; left out, its defaults.
    ObjectReader activity = r.object("activity");
    rec.activity = parse_activity(activity);
    ObjectReader dreams = r.object("dreams");
    rec.dreams = parse_dreams(dreams);
    ObjectReader plasticity = r.object("plasticity");
    rec.plasticity = parse_plasticity(plasticity);
    rec.hippocampus = r.boolean("hippocampus");
    r.finish();
    return rec;
}

}  // namespace somnus
