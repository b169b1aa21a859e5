#include "sim/eval/classifiers.hpp"

#include <ATen/CPUGeneratorImpl.h>

namespace somnus {

torch::Tensor LinearClassifiers::logits(const torch::Tensor& x) const {
    // (1, N, D) x (S, D, C) -> (S, N, C), plus each seed's bias.
    return torch::matmul(x.unsqueeze(0), weight.transpose(1, 2)) + bias.unsqueeze(1);
}

torch::Tensor LinearClassifiers::correct(const torch::Tensor& x, const torch::Tensor& y) const {
    torch::NoGradGuard no_grad;
    return logits(x).argmax(2).eq(y.unsqueeze(0)).sum(1);
}

torch::nn::Linear LinearClassifiers::linear(std::int64_t s) const {
    torch::NoGradGuard no_grad;
    at::Generator global = at::detail::getDefaultCPUGenerator();
    const auto state = global.get_state();  // a Linear draws its initial weights: the stream is put back
    torch::nn::Linear out(weight.size(2), weight.size(1));
    global.set_state(state);
    out->to(weight.device());
    out->weight.copy_(weight[s]);
    out->bias.copy_(bias[s]);
    return out;
}

LinearClassifiers train_linear_classifiers(
    const torch::Tensor& x, const torch::Tensor& y, const ClassifierTraining& training,
    const std::function<void(std::int64_t, const LinearClassifiers&)>& after_epoch) {
    torch::NoGradGuard no_grad;  // the gradient is written out below
    const std::int64_t n = x.size(0), d = x.size(1), c = training.classes, b = training.batch_size;
    const auto s = static_cast<std::int64_t>(training.seeds.size());
    TORCH_CHECK(s > 0 && n >= b, "linear classifiers: no seed, or fewer rows than one mini-batch of ", b);

    // Each seed's initialisation as LibTorch's Linear draws it after manual_seed(seed), and
    // the generator as that draw leaves it: the stream its epochs' orders come from.
    std::vector<torch::Tensor> weights, biases;
    std::vector<at::Generator> streams;
    for (std::int64_t seed : training.seeds) {
        torch::manual_seed(static_cast<std::uint64_t>(seed));
        torch::nn::Linear alone(d, c);
        weights.push_back(alone->weight.detach());
        biases.push_back(alone->bias.detach());
        streams.push_back(at::detail::getDefaultCPUGenerator().clone());
    }
    LinearClassifiers k;
    k.weight = torch::stack(weights).to(x.device());
    k.bias = torch::stack(biases).to(x.device());

    const auto cpu_int64 = torch::TensorOptions().dtype(torch::kInt64);
    const auto minus_one = torch::full({s, b, 1}, -1.0, x.options());
    for (std::int64_t epoch = 0; epoch < training.epochs; ++epoch) {
        std::vector<torch::Tensor> orders;
        for (auto& stream : streams)
            orders.push_back(torch::randperm(n, stream, cpu_int64));  // host: from each seed's CPU stream, as alone
        const auto order = torch::stack(orders).to(x.device());  // (S, N)
        for (std::int64_t i = 0; i + b <= n; i += b) {
            const auto rows = order.slice(1, i, i + b).reshape({s * b});
            const auto xb = x.index_select(0, rows).view({s, b, d});  // (S, B, D)
            const auto yb = y.index_select(0, rows).view({s, b, 1});
            // G = (softmax(X W^T + b) - onehot(y)) / B, per seed; the softmax as exp(log_softmax),
            // as autograd's cross-entropy gradient computes it.
            auto g = torch::baddbmm(k.bias.unsqueeze(1), xb, k.weight.transpose(1, 2)).log_softmax(2).exp_();
            g.scatter_add_(2, yb, minus_one).div_(double(b));
            k.weight.sub_(torch::bmm(g.transpose(1, 2), xb), training.lr);  // W_s -= lr G^T X_B
            k.bias.sub_(g.sum(1), training.lr);                             // b_s -= lr sum_i G_i
        }
        if (after_epoch) after_epoch(epoch, k);
    }
    // The global stream as training the seeds in turn would have left it.
    at::Generator global = at::detail::getDefaultCPUGenerator();  // a handle on the global generator
    global.set_state(streams.back().get_state());
    return k;
}

}  // namespace somnus
