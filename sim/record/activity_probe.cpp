// The activity probe: activity on fixed probe images.
#include <algorithm>
#include <map>
#include <set>

#include "data/image_set.hpp"
#include "sim/model/model.hpp"
#include "sim/record/probe_support.hpp"

namespace somnus {

namespace {

class ActivityProbe : public Observer {
public:
    ActivityProbe(const ExperimentSpec& spec, LogFile& log) : spec_(spec), log_(log), record_(spec.record.activity) {}

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

std::unique_ptr<Observer> make_activity_probe(const ExperimentSpec& spec, LogFile& log) {
    return std::make_unique<ActivityProbe>(spec, log);
}

}  // namespace somnus
