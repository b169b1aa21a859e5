#include "sim/record/probes.hpp"

#include <algorithm>

#include "sim/record/probe_support.hpp"

namespace somnus {

ProbeType activity_probe_type();
ProbeType dream_probe_type();
ProbeType plasticity_probe_type();
ProbeType hippocampus_probe_type();

// The probes, one line each, in the order they run and `somnus describe` lists them.
const ProbeTypeRegistration probes{{
    activity_probe_type(),
    dream_probe_type(),
    plasticity_probe_type(),
    hippocampus_probe_type(),
}};

bool SampleTimes::includes_epoch(std::int64_t epoch, std::int64_t epochs_total) const {
    return epochs.empty() || epoch_listed(epochs, epoch, epochs_total);
}

bool SampleTimes::at(std::int64_t epoch, std::int64_t iteration, std::int64_t epochs_total,
                     std::int64_t last_step_end) const {
    if (!includes_epoch(epoch, epochs_total)) return false;
    if (iteration == last_step_end - 1) return true;
    return every_iterations > 0 && iteration % every_iterations == 0;
}

const Fields<SampleTimes>& sample_time_fields() {
    static const Fields<SampleTimes> fields{
        "sample_times", "when a probe samples",
        {field::integer("every_iterations", &SampleTimes::every_iterations, 0, kNoLimit,
                        "also sample after every this many iterations of a chosen epoch; 0 = after each state's last "
                        "step of the epoch only")
             .in("mini-batches"),
         field::epochs("epochs", &SampleTimes::epochs, "epochs sampled; [] or \"all\" = every epoch")}};
    return fields;
}

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

std::vector<std::unique_ptr<Observer>> make_probes(const ExperimentSpec& spec, LogFile& log) {
    std::vector<std::unique_ptr<Observer>> made;
    for (const ProbeSpec& probe : spec.record.probes)
        if (probe.enabled) made.push_back(find_probe_type(probe.name)->make(spec, probe, log));
    return made;
}

}  // namespace somnus
