#include "sim/record/probes.hpp"

#include <algorithm>

#include "sim/record/probe_support.hpp"
#include "sim/spec/catalog.hpp"

namespace somnus {

std::vector<std::string> cycle_states(const ExperimentSpec& spec) { return spec.schedule.states_run(); }

std::int64_t steps_in_epoch(const Timeline* timeline, const StepEvent& e) {
    if (!timeline) return e.clock.iterations_in_epoch;
    return timeline->epochs[static_cast<std::size_t>(e.clock.epoch)].last_iteration_of(*e.state) + 1;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

void append_tensor(LogFile& log, const std::string& path, const torch::Tensor& tensor) {
    auto t = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    if (t.dim() == 0) t = t.reshape({1});
    std::vector<std::int64_t> row_shape(t.sizes().begin() + 1, t.sizes().end());
    log.append_rows(path, t.data_ptr<float>(), t.size(0), row_shape);
}

void append_clock(LogFile& log, const std::string& group, const StepClock& clock) {
    log.append(group + "/step", clock.step);
    log.append(group + "/epoch", clock.epoch);
    log.append(group + "/iteration", clock.iteration);
}

void describe_clock(LogFile& log, const std::string& group, const std::string& what) {
    log.describe(group + "/step", "run step (mini-batch index since the start; -1 = before training) of each " + what,
                 "iteration");
    log.describe(group + "/epoch", "epoch (0-based; -1 = before training) of each " + what, "epoch");
    log.describe(group + "/iteration", "mini-batch index within the epoch of each " + what, "iteration");
}

std::string unit_of(const ModuleSpec& module, const std::string& layer) {
    if (layer != "output") return "a.u. (activation)";
    const ModuleType* type = find_module_type(module.type);
    return type ? type->output_unit : "";
}

// One line per probe.
std::vector<std::unique_ptr<Observer>> make_probes(const ExperimentSpec& spec, LogFile& log) {
    std::vector<std::unique_ptr<Observer>> probes;
    const RecordSpec& r = spec.record;
    if (r.activity.enabled) probes.push_back(make_activity_probe(spec, log));
    if (r.dreams.enabled) probes.push_back(make_dream_probe(spec, log));
    if (r.plasticity.enabled) probes.push_back(make_plasticity_probe(spec, log));
    if (r.hippocampus) probes.push_back(make_hippocampus_probe(log));
    return probes;
}

}  // namespace somnus
