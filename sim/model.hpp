// The model: the circuit's modules instantiated on a device, with their optimizers.
// Built from an ExperimentSpec through the Circuit's roles.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "areas/pad_areas.hpp"
#include "hippocampus/hippocampus.hpp"
#include "neuromod/conductor.hpp"
#include "sim/circuit.hpp"
#include "sim/spec.hpp"

namespace somnus {

class Model {
public:
    Model(const ExperimentSpec& spec, torch::Device device);

    torch::Device device;
    Circuit circuit;
    PadEncoder encoder{nullptr};              // feedforward pathway
    PadGenerator generator{nullptr};          // feedback pathway
    PadDiscriminator discriminator{nullptr};  // null when the circuit has none
    Hippocampus hippocampus;
    Conductor conductor;
    TrainingSpec training;
    std::int64_t channels = 1;
    std::int64_t latent_dim = 256;
    // Some state of the cycle teaches the discriminator "fake": the adversarial game is on.
    bool adversarial = false;

    // Clears accumulated weight changes before a state computes new ones
    // (zero-filled or unset, per training.adam_steps_on_zero_grad).
    void zero_grad();
    // Applies the accumulated weight changes, each pathway with the conductor's
    // plasticity sign; a pathway with sign 0 does not learn in this state.
    void learn(const Modulation& modulation);

    // Losses, normalised per training.loss_normalisation.
    torch::Tensor reconstruction_loss(const torch::Tensor& prediction, const torch::Tensor& target) const;
    // Batch-moment KL(N(m_j, s_j^2) || N(0, 1)) averaged over latent dimensions.
    static torch::Tensor latent_kl(const torch::Tensor& z);

    const std::vector<torch::Tensor>& feedforward_parameters() const { return feedforward_params_; }  // encoder + discriminator
    const std::vector<torch::Tensor>& feedback_parameters() const { return feedback_params_; }        // generator

    void save(const std::string& path) const;  // atomically (write, then rename)
    void load(const std::string& path);

private:
    std::vector<torch::Tensor> feedforward_params_, feedback_params_;
    std::unique_ptr<torch::optim::Adam> feedforward_optimizer_;
    std::unique_ptr<torch::optim::Adam> feedback_optimizer_;
};

// "auto" picks CUDA when LibTorch sees a GPU.
torch::Device resolve_device(const std::string& name);

}  // namespace somnus
