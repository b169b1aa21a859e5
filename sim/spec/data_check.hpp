// Whether the data a spec names is there and big enough for it: the one check
// of a spec that reads files (their headers only), made by every command
// before it runs or writes anything.
#pragma once

#include "sim/spec/spec.hpp"

namespace somnus {

// Its files exist (DataError naming a missing one), data.train_subset is at most
// the training set, and one mini-batch fits in the images a run trains on
// (SpecError at /data/train_subset or /schedule/batch_size).
void check_data(const ExperimentSpec& spec);

}  // namespace somnus
