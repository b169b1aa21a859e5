#include "sim/model/step.hpp"

#include <limits>

namespace somnus {

torch::Tensor host_measure(double value) { return torch::scalar_tensor(value, torch::kFloat64); }

double StepReport::loss(const std::string& term) const {
    for (const auto& [name, value] : losses)
        if (name == term) return value.item<double>();
    return std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> read_scalars(const std::vector<torch::Tensor>& scalars) {
    std::vector<double> values(scalars.size());
    std::vector<torch::Tensor> on_device;  // as float64, one element each
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < scalars.size(); ++i) {
        if (scalars[i].is_cpu()) {
            values[i] = scalars[i].item<double>();
        } else {
            on_device.push_back(scalars[i].reshape({1}).to(torch::kFloat64));
            where.push_back(i);
        }
    }
    if (on_device.empty()) return values;
    const torch::Tensor host = torch::cat(on_device).cpu();  // the one transfer
    const double* read = host.data_ptr<double>();
    for (std::size_t k = 0; k < where.size(); ++k) values[where[k]] = read[k];
    return values;
}

std::shared_ptr<const StateSamples> samples_of(std::initializer_list<std::pair<const char*, torch::Tensor>> tensors) {
    auto samples = std::make_shared<StateSamples>();
    for (const auto& [name, tensor] : tensors)
        if (tensor.defined()) samples->tensors.emplace_back(name, tensor.detach());
    return samples;
}

}  // namespace somnus
