#include "sim/probes.hpp"

#include "sim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "data/datasets.hpp"
#include "sim/brain_state.hpp"
#include "sim/model.hpp"

namespace somnus {

namespace {

// The distinct states the schedule runs, in order of appearance.
std::vector<std::string> cycle_states(const ExperimentSpec& spec) { return spec.schedule.states_run(); }

// For SampleTimes: a probe samples each state at its last step of a chosen epoch
// (a state of the day has its last step before the night begins).
std::int64_t steps_in_epoch(const Timeline* timeline, const StepEvent& e) {
    if (!timeline) return e.clock.iterations_in_epoch;
    return timeline->epochs[static_cast<std::size_t>(e.clock.epoch)].last_iteration_of(*e.state) + 1;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// Queues a tensor as rows (its first axis) of a float32 dataset.
void append_tensor(LogFile& log, const std::string& path, const torch::Tensor& tensor) {
    auto t = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    if (t.dim() == 0) t = t.reshape({1});
    std::vector<std::int64_t> row_shape(t.sizes().begin() + 1, t.sizes().end());
    log.append_rows(path, t.data_ptr<float>(), t.size(0), row_shape);
}

// Queues one sample's time index (step, epoch, iteration) under `group`.
void append_clock(LogFile& log, const std::string& group, const StepClock& clock) {
    log.append(group + "/step", clock.step);
    log.append(group + "/epoch", clock.epoch);
    log.append(group + "/iteration", clock.iteration);
}

void describe_clock(LogFile& log, const std::string& group, const std::string& what) {
    log.describe(group + "/step", "run step (mini-batch index since the start; -1 = before training) of each " + what, "iteration");
    log.describe(group + "/epoch", "epoch (0-based; -1 = before training) of each " + what, "epoch");
    log.describe(group + "/iteration", "mini-batch index within the epoch of each " + what, "iteration");
}

std::string unit_of(const ModuleSpec& module, const std::string& layer) {
    if (layer != "output") return "a.u. (activation)";
    if (module.type == "critic") return "critic score (higher = judged awake)";
    return module.kind == ModuleKind::discriminator ? "probability (1 = judged real)" : "normalised intensity";
}

// ---- activity on fixed probe images ------------------------------------------
class ActivityProbe : public Observer {
public:
    ActivityProbe(const ExperimentSpec& spec, LogFile& log) : spec_(spec), log_(log), record_(spec.record.activity) {}

    void run_started(const RunInfo& info) override {
        model_ = info.model;
        epochs_ = info.epochs;
        timeline_ = info.timeline;
        ImageSet test = load_images(spec_.data, /*train=*/false);
        const std::int64_t n = std::min(record_.probe_images, test.size());
        images_ = test.images.slice(0, 0, n).to(model_->device);
        log_.describe("/probe/images", "probe images: the first N test images, preprocessed as the network sees them (N, C, H, W)", "normalised intensity");
        log_.describe("/probe/labels", "class label of each probe image", "class");
        log_.describe("/probe/indices", "index of each probe image in the test set", "1");
        append_tensor(log_, "/probe/images", images_);
        std::vector<std::int64_t> labels(test.labels.data_ptr<std::int64_t>(), test.labels.data_ptr<std::int64_t>() + n);
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
        if (contains(after_states_, *e.state) && record_.times.at(e.clock.epoch, e.clock.iteration, epochs_, steps_in_epoch(timeline_, e)))
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
            for (std::size_t i = 0; i < enc.size(); ++i) seen[model_->circuit.name(roles.encoder) + "/" + enc_names[i]] = enc[i];
            const std::string generator = model_->circuit.name(roles.generator);
            if (layers_.count(generator)) {
                auto gen = model_->generator->activations(enc.back());
                const auto gen_names = model_->generator->layer_names();
                for (std::size_t i = 0; i < gen.size(); ++i) seen[generator + "/" + gen_names[i]] = gen[i];
            }
            if (roles.discriminator) seen[model_->circuit.name(*roles.discriminator) + "/output"] = model_->discriminator(enc[2]);
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
                                  "activity of " + module + " (" + to_string(spec_.module(module)->kind) + ") " + layer +
                                      " on the probe images, (samples, N, ...) after " + state + " steps",
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

// ---- samples of each state's own mini-batch -------------------------------------
class DreamProbe : public Observer {
public:
    DreamProbe(const ExperimentSpec& spec, LogFile& log) : spec_(spec), log_(log), record_(spec.record.dreams) {}

    void run_started(const RunInfo& info) override {
        epochs_ = info.epochs;
        timeline_ = info.timeline;
        states_ = record_.states.empty() ? cycle_states(spec_) : record_.states;
    }

    void step_done(const StepEvent& e) override {
        if (!e.report->samples || !contains(states_, *e.state)) return;
        if (!record_.times.at(e.clock.epoch, e.clock.iteration, epochs_, steps_in_epoch(timeline_, e))) return;
        const std::string group = "/dreams/" + *e.state;
        if (!described_.count(*e.state)) {
            described_.insert(*e.state);
            describe_clock(log_, group, "sample");
            for (const auto& [name, tensor] : e.report->samples->tensors)
                log_.describe(group + "/" + name,
                              name + " of the " + *e.state + " mini-batch (first rows), (samples, rows, ...)",
                              name == "discriminator_output" ? "probability (1 = judged real)" : "normalised intensity");
        }
        append_clock(log_, group, e.clock);
        for (const auto& [name, tensor] : e.report->samples->tensors)
            append_tensor(log_, group + "/" + name, tensor.slice(0, 0, record_.images).unsqueeze(0));
    }

private:
    const ExperimentSpec& spec_;
    LogFile& log_;
    DreamRecord record_;
    std::int64_t epochs_ = 0;
    const Timeline* timeline_ = nullptr;
    std::vector<std::string> states_;
    std::set<std::string> described_;
};

// ---- plasticity of each pathway in each state -----------------------------------
class PlasticityProbe : public Observer {
public:
    PlasticityProbe(const ExperimentSpec& spec, LogFile& log) : spec_(spec), log_(log), record_(spec.record.plasticity) {}

    void run_started(const RunInfo& info) override {
        model_ = info.model;
        epochs_ = info.epochs;
        states_ = cycle_states(spec_);
        for (const auto& [name, params] : {std::make_pair("feedforward", &model_->feedforward_parameters()),
                                           std::make_pair("feedback", &model_->feedback_parameters())}) {
            std::int64_t size = 0;
            for (const auto& p : *params) size += p.numel();
            pathways_.push_back({name, params, size, {}});
        }
        log_.attribute("/plasticity", "states", states_);
        log_.attribute("/plasticity", "description",
                       std::string("weight change (after the optimizer) and gradient (as the optimizer used it, after the "
                                   "conductor's plasticity sign; 0 when the pathway's sign is 0) of each pathway, "
                                   "summed over each state's steps within an epoch"));
        // Where each parameter tensor lies in the flattened pathway vectors.
        auto feedforward = model_->pathway_modules(PathwayKind::feedforward);
        auto feedback = model_->pathway_modules(PathwayKind::feedback);
        for (const auto& [pathway, modules] : {std::make_pair("feedforward", feedforward), std::make_pair("feedback", feedback)}) {
            std::vector<std::string> names;
            std::vector<std::int64_t> offsets{0};
            for (const auto& [module_name, module] : modules)
                for (const auto& item : module->named_parameters()) {
                    names.push_back(module_name + "." + item.key());
                    offsets.push_back(offsets.back() + item.value().numel());
                }
            const std::string base = std::string("/plasticity/") + pathway;
            log_.attribute(base, "parameters", names);
            log_.describe(base + "/parameter_offsets", "start of each parameter tensor in the flattened weight vector (last = length)", "1");
            log_.write(base + "/parameter_offsets", offsets, {std::int64_t(offsets.size())});
            log_.describe(base + "/epoch", "epoch of each row of this group's per-epoch datasets", "epoch");
            log_.describe(base + "/weight_change_norm", "L2 norm of the weight change summed over each state's steps in the epoch, (epochs, states)", "weight units");
            log_.describe(base + "/gradient_norm", "L2 norm of the gradient summed over each state's steps in the epoch, (epochs, states)", "loss / weight units");
            log_.describe(base + "/weight_change_cosine", "cosine between the states' summed weight changes in the epoch, (epochs, states, states)", "1");
            log_.describe(base + "/gradient_cosine", "cosine between the states' summed gradients in the epoch, (epochs, states, states)", "1");
        }
        log_.describe("/plasticity/feedforward/vector_epoch", "epoch of each row of weight_change/<state>", "epoch");
        for (const auto& s : states_)
            log_.describe("/plasticity/feedforward/weight_change/" + s,
                          "feedforward weight change summed over the epoch's " + s + " steps, flattened (rows, parameters)",
                          "weight units");
    }

    // Every step: the weights as the step begins, copied into one flat buffer per
    // pathway that lives for the run (no allocation per step); after the step the
    // buffer becomes the change, in place, and is added to the state's sum.
    void state_starting(const StepEvent&) override {
        torch::NoGradGuard no_grad;
        for (auto& pathway : pathways_) {
            if (!pathway.before.defined())
                pathway.before = torch::empty({pathway.size}, pathway.params->front().options().dtype(torch::kFloat32));
            std::int64_t at = 0;
            for (const auto& p : *pathway.params) {
                pathway.before.narrow(0, at, p.numel()).copy_(p.reshape(-1));
                at += p.numel();
            }
        }
    }

    void step_done(const StepEvent& e) override {
        torch::NoGradGuard no_grad;
        const std::string base = "/states/" + *e.state + "/plasticity/";
        for (auto& pathway : pathways_) {
            const std::string& name = pathway.name;
            torch::Tensor& change = pathway.before;
            std::int64_t at = 0;
            for (const auto& p : *pathway.params) {
                auto slice = change.narrow(0, at, p.numel());
                torch::sub_out(slice, p.reshape(-1), slice);  // after - before
                at += p.numel();
            }
            const bool learned = model_->learned(name == "feedforward" ? PathwayKind::feedforward : PathwayKind::feedback);
            if (!described_.count(base + name)) {
                described_.insert(base + name);
                log_.describe(base + name + "_weight_change_norm", "L2 norm of the " + name + " weight change of this step", "weight units");
                log_.describe(base + name + "_gradient_norm", "L2 norm of the " + name + " gradient the optimizer used in this step", "loss / weight units");
            }
            log_.append(base + name + "_weight_change_norm", change.norm().item<double>());
            log_.append(base + name + "_gradient_norm", learned ? add_gradient(*pathway.params, gradient_sum_[name][*e.state], pathway.size) : 0.0);
            accumulate(change_sum_[name][*e.state], change);
        }
    }

    void epoch_done(const EpochEvent& e) override {
        torch::NoGradGuard no_grad;
        for (const auto& pathway : pathways_) {
            const std::string base = "/plasticity/" + pathway.name;
            log_.append(base + "/epoch", e.epoch);
            write_geometry(base + "/weight_change", change_sum_[pathway.name], pathway.size);
            write_geometry(base + "/gradient", gradient_sum_[pathway.name], pathway.size);
        }
        if (epoch_listed(record_.vector_epochs, e.epoch, epochs_)) {
            log_.append("/plasticity/feedforward/vector_epoch", e.epoch);
            for (const auto& s : states_)
                append_tensor(log_, "/plasticity/feedforward/weight_change/" + s,
                              sum_or_zero(change_sum_["feedforward"], s, pathways_.front().size).unsqueeze(0));
        }
        change_sum_.clear();
        gradient_sum_.clear();
    }

    // The epoch's sums so far (a checkpoint may fall inside an epoch).
    void save_state(torch::serialize::OutputArchive& archive) override {
        for (const auto& [kind, sums] : {std::make_pair("change", &change_sum_), std::make_pair("gradient", &gradient_sum_)})
            for (const auto& [pathway, by_state] : *sums)
                for (const auto& [state, sum] : by_state)
                    if (sum.defined()) archive.write(std::string(kind) + "." + pathway + "." + state, sum);
    }
    void restore_state(torch::serialize::InputArchive& archive) override {
        for (const auto& [kind, sums] : {std::make_pair("change", &change_sum_), std::make_pair("gradient", &gradient_sum_)})
            for (const auto& pathway : pathways_)
                for (const auto& state : states_) {
                    torch::Tensor sum;
                    if (archive.try_read(std::string(kind) + "." + pathway.name + "." + state, sum)) (*sums)[pathway.name][state] = sum;
                }
    }

private:
    // Adds the parameters' gradients to `sum` (float64, flattened in parameter order);
    // returns the L2 norm of the whole gradient.
    static double add_gradient(const std::vector<torch::Tensor>& params, torch::Tensor& sum, std::int64_t size) {
        if (!sum.defined()) sum = torch::zeros({size}, params.front().options().dtype(torch::kFloat64));
        std::vector<torch::Tensor> norms;
        std::int64_t at = 0;
        for (const auto& p : params) {
            if (p.grad().defined()) {
                sum.narrow(0, at, p.numel()).add_(p.grad().reshape(-1));
                norms.push_back(p.grad().norm());
            }
            at += p.numel();
        }
        return norms.empty() ? 0.0 : torch::stack(norms).norm().item<double>();
    }
    static void accumulate(torch::Tensor& sum, const torch::Tensor& value) {
        if (sum.defined())
            sum.add_(value);
        else
            sum = value.to(torch::kFloat64);
    }
    static torch::Tensor sum_or_zero(const std::map<std::string, torch::Tensor>& sums, const std::string& state,
                                     std::int64_t size) {
        auto it = sums.find(state);
        return it != sums.end() ? it->second : torch::zeros({size}, torch::kFloat64);  // host: plasticity sums are kept on the CPU
    }
    // Norms and cosines of the states' summed vectors.
    void write_geometry(const std::string& prefix, const std::map<std::string, torch::Tensor>& sums, std::int64_t size) {
        std::vector<torch::Tensor> vectors;
        for (const auto& s : states_) vectors.push_back(sum_or_zero(sums, s, size).to(torch::kCPU));
        auto stacked = torch::stack(vectors);  // (S, P)
        auto gram = stacked.matmul(stacked.t());
        auto norms = gram.diagonal().sqrt();
        auto cosine = gram / (norms.unsqueeze(1) * norms.unsqueeze(0)).clamp_min(1e-300);
        cosine.masked_fill_((norms.unsqueeze(1) * norms.unsqueeze(0)) == 0, std::nan(""));
        append_tensor(log_, prefix + "_norm", norms.unsqueeze(0));
        append_tensor(log_, prefix + "_cosine", cosine.unsqueeze(0));
    }

    const ExperimentSpec& spec_;
    LogFile& log_;
    PlasticityRecord record_;
    Model* model_ = nullptr;
    std::int64_t epochs_ = 0;
    std::vector<std::string> states_;
    struct Pathway {
        std::string name;
        const std::vector<torch::Tensor>* params;
        std::int64_t size;      // elements of the flattened weight vector
        torch::Tensor before;   // the weights as the step began; after it, the step's change
    };
    std::vector<Pathway> pathways_;  // feedforward first
    std::map<std::string, std::map<std::string, torch::Tensor>> change_sum_, gradient_sum_;  // pathway -> state -> sum
    std::set<std::string> described_;
};

// ---- hippocampus: occupancy and replay ----------------------------------------
class HippocampusProbe : public Observer {
public:
    explicit HippocampusProbe(LogFile& log) : log_(log) {}

    void run_started(const RunInfo& info) override {
        hippocampus_ = &info.model->hippocampus;
        log_.attribute("/states", "hippocampus_capacity", double(hippocampus_->capacity()));
    }

    void state_starting(const StepEvent&) override { replays_before_ = hippocampus_->last_replay().count; }

    void step_done(const StepEvent& e) override {
        const std::string base = "/states/" + *e.state + "/hippocampus/";
        if (!described_.count(*e.state)) {
            described_.insert(*e.state);
            log_.describe(base + "occupancy", "episodes held after this step", "episodes");
            log_.describe(base + "episodes_stored", "episodes stored since the start of the run (the newest has number episodes_stored - 1)", "episodes");
            log_.describe(base + "replayed_episode", "number of the episode replayed in this step (-1 = no replay)", "episode");
            log_.describe(base + "replayed_age", "steps since the replayed episode was stored (-1 = no replay)", "iteration");
            log_.describe(base + "partner_episode", "number of the older episode mixed in (-1 = none)", "episode");
            log_.describe(base + "partner_age", "steps since the mixed-in episode was stored (-1 = none)", "iteration");
            log_.describe(base + "replayed_memories", "memories (rows) the replay drove, fewer than a mini-batch behind a dream filter (0 = no replay)", "memories");
            log_.describe(base + "replayed_salience", "mean amygdala salience of the replayed memories (1 = untagged; NaN = no replay)", "1");
        }
        const ReplayRecord& r = hippocampus_->last_replay();
        const bool replayed = r.count != replays_before_;
        auto age = [&](std::int64_t stored) { return replayed && stored >= 0 ? e.clock.step - stored : std::int64_t(-1); };
        log_.append(base + "occupancy", hippocampus_->occupancy());
        log_.append(base + "episodes_stored", hippocampus_->episodes_stored());
        log_.append(base + "replayed_episode", replayed ? r.episode : std::int64_t(-1));
        log_.append(base + "replayed_age", age(r.episode_step));
        log_.append(base + "partner_episode", replayed ? r.partner : std::int64_t(-1));
        log_.append(base + "partner_age", r.partner >= 0 ? age(r.partner_step) : std::int64_t(-1));
        log_.append(base + "replayed_memories", replayed ? r.memories : std::int64_t(0));
        log_.append(base + "replayed_salience", replayed ? r.salience : std::nan(""));
    }

private:
    LogFile& log_;
    const Hippocampus* hippocampus_ = nullptr;
    std::int64_t replays_before_ = 0;
    std::set<std::string> described_;
};

}  // namespace

std::vector<std::unique_ptr<Observer>> make_probes(const ExperimentSpec& spec, LogFile& log) {
    std::vector<std::unique_ptr<Observer>> probes;
    const RecordSpec& r = spec.record;
    if (r.activity.enabled) probes.push_back(std::make_unique<ActivityProbe>(spec, log));
    if (r.dreams.enabled) probes.push_back(std::make_unique<DreamProbe>(spec, log));
    if (r.plasticity.enabled) probes.push_back(std::make_unique<PlasticityProbe>(spec, log));
    if (r.hippocampus) probes.push_back(std::make_unique<HippocampusProbe>(log));
    return probes;
}

}  // namespace somnus
