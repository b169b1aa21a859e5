// The activity probe: activity of the cortical areas on fixed probe images, the
// first test images, the same all run ("record": {"activity": {...}}).
#include <algorithm>
#include <map>
#include <set>

#include "data/image_set.hpp"
#include "sim/model/model.hpp"
#include "sim/record/probe_support.hpp"

namespace somnus {

namespace {

// Activity of cortical areas on fixed probe inputs: the first `probe_images`
// images of the test set, the same for the whole run.
struct ActivityRecord {
    std::int64_t probe_images = 500;
    // module name -> layers (encoder: layer1..layer3, z; generator: layer1..layer3,
    // output; discriminator: output). Empty: encoder z, generator output, discriminator output.
    std::map<std::string, std::vector<std::string>> layers;
    std::vector<std::string> after_states;  // sampled after these states' steps; empty = every state of the schedule
    bool initial = true;                    // also sample before the first step (state "initial")
    SampleTimes times;
};

// "layers": {module: [layer names] | "all"}.
void read_layers(ObjectReader& r, ActivityRecord& a) {
    const Json* layers = r.child("layers");
    if (!layers) return;
    if (!layers->is_object())
        throw SpecError(r.at("layers").to_string(), "expected an object {module: [layers]}, got " + json_type_name(*layers));
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
                throw SpecError(where + "/" + std::to_string(i), "expected a layer name, got " + json_type_name(list[i]));
            a.layers[module].push_back(list[i].get<std::string>());
        }
    }
}

const Fields<ActivityRecord>& activity_fields() {
    static const Fields<ActivityRecord> fields{
        "activity", "cortical activity on fixed probe images: the first test images, the same all run",
        field::joined<ActivityRecord>(
            {field::declared<ActivityRecord>(boolean("enabled", true, "record it")),
             field::integer("probe_images", &ActivityRecord::probe_images, 1, 100000, "test images shown to the areas")
                 .in("images"),
             field::custom<ActivityRecord>(
                 shaped("layers", Json::object(), "{module: [layer names] | \"all\"}",
                        {{"type", "object"},
                         {"additionalProperties",
                          {{"anyOf",
                            Json::array({{{"const", "all"}}, {{"type", "array"}, {"items", {{"type", "string"}}}}})}}}},
                        "layers recorded per module; {} = the encoder's z, the generator's output and the "
                        "discriminator's output"),
                 read_layers),
             field::strings("after_states", &ActivityRecord::after_states,
                            "sampled after these states' steps; [] = every state"),
             field::boolean("initial", &ActivityRecord::initial, "also sample before the first step (state \"initial\")")},
            field::part(&ActivityRecord::times, sample_time_fields()))};
    return fields;
}

ModuleParams parse_activity(ObjectReader& r) { return activity_fields().read(r); }

