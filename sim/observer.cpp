#include "sim/observer.hpp"

#include "sim/brain_state.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace somnus {

double StepReport::loss(const std::string& term) const {
    for (const auto& [name, value] : losses)
        if (name == term) return value;
    return std::numeric_limits<double>::quiet_NaN();
}

double ReadoutSeed::mean_of_last(std::size_t n) const {
    n = std::min(n, test_accuracy.size());
    return std::accumulate(test_accuracy.end() - n, test_accuracy.end(), 0.0) / double(n);
}

std::shared_ptr<const StateSamples> samples_of(std::initializer_list<std::pair<const char*, torch::Tensor>> tensors) {
    auto samples = std::make_shared<StateSamples>();
    for (const auto& [name, tensor] : tensors)
        if (tensor.defined()) samples->tensors.emplace_back(name, tensor.detach());
    return samples;
}

double ReadoutSeed::best() const { return *std::max_element(test_accuracy.begin(), test_accuracy.end()); }

}  // namespace somnus
