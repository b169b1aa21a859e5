// What one step of a brain state reports, and where in the run it happens:
// the vocabulary shared by the states (sim/states/), the dream modules (dreams/)
// and the observers of a run (sim/run/observer.hpp).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace somnus {

// Tensors of a state's own mini-batch that recorders may sample (detached),
// e.g. {"dream", (B,C,H,W)}, {"discriminator_output", (B)}.
struct StateSamples {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
};

// A StateSamples from name/tensor pairs, detached.
std::shared_ptr<const StateSamples> samples_of(std::initializer_list<std::pair<const char*, torch::Tensor>> tensors);

// Named scalars a step measured, in the order a state reports them: 0-dim
// tensors, detached, kept where they were computed (on a GPU run, in the GPU's
// memory), so that a step never waits for the device to hand a number back.
// The runner reads a window of steps' values to the host in one transfer
// (read_scalars; record.read_every).
using Measures = std::vector<std::pair<std::string, torch::Tensor>>;

// A number the host already holds (e.g. a rate drawn on the host), as a measure.
torch::Tensor host_measure(double value);

// Named scalars read to the host, in the order a state reports them.
using NamedValues = std::vector<std::pair<std::string, double>>;

// What one brain-state step reports.
struct StepReport {
    Measures losses;                              // loss terms, e.g. {"reconstruction", 0.03}
    Measures observables;                         // other measurements, e.g. the NREM occlusion rate
    std::shared_ptr<const StateSamples> samples;  // e.g. the dream; may be null
    // One loss term read to the host now (on a GPU a wait for the device: for
    // tests and tools, not for the training loop); NaN when absent.
    double loss(const std::string& term) const;
};

// A step's losses and observables, read to the host.
struct StepValues {
    NamedValues losses;
    NamedValues observables;
};

// 0-dim tensors read to the host as float64, in the order given: those on a GPU
// in one transfer (a single wait for the device), those on the host directly.
// Reading a float32 value gives exactly what .item<double>() gives.
std::vector<double> read_scalars(const std::vector<torch::Tensor>& scalars);

// Where in the run a step happens.
struct StepClock {
    std::int64_t epoch = 0;                // 0-based; an epoch is a day and the night after it
    std::int64_t iteration = 0;            // mini-batch index within the epoch (day, then night), 0-based
    std::int64_t step = 0;                 // mini-batch index since the start of the run
    std::int64_t iterations_in_epoch = 0;  // mini-batches of this epoch (its day and night)
    const char* part = "day";              // "day", "night", "arousal" or "kept awake" (sim/run/schedule.hpp)
    bool last_of_epoch() const { return iteration + 1 == iterations_in_epoch; }
};

}  // namespace somnus