// The states it samples after are run by the schedule; the modules and layers it records exist.
void check_activity(const ExperimentSpec& spec, const ProbeSpec& probe) {
    const auto& record = probe.params.get<ActivityRecord>();
    check_states_run(spec, record.after_states, probe.pointer + "/after_states");
    std::vector<std::string> module_names;
    for (const auto& m : spec.modules) module_names.push_back(m.name);
    for (const auto& [module, layers] : record.layers) {
        const std::string where = probe.pointer + "/layers/" + module;
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

class ActivityProbe : public Observer {
public:
    ActivityProbe(const ExperimentSpec& spec, const ActivityRecord& record, LogFile& log)
        : spec_(spec), log_(log), record_(record) {}

    void run_started(const RunInfo& info) override {
        model_ = info.model;
        epochs_ = info.epochs;
        timeline_ = info.timeline;
        const ImageSet& test = *info.test;  // the run's, loaded once
        const std::int64_t n = std::min(record_.probe_images, test.size());
        images_ = test.images.slice(0, 0, n).to(model_->device);
        log_.describe("/probe/images",
                      "probe images: the first N test images, preprocessed as the network sees them (N, C, H, W)",
                      "normalised intensity");
        log_.describe("/probe/labels", "class label of each probe image", "class");
        log_.describe("/probe/indices", "index of each probe image in the test set", "1");
        append_tensor(log_, "/probe/images", images_);
        std::vector<std::int64_t> labels(test.labels.data_ptr<std::int64_t>(),
                                         test.labels.data_ptr<std::int64_t>() + n);
        std::vector<std::int64_t> indices(n);
        for (std::int64_t i = 0; i < n; ++i) indices[i] = i;
        log_.write("/probe/labels", labels, {n});
        log_.write("/probe/indices", indices, {n});

        // Which layers of which modules: the spec's, or each area's output by default.
        const Roles& roles = model_->circuit.roles();
        layers_ = record_.layers;
        if (layers_.empty()) {
            layers_[model_->circuit.name(roles.encoder)] = {"z"};
            layers_[model_->circuit.name(roles.generator)] = {"output"};
            if (roles.discriminator) layers_[model_->circuit.name(*roles.discriminator)] = {"output"};
            for (const auto& c : model_->critics) layers_[c.name] = {"output"};
        }
        for (auto& [module, layers] : layers_)
            if (contains(layers, "all")) layers = recordable_layers(*spec_.module(module));
        after_states_ = record_.after_states.empty() ? cycle_states(spec_) : record_.after_states;
        if (record_.initial) sample("initial", StepClock{-1, -1, -1});
    }

    void step_done(const StepEvent& e) override {
        if (contains(after_states_, *e.state) &&
            record_.times.at(e.clock.epoch, e.clock.iteration, epochs_, steps_in_epoch(timeline_, e)))
            sample(*e.state, e.clock);
    }

private:
    void sample(const std::string& state, const StepClock& clock) {
        torch::NoGradGuard no_grad;
        const Roles& roles = model_->circuit.roles();
        std::map<std::string, std::vector<torch::Tensor>> chunks;  // "module/layer" -> per-chunk activity
        for (std::int64_t start = 0; start < images_.size(0); start += 256) {
            auto x = images_.slice(0, start, start + 256);
            // Noise-free activity of every layer, named as the areas name them.
            auto enc = model_->encoder->activations(x);
            std::map<std::string, torch::Tensor> seen;
            const auto enc_names = model_->encoder->layer_names();
            for (std::size_t i = 0; i < enc.size(); ++i)
                seen[model_->circuit.name(roles.encoder) + "/" + enc_names[i]] = enc[i];
            const std::string generator = model_->circuit.name(roles.generator);
            if (layers_.count(generator)) {
                auto gen = model_->generator->activations(enc.back());
                const auto gen_names = model_->generator->layer_names();
                for (std::size_t i = 0; i < gen.size(); ++i) seen[generator + "/" + gen_names[i]] = gen[i];
            }
            if (roles.discriminator)
                seen[model_->circuit.name(*roles.discriminator) + "/output"] = model_->discriminate(enc);
            if (!model_->critics.empty()) {  // critics score the noise-free wake hierarchy
                Hierarchy h{x.flatten(1)};
                h.insert(h.end(), enc.begin(), enc.end());
                for (const auto& c : model_->critics) {
                    Critic critic = c.critic;  // a handle on the same module
                    seen[c.name + "/output"] = critic->forward(c.layers_of(h)).score;
                }
            }
            for (const auto& [module, layers] : layers_)
                for (const auto& layer : layers) chunks[module + "/" + layer].push_back(seen.at(module + "/" + layer));
        }
        const std::string group = "/activity/" + state;
        if (!described_.count(state)) {
            described_.insert(state);
            describe_clock(log_, group, "sample (taken after this state's step)");
            for (const auto& [module, layers] : layers_)
                for (const auto& layer : layers)
                    log_.describe(group + "/" + module + "/" + layer,
                                  "activity of " + module + " (" + to_string(spec_.module(module)->kind) + ") " +
                                      layer + " on the probe images, (samples, N, ...) after " + state + " steps",
                                  unit_of(*spec_.module(module), layer));
        }
        append_clock(log_, group, clock);
        for (const auto& [name, parts] : chunks) {
            auto all = torch::cat(parts, 0);
            append_tensor(log_, group + "/" + name, all.unsqueeze(0));
        }
    }

    const ExperimentSpec& spec_;
    LogFile& log_;
    ActivityRecord record_;
    Model* model_ = nullptr;
    std::int64_t epochs_ = 0;
    const Timeline* timeline_ = nullptr;
    torch::Tensor images_;
    std::map<std::string, std::vector<std::string>> layers_;
    std::vector<std::string> after_states_;
    std::set<std::string> described_;
};

}  // namespace

ProbeType activity_probe_type() {
    return {"activity",
            "activity of the cortical areas on probe images",
            &activity_fields().parameters(),
            true,
            parse_activity,
            check_activity,
            make_probe<ActivityProbe, ActivityRecord>,
            /*shows_test_images=*/true};
}

}  // namespace somnus
