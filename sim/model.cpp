#include "sim/model.hpp"

#include "data/datasets.hpp"

#include <filesystem>
#include <stdexcept>

#include "sim/state_registry.hpp"

namespace somnus {

namespace {

template <class P>
const P& module_params(const ExperimentSpec& spec, const Circuit& circuit, ModuleId id) {
    return std::get<P>(spec.module(circuit.name(id))->params);
}

torch::optim::AdamOptions adam(const OptimizerSpec& o) {
    return torch::optim::AdamOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps);
}

void apply_sign(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& params, double sign) {
    if (sign == 0.0) return;
    if (sign != 1.0) {
        torch::NoGradGuard no_grad;
        for (const auto& p : params)
            if (p.grad().defined()) p.grad().mul_(sign);
    }
    optimizer.step();
}

}  // namespace

torch::Device resolve_device(const std::string& name) {
    if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    torch::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available())
        throw std::runtime_error("device \"" + name + "\" requested, but this LibTorch build sees no CUDA GPU");
    return device;
}

Model::Model(const ExperimentSpec& spec, torch::Device dev)
    : device(dev),
      circuit(Circuit::build(spec)),
      hippocampus(module_params<HippocampusParams>(spec, circuit, circuit.roles().hippocampus)),
      conductor(module_params<ConductorParams>(spec, circuit, circuit.roles().conductor).levels),
      training(spec.training) {
    const Roles& roles = circuit.roles();
    const auto& enc = module_params<AreaParams>(spec, circuit, roles.encoder);
    const auto& gen = module_params<AreaParams>(spec, circuit, roles.generator);
    latent_dim = enc.latent_dim;
    channels = dataset_channels(spec.data.dataset);
    encoder = PadEncoder(channels, enc);
    generator = PadGenerator(channels, gen);
    encoder->to(device);
    generator->to(device);
    if (roles.discriminator) {
        discriminator = PadDiscriminator(4 * enc.features, module_params<DiscriminatorParams>(spec, circuit, *roles.discriminator));
        discriminator->to(device);
    }
    feedforward_params_ = encoder->parameters();
    if (discriminator)
        for (auto& p : discriminator->parameters()) feedforward_params_.push_back(p);
    feedback_params_ = generator->parameters();
    feedforward_optimizer_ = std::make_unique<torch::optim::Adam>(feedforward_params_, adam(training.encoder));
    feedback_optimizer_ = std::make_unique<torch::optim::Adam>(feedback_params_, adam(training.generator));

    std::vector<std::string> judging;  // states of the cycle in which the discriminator neurons take part
    for (const auto& name : spec.schedule.cycle) {
        const auto& needs = find_state_type(spec.state(name)->type)->needs;
        if (std::find(needs.begin(), needs.end(), ModuleKind::discriminator) != needs.end()) judging.push_back(name);
    }
    adversarial = conductor.teaches_fake(judging);
}

void Model::zero_grad() {
    for (auto* params : {&feedforward_params_, &feedback_params_})
        for (auto& p : *params) {
            if (!p.grad().defined()) continue;
            if (training.adam_steps_on_zero_grad) {
                p.mutable_grad().detach_();  // LibTorch 1.13, like PyTorch 1.x: zero-filled, still defined
                p.mutable_grad().zero_();
            } else {
                p.mutable_grad() = torch::Tensor();  // PyTorch 2: unset, so Adam skips the parameter
            }
        }
}

void Model::learn(const Modulation& m) {
    apply_sign(*feedforward_optimizer_, feedforward_params_, m.feedforward_sign);
    apply_sign(*feedback_optimizer_, feedback_params_, m.feedback_sign);
}

torch::Tensor Model::reconstruction_loss(const torch::Tensor& prediction, const torch::Tensor& target) const {
    auto squared = (prediction - target).pow(2);
    if (training.loss_normalisation == "batch_mean") return squared.sum() / prediction.size(0);
    return squared.mean();
}

torch::Tensor Model::latent_kl(const torch::Tensor& z) {
    auto m = z.mean(0);
    auto s = z.std(0, /*unbiased=*/true);
    return ((s.pow(2) + m.pow(2)) / 2 - s.log() - 0.5).mean();
}

void Model::save(const std::string& path) const {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive e, g, d;
    encoder->save(e);
    generator->save(g);
    archive.write("encoder", e);
    archive.write("generator", g);
    if (discriminator) {
        discriminator->save(d);
        archive.write("discriminator", d);
    }
    std::string partial = path + ".partial";
    archive.save_to(partial);
    std::filesystem::rename(partial, path);
}

void Model::load(const std::string& path) {
    if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": checkpoint not found");
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path, device);
        torch::serialize::InputArchive e, g, d;
        archive.read("encoder", e);
        encoder->load(e);
        archive.read("generator", g);
        generator->load(g);
        if (discriminator && archive.try_read("discriminator", d)) discriminator->load(d);
    } catch (const c10::Error& error) {
        throw std::runtime_error(path + ": not a somnus checkpoint for this circuit (" +
                                 std::string(error.what_without_backtrace()) + ")");
    }
}

}  // namespace somnus
