// What the probes (sim/record/*_probe.cpp) share: their factories, which
// make_probes (probes.cpp) calls, and helpers for writing samples to the log.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "sim/record/log_file.hpp"
#include "sim/run/observer.hpp"
#include "sim/run/schedule.hpp"

namespace somnus {

std::unique_ptr<Observer> make_activity_probe(const ExperimentSpec& spec, LogFile& log);
std::unique_ptr<Observer> make_dream_probe(const ExperimentSpec& spec, LogFile& log);
std::unique_ptr<Observer> make_plasticity_probe(const ExperimentSpec& spec, LogFile& log);
std::unique_ptr<Observer> make_hippocampus_probe(LogFile& log);

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
