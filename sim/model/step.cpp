#include "sim/model/step.hpp"

#include <limits>

namespace somnus {

double StepReport::loss(const std::string& term) const {
    for (const auto& [name, value] : losses)
        if (name == term) return value;
    return std::numeric_limits<double>::quiet_NaN();
}

std::shared_ptr<const StateSamples> samples_of(std::initializer_list<std::pair<const char*, torch::Tensor>> tensors) {
    auto samples = std::make_shared<StateSamples>();
    for (const auto& [name, tensor] : tensors)
        if (tensor.defined()) samples->tensors.emplace_back(name, tensor.detach());
    return samples;
}

}  // namespace somnus
