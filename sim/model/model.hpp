// The model: the circuit's modules instantiated on a device, with their optimizers.
// Built from an ExperimentSpec through the Circuit's roles.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "areas/area.hpp"
#include "areas/discriminator_neurons.hpp"
#include "areas/pad_areas.hpp"
#include "areas/stochastic_areas.hpp"
#include "hippocampus/hippocampus.hpp"
#include "neuromod/conductor.hpp"
#include "sim/circuit/circuit.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

class DreamModule;

// A critic of adversarial wake-sleep and the layers of the hierarchy it reads.
struct CriticModule {
    std::string name;
    Critic critic{nullptr};
    std::vector<std::size_t> reads;  // indices into a Hierarchy (0 = x, L = z), adjacent, bottom first
    std::vector<torch::Tensor> layers_of(const Hierarchy& h) const;
};

class Model {
public:
    Model(const ExperimentSpec& spec, torch::Device device);

    torch::Device device;
    Circuit circuit;
    std::shared_ptr<EncoderAreaImpl> encoder;      // feedforward pathway
    std::shared_ptr<GeneratorAreaImpl> generator;  // feedback pathway
    DiscriminatorNeurons discriminator{nullptr};   // PAD's discriminator neurons; null when the circuit has none
    std::size_t discriminator_layer = 0;           // the index (in encoder->layer_names()) of the layer they read
    std::vector<CriticModule> critics;             // adversarial wake-sleep critics
    Hippocampus hippocampus;                       // empty when the circuit has none
    Conductor conductor;
    // Modules from the dream literature (dreams/): MCH neurons, amygdala, prefrontal gate, dream filter.
    std::vector<std::shared_ptr<DreamModule>> dream_modules;
    TrainingSpec training;
    std::int64_t channels = 1;
    std::int64_t image_size = 32;
    std::int64_t latent_dim = 256;
    // The hierarchy sampled in the last adversarial wake-sleep Wake phase (detached):
    // the later phases of the cycle pair it with theirs in the critics' gradient penalty.
    Hierarchy wake_trace;
    // Some state of the cycle teaches the discriminator "fake": the adversarial game is on.
    bool adversarial = false;

    // The parameters of the circuit's module `id`, as its module type parsed them.
    template <class P>
    const P& params_of(const ExperimentSpec& spec, ModuleId id) const {
        return spec.module(circuit.name(id))->params.template get<P>();
    }

    // What the discriminator neurons say of an input, d = P(external), from the encoder's
    // activations (EncoderAreaImpl::activations, or first_activations up to their layer).
    torch::Tensor discriminate(const std::vector<torch::Tensor>& encoder_activations) {
        return discriminator(encoder_activations.at(discriminator_layer));
    }
    // The encoder's activations up to the layer the discriminator neurons read.
    std::vector<torch::Tensor> activations_to_discriminator(const torch::Tensor& x) {
        return encoder->first_activations(x, discriminator_layer + 1);
    }

    // The areas of the stochastic family, for the rules that need their layers' densities
    // (the circuit checked the family).
    StochasticEncoderImpl& stochastic_encoder() { return static_cast<StochasticEncoderImpl&>(*encoder); }
    StochasticGeneratorImpl& stochastic_generator() { return static_cast<StochasticGeneratorImpl&>(*generator); }

    // Clears the areas' (and PAD discriminator's) accumulated weight changes before a state
    // computes new ones (zero-filled or unset, per training.adam_steps_on_zero_grad).
    void zero_grad();
    // Applies the accumulated weight changes, each pathway with the conductor's
    // plasticity sign; a pathway with sign 0 does not learn in this state.
    void learn(const Modulation& modulation);
    // Applies the chosen pathways' weight changes as they are (the state has already
    // signed its gradients by the conductor's phase).
    void learn_pathways(bool feedforward, bool feedback);
    // Whether the pathway's weights changed since the last zero_grad (for the plasticity probe).
    bool learned(PathwayKind pathway) const {
        return pathway == PathwayKind::feedback ? learned_feedback_ : learned_feedforward_;
    }

    // The feedforward pathway's weights (the encoder's weight tensors, not its biases)
    // and a copy of them as they were when the current day started (mark_day_start,
    // called by the runner when a state needs_day_start); empty before the first day.
    std::vector<torch::Tensor> feedforward_weights() const;
    const std::vector<torch::Tensor>& day_start_weights() const { return day_start_; }
    void mark_day_start();

