// What the probes (sim/record/*_probe.cpp) share: when a probe samples (SampleTimes,
// its keys declared once), and helpers for writing samples to the log. A probe
// registers in probes.cpp (sim/spec/catalog.hpp: ProbeType).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "sim/record/log_file.hpp"
#include "sim/spec/fields.hpp"
#include "sim/run/observer.hpp"
#include "sim/run/schedule.hpp"
#include "sim/spec/catalog.hpp"
#include "sim/spec/reader.hpp"

namespace somnus {

// When a probe samples a state: after its last step in each chosen epoch (a day
// state before the night begins) and, when every_iterations > 0, after every
// iteration i of a chosen epoch with i % every_iterations == 0.
struct SampleTimes {
    std::int64_t every_iterations = 0;
    std::vector<std::int64_t> epochs;  // empty = all; negative counts from the end (-1 = the last)
    // `last_step_end`: 1 + the iteration of the state's last step in this epoch.
    bool at(std::int64_t epoch, std::int64_t iteration, std::int64_t epochs_total, std::int64_t last_step_end) const;
    bool includes_epoch(std::int64_t epoch, std::int64_t epochs_total) const;
};
// Its keys ("every_iterations", "epochs"), each bound to its field, shared by the probes
// that sample at times: field::part(&Record::times, sample_time_fields()).
const Fields<SampleTimes>& sample_time_fields();

// A ProbeType's factory for a probe constructed as Probe(spec, its Record, log).
template <class Probe, class Record>
std::unique_ptr<Observer> make_probe(const ExperimentSpec& spec, const ProbeSpec& probe, LogFile& log) {
    return std::make_unique<Probe>(spec, probe.params.get<Record>(), log);
}

// The distinct states the schedule runs, in order of appearance.
std::vector<std::string> cycle_states(const ExperimentSpec& spec);
// For SampleTimes: a probe samples each state at its last step of a chosen epoch
// (a state of the day has its last step before the night begins).
std::int64_t steps_in_epoch(const Timeline* timeline, const StepEvent& e);
bool contains(const std::vector<std::string>& names, const std::string& name);
// Queues a tensor as rows (its first axis) of a float32 dataset.
void append_tensor(LogFile& log, const std::string& path, const torch::Tensor& tensor);
// Queues one sample's time index (step, epoch, iteration) under `group`.
void append_clock(LogFile& log, const std::string& group, const StepClock& clock);
void describe_clock(LogFile& log, const std::string& group, const std::string& what);
// The unit of a recorded layer of a module.
std::string unit_of(const ModuleSpec& module, const std::string& layer);

}  // namespace somnus
