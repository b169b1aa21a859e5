// Probes: observers that read the model's modules (found through the circuit)
// and queue what they see in the run's log. Each is one file here and one
// registration line in probes.cpp; the spec's record section says which run,
// on which modules, layers and states, and how often (each probe's own keys).
//
//   activity    layer activations of cortical areas on fixed probe images
//   dreams      samples of each state's own mini-batch (input, dreams, discriminator outputs)
//   plasticity  weight change and gradient of each pathway in each state
//   hippocampus occupancy, replayed episodes and their ages
#pragma once

#include <memory>
#include <vector>

#include "sim/record/log_file.hpp"
#include "sim/run/observer.hpp"

namespace somnus {

// The probes `spec.record` turns on, in registration order, writing to `log`.
std::vector<std::unique_ptr<Observer>> make_probes(const ExperimentSpec& spec, LogFile& log);

}  // namespace somnus