    // Critic plasticity accumulates over the phases of a cycle and is applied once,
    // after the cycle's last adversarial wake-sleep state (critic_consolidation_state):
    // the last of the schedule's, or, once the runner names the states of the block
    // about to run (begin_block), the last of those, so that a cycle whose Sleep a
    // protocol took away still lets its critics learn.
    void learn_critics();
    const std::string& critic_consolidation_state() const { return critic_consolidation_state_; }
    void begin_block(const std::vector<std::string>& states);

    // Losses, normalised per training.loss_normalisation.
    torch::Tensor reconstruction_loss(const torch::Tensor& prediction, const torch::Tensor& target) const;
    // Batch-moment KL(N(m_j, s_j^2) || N(0, 1)) averaged over latent dimensions.
    static torch::Tensor latent_kl(const torch::Tensor& z);

    // Parameters of each pathway: feedforward = encoder and PAD discriminator, feedback = generator.
    const std::vector<torch::Tensor>& feedforward_parameters() const { return feedforward_params_; }
    const std::vector<torch::Tensor>& feedback_parameters() const { return feedback_params_; }
    const std::vector<torch::Tensor>& critic_parameters() const { return critic_params_; }
    // The named modules whose parameters make up a pathway's, in that order.
    std::vector<std::pair<std::string, torch::nn::Module*>> pathway_modules(PathwayKind pathway) const;

    // A model file: the areas' parameters and the areas' resolved spec entries
    // (areas_spec), written atomically (write, then rename).
    void save(const std::string& path) const;
    // Loads a model file into these areas. A file whose recorded areas differ from
    // this model's spec, or (a file written before areas were recorded) whose
    // parameters have other shapes, is refused with a UsageError naming the first
    // difference: LibTorch would otherwise take the file's shapes silently.
    void load(const std::string& path);
    // The resolved spec entries of the areas a model file holds, by role: {"encoder":
    // {"module": NAME, "spec": ENTRY}, "generator": ..., "discriminator": ..., "critic.NAME": ...}.
    const Json& areas_spec() const { return areas_spec_; }
    // Everything that learns or remembers, for a resumable checkpoint: the areas,
    // the optimizers' moments and step counts, the gradients (PyTorch 1.x Adam
    // steps every parameter whose gradient is defined), the hippocampus, the dream
    // modules' state and adversarial wake-sleep's Wake sample.
    void save_state(torch::serialize::OutputArchive& archive) const;
    void load_state(torch::serialize::InputArchive& archive);
    // The first parameter holding NaN or Inf ("V1_encoder.conv1.weight") among the
    // pathways asked for; "" when all are finite.
    std::string first_non_finite(bool feedforward, bool feedback) const;
    // The same question without waiting for the device: per parameter of those
    // pathways, in order, whether it is finite (a bool tensor where the model is;
    // empty when they have no parameters). name_of_non_finite answers it from
    // that tensor, read to the host later.
    torch::Tensor parameters_finite(bool feedforward, bool feedback) const;
    std::string name_of_non_finite(const torch::Tensor& finite, bool feedforward, bool feedback) const;

private:
    void build_discriminator_neurons(const ExperimentSpec& spec);
    void save_areas(torch::serialize::OutputArchive& archive) const;
    void load_areas(torch::serialize::InputArchive& archive, const std::string& file);
    Json areas_spec_ = Json::object();
    std::vector<torch::Tensor> day_start_;
    std::vector<torch::Tensor> feedforward_params_, feedback_params_, critic_params_;
    std::unique_ptr<torch::optim::Adam> feedforward_optimizer_;
    std::unique_ptr<torch::optim::Adam> feedback_optimizer_;
    std::unique_ptr<torch::optim::Adam> critic_optimizer_;
    std::string critic_consolidation_state_;
    std::vector<std::string> judging_;  // the schedule's states in which discriminators or critics take part
    bool learned_feedforward_ = false, learned_feedback_ = false;
};

// The areas a model file records (Model::areas_spec of the model that saved it);
// null for a file written before somnus recorded them. Throws InputError.
Json recorded_areas(const std::string& path);

// The roles of a circuit's areas as a model file names them ("encoder", "generator",
// "discriminator", "critic.NAME"), each with its module's name, in that order.
std::vector<std::pair<std::string, std::string>> area_roles(const Circuit& circuit);

// "auto" picks CUDA when LibTorch sees a GPU.
torch::Device resolve_device(const std::string& name);

// Saves `archive` to `path` through `path`.partial, synced, then renamed: a crash
// leaves either the old file or the new one, never a torn one.
void write_atomically(torch::serialize::OutputArchive& archive, const std::string& path);

}  // namespace somnus
