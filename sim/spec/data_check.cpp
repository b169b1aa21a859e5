#include "sim/spec/data_check.hpp"

#include <string>

#include "data/datasets.hpp"

namespace somnus {

void check_data(const ExperimentSpec& spec) {
    const DataSpec& data = spec.data;
    const std::int64_t available = training_set_size(data);
    if (data.train_subset > available)
        throw SpecError("/data/train_subset", "train_subset " + std::to_string(data.train_subset) +
                                                  " is larger than the training set (" + std::to_string(available) +
                                                  " images of " + name_of(data.dataset) + " in " + data.path + ")");
    const std::int64_t images = data.train_subset > 0 ? data.train_subset : available;
    if (spec.schedule.batch_size > images)
        throw SpecError("/schedule/batch_size",
                        "batch_size " + std::to_string(spec.schedule.batch_size) + " is larger than the " +
                            std::to_string(images) + " training images" +
                            (data.train_subset > 0 ? " of data.train_subset" : "") + ": not one mini-batch a pass");
}

}  // namespace somnus
