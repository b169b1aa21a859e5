// Test helpers on lists of parameter tensors: copies, and how far they moved.
#pragma once

#include <vector>

#include <torch/torch.h>

namespace somnus::test {

inline std::vector<torch::Tensor> snapshot(const std::vector<torch::Tensor>& params) {
    std::vector<torch::Tensor> copy;
    for (const auto& p : params) copy.push_back(p.detach().clone());
    return copy;
}

// Sum of absolute differences between the parameters and a snapshot of them.
inline double change(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& before) {
    double total = 0;
    for (std::size_t i = 0; i < params.size(); ++i) total += (params[i] - before[i]).abs().sum().item<double>();
    return total;
}

}  // namespace somnus::test
