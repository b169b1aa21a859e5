// The plasticity probe: weight change and signed gradient of each pathway in each
// state ("record": {"plasticity": {...}}).
#include <algorithm>
#include <map>
#include <set>

#include "sim/model/model.hpp"
#include "sim/record/probe_support.hpp"

namespace somnus {

namespace {

// Norms every step, inner products per epoch, and the feedforward change vectors at chosen epochs.
struct PlasticityRecord {
    std::vector<std::int64_t> vector_epochs{-1};  // negative counts from the end; [] = none
};

const Fields<PlasticityRecord>& plasticity_fields() {
    static const Fields<PlasticityRecord> fields{
        "plasticity",
        "weight change and signed gradient of each pathway in each state",
        {field::declared<PlasticityRecord>(
             boolean("enabled", true, "record norms every step and inner products every epoch")),
         field::integers("vector_epochs", &PlasticityRecord::vector_epochs, -1000000, 1000000,
                         "epochs whose feedforward change vectors are kept (negative: from the end); [] = none")
             .in("epochs")}};
    return fields;
}

ModuleParams parse_plasticity(ObjectReader& r) { return plasticity_fields().read(r); }

class PlasticityProbe : public Observer {
public:
    PlasticityProbe(const ExperimentSpec& spec, const PlasticityRecord& record, LogFile& log)
        : spec_(spec), log_(log), record_(record) {}

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
        log_.attribute(
            "/plasticity", "description",
            std::string("weight change (after the optimizer) and gradient (as the optimizer used it, after the "
                        "conductor's plasticity sign; 0 when the pathway's sign is 0) of each pathway, "
                        "summed over each state's steps within an epoch"));
        // Where each parameter tensor lies in the flattened pathway vectors.
        auto feedforward = model_->pathway_modules(PathwayKind::feedforward);
        auto feedback = model_->pathway_modules(PathwayKind::feedback);
        for (const auto& [pathway, modules] :
             {std::make_pair("feedforward", feedforward), std::make_pair("feedback", feedback)}) {
            std::vector<std::string> names;
            std::vector<std::int64_t> offsets{0};
            for (const auto& [module_name, module] : modules)
                for (const auto& item : module->named_parameters()) {
                    names.push_back(module_name + "." + item.key());
                    offsets.push_back(offsets.back() + item.value().numel());
                }
            const std::string base = std::string("/plasticity/") + pathway;
            log_.attribute(base, "parameters", names);
            log_.describe(base + "/parameter_offsets",
                          "start of each parameter tensor in the flattened weight vector (last = length)", "1");
            log_.write(base + "/parameter_offsets", offsets, {std::int64_t(offsets.size())});
            log_.describe(base + "/epoch", "epoch of each row of this group's per-epoch datasets", "epoch");
            log_.describe(base + "/weight_change_norm",
                          "L2 norm of the weight change summed over each state's steps in the epoch, (epochs, states)",
                          "weight units");
            log_.describe(base + "/gradient_norm",
                          "L2 norm of the gradient summed over each state's steps in the epoch, (epochs, states)",
                          "loss / weight units");
            log_.describe(base + "/weight_change_cosine",
                          "cosine between the states' summed weight changes in the epoch, (epochs, states, states)",
                          "1");
            log_.describe(base + "/gradient_cosine",
                          "cosine between the states' summed gradients in the epoch, (epochs, states, states)", "1");
        }
        log_.describe("/plasticity/feedforward/vector_epoch", "epoch of each row of weight_change/<state>", "epoch");
        for (const auto& s : states_)
            log_.describe(
                "/plasticity/feedforward/weight_change/" + s,
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
            const bool learned =
                model_->learned(name == "feedforward" ? PathwayKind::feedforward : PathwayKind::feedback);
            if (!described_.count(base + name)) {
                described_.insert(base + name);
                log_.describe(base + name + "_weight_change_norm",
                              "L2 norm of the " + name + " weight change of this step", "weight units");
                log_.describe(base + name + "_gradient_norm",
                              "L2 norm of the " + name + " gradient the optimizer used in this step",
                              "loss / weight units");
            }
            // Norms stay on the device until the log's next flush reads them all at once.
            log_.append(base + name + "_weight_change_norm", change.norm());
            torch::Tensor gradient_norm;
            if (learned) gradient_norm = add_gradient(*pathway.params, gradient_sum_[name][*e.state], pathway.size);
            if (gradient_norm.defined())
                log_.append(base + name + "_gradient_norm", gradient_norm);
            else
                log_.append(base + name + "_gradient_norm", 0.0);
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
        for (const auto& [kind, sums] :
             {std::make_pair("change", &change_sum_), std::make_pair("gradient", &gradient_sum_)})
            for (const auto& [pathway, by_state] : *sums)
                for (const auto& [state, sum] : by_state)
                    if (sum.defined()) archive.write(std::string(kind) + "." + pathway + "." + state, sum);
    }
    void restore_state(torch::serialize::InputArchive& archive) override {
        for (const auto& [kind, sums] :
             {std::make_pair("change", &change_sum_), std::make_pair("gradient", &gradient_sum_)})
            for (const auto& pathway : pathways_)
                for (const auto& state : states_) {
                    torch::Tensor sum;
                    if (archive.try_read(std::string(kind) + "." + pathway.name + "." + state, sum))
                        (*sums)[pathway.name][state] = sum;
                }
    }

private:
    // Adds the parameters' gradients to `sum` (float64, flattened in parameter order);
    // returns the L2 norm of the whole gradient (0-dim, on the device; undefined
    // when no parameter has a gradient).
    static torch::Tensor add_gradient(const std::vector<torch::Tensor>& params, torch::Tensor& sum, std::int64_t size) {
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
        return norms.empty() ? torch::Tensor() : torch::stack(norms).norm();
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
        return it != sums.end() ? it->second
                                : torch::zeros({size}, torch::kFloat64);  // host: plasticity sums are kept on the CPU
    }
    // Norms and cosines of the states' summed vectors.
    void write_geometry(const std::string& prefix, const std::map<std::string, torch::Tensor>& sums,
                        std::int64_t size) {
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
        std::int64_t size;     // elements of the flattened weight vector
        torch::Tensor before;  // the weights as the step began; after it, the step's change
    };
    std::vector<Pathway> pathways_;                                                          // feedforward first
    std::map<std::string, std::map<std::string, torch::Tensor>> change_sum_, gradient_sum_;  // pathway -> state -> sum
    std::set<std::string> described_;
};

}  // namespace

ProbeType plasticity_probe_type() {
    return {"plasticity",
            "plasticity of each pathway",
            &plasticity_fields().parameters(),
            true,
            parse_plasticity,
            nullptr,
            make_probe<PlasticityProbe, PlasticityRecord>};
}

}  // namespace somnus
