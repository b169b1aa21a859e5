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

namespace {

// Each seed's mean cross-entropy on (x, y): (S) float64 on the host.
std::vector<double> mean_cross_entropy(const LinearClassifiers& k, const torch::Tensor& x, const torch::Tensor& y) {
    const auto log_p = k.logits(x).log_softmax(2);  // (S, V, C)
    const auto picked = log_p.gather(2, y.view({1, -1, 1}).expand({k.seeds(), y.size(0), 1}));
    const auto loss = (-picked.squeeze(2).to(torch::kFloat64).mean(1)).cpu().contiguous();
    return {loss.data_ptr<double>(), loss.data_ptr<double>() + loss.numel()};
}

// After an epoch: each seed still running records its validation loss, keeps its
// classifier if the loss is its lowest (its best epoch's, lower by more than
// min_improvement), and loses patience otherwise (epochs since its best). True when
// every seed's patience has run out.
bool validation_step(ValidationStop& v, const LinearClassifiers& k, std::int64_t epoch) {
    const auto loss = mean_cross_entropy(k, v.x, v.y);
    bool all_stopped = true;
    for (std::size_t s = 0; s < loss.size(); ++s) {
        if (v.converged(s)) continue;  // frozen: what it would be alone
        v.loss[s].push_back(loss[s]);
        const bool first = v.best_epoch[s] < 0;
        if (first || loss[s] < v.loss[s][std::size_t(v.best_epoch[s])] - v.min_improvement) {
            v.best_epoch[s] = epoch;
            v.best.weight[std::int64_t(s)].copy_(k.weight[std::int64_t(s)]);
            v.best.bias[std::int64_t(s)].copy_(k.bias[std::int64_t(s)]);
        } else if (epoch - v.best_epoch[s] >= v.patience) {
            v.stopped_epoch[s] = epoch;
        }
        all_stopped = all_stopped && v.converged(s);
    }
    return all_stopped;
}

}  // namespace

LinearClassifiers train_linear_classifiers(
    const torch::Tensor& x, const torch::Tensor& y, const ClassifierTraining& training,
    const std::function<void(std::int64_t, const LinearClassifiers&)>& after_epoch, ValidationStop* validation) {
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

    if (validation) {
        TORCH_CHECK(validation->x.size(0) > 0 && validation->patience > 0,
                    "linear classifiers: no validation rows, or no patience");
        validation->loss.assign(std::size_t(s), {});
        validation->best_epoch.assign(std::size_t(s), -1);
        validation->stopped_epoch.assign(std::size_t(s), -1);
        validation->best = LinearClassifiers{k.weight.clone(), k.bias.clone()};
    }

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
        if (validation && validation_step(*validation, k, epoch)) break;
    }
    // The global stream as training the seeds in turn would have left it.
    at::Generator global = at::detail::getDefaultCPUGenerator();  // a handle on the global generator
    global.set_state(streams.back().get_state());
    return k;
}

}  // namespace somnus
