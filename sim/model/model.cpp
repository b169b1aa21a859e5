#include "sim/model/model.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "data/datasets.hpp"
#include "sim/base/errors.hpp"
#include "sim/base/files.hpp"
#include "sim/model/dream_module.hpp"
#include "sim/spec/catalog.hpp"

namespace somnus {

namespace {

torch::optim::AdamOptions adam(const OptimizerSpec& o) {
    return torch::optim::AdamOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(o.weight_decay);
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

void append(std::vector<torch::Tensor>& to, const std::vector<torch::Tensor>& more) {
    to.insert(to.end(), more.begin(), more.end());
}

}  // namespace

std::vector<torch::Tensor> CriticModule::layers_of(const Hierarchy& h) const {
    std::vector<torch::Tensor> out;
    for (std::size_t i : reads) out.push_back(h.at(i));
    return out;
}

torch::Device resolve_device(const std::string& name) {
    if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    torch::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available())
        throw InputError("device \"" + name + "\" requested, but this LibTorch build sees no CUDA GPU");
    return device;
}

Model::Model(const ExperimentSpec& spec, torch::Device dev)
    : device(dev),
      circuit(Circuit::build(spec)),
      hippocampus(circuit.roles().hippocampus ? params_of<HippocampusParams>(spec, *circuit.roles().hippocampus)
                                              : HippocampusParams{}),
      conductor(params_of<ConductorParams>(spec, circuit.roles().conductor).levels,
                params_of<ConductorParams>(spec, circuit.roles().conductor).doses),
      training(spec.training) {
    const Roles& roles = circuit.roles();
    channels = dataset_channels(spec.data.dataset);
    roles.family->build(*this, spec);  // the areas of the circuit's family (sim/model/area_families.cpp)
    if (!encoder || !generator)
        throw std::logic_error("area family '" + roles.family->name + "' built no encoder or no generator");
    if (roles.discriminator) build_discriminator_neurons(spec);
    encoder->to(device);
    generator->to(device);
    if (discriminator) discriminator->to(device);
    for (auto& c : critics) {
        c.critic->to(device);
        append(critic_params_, c.critic->parameters());
    }

    feedforward_params_ = encoder->parameters();
    if (discriminator) append(feedforward_params_, discriminator->parameters());
    feedback_params_ = generator->parameters();
    feedforward_optimizer_ = std::make_unique<torch::optim::Adam>(feedforward_params_, adam(training.encoder));
    feedback_optimizer_ = std::make_unique<torch::optim::Adam>(feedback_params_, adam(training.generator));
    if (!critic_params_.empty())
        critic_optimizer_ = std::make_unique<torch::optim::Adam>(critic_params_, adam(training.critic));

    for (ModuleId id : roles.dream_modules) {
        const ModuleSpec* m = spec.module(circuit.name(id));
        const ModuleId target = circuit.targets(id, PathwayKind::neuromodulatory).front();
        dream_modules.push_back(find_dream_module_type(m->type)->make(*m, circuit.module(target).kind));
        dream_modules.back()->attach(*this);
    }

    std::vector<std::string> judging;  // states of the schedule in which the discriminator neurons take part
    for (const auto& name : spec.schedule.states_run()) {
        const StateType* type = find_state_type(spec.state(name)->type);
        if (std::find(type->needs.begin(), type->needs.end(), ModuleKind::discriminator) == type->needs.end()) continue;
        judging.push_back(name);
        critic_consolidation_state_ = name;  // the last of them (critics of adversarial wake-sleep)
    }
    adversarial = conductor.teaches_fake(judging);  // (PAD's discriminator neurons)
    judging_ = judging;

    for (const auto& [role, name] : area_roles(circuit)) {
        const Json* modules = spec.source.is_object() && spec.source.contains("modules") ? &spec.source["modules"] : nullptr;
        areas_spec_[role] = {{"module", name},
                             {"spec", modules && modules->contains(name) ? (*modules)[name] : Json(nullptr)}};
    }
    // Discriminator neurons on another layer than the one below the latent have
    // another shape: the model file says which layer (files of the default, as ever).
    const auto layers = encoder->layer_names();
    if (discriminator && (layers.size() < 2 || roles.discriminator_layer != layers[layers.size() - 2]))
        areas_spec_["discriminator"]["layer"] = roles.discriminator_layer;
}

// On the encoder layer the circuit chose (Roles::discriminator_layer), shaped as one
// noise-free pass of a blank image gives it (no random numbers are drawn).
void Model::build_discriminator_neurons(const ExperimentSpec& spec) {
    const Roles& roles = circuit.roles();
    const auto names = encoder->layer_names();
    auto it = std::find(names.begin(), names.end(), roles.discriminator_layer);
    if (it == names.end())
        throw std::logic_error("the encoder has no layer '" + roles.discriminator_layer + "' for the discriminator");
    discriminator_layer = static_cast<std::size_t>(it - names.begin());
    std::vector<std::int64_t> shape;
    {
        torch::NoGradGuard no_grad;
        auto blank = torch::zeros({1, channels, image_size, image_size});  // host: the areas move to the device after
        auto layer = encoder->first_activations(blank, discriminator_layer + 1).back();
        shape.assign(layer.sizes().begin() + 1, layer.sizes().end());
    }
    discriminator = DiscriminatorNeurons(shape, params_of<DiscriminatorParams>(spec, *roles.discriminator));
}

std::vector<std::pair<std::string, std::string>> area_roles(const Circuit& circuit) {
    const Roles& roles = circuit.roles();
    std::vector<std::pair<std::string, std::string>> out{{"encoder", circuit.name(roles.encoder)},
                                                         {"generator", circuit.name(roles.generator)}};
    if (roles.discriminator) out.emplace_back("discriminator", circuit.name(*roles.discriminator));
    for (ModuleId id : roles.critics) out.emplace_back("critic." + circuit.name(id), circuit.name(id));
    return out;
}

void Model::zero_grad() {
    learned_feedforward_ = learned_feedback_ = false;
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
    learned_feedforward_ = m.feedforward_sign != 0.0;
    learned_feedback_ = m.feedback_sign != 0.0;
}

void Model::learn_pathways(bool feedforward, bool feedback) {
    if (feedforward) feedforward_optimizer_->step();
    if (feedback) feedback_optimizer_->step();
    learned_feedforward_ = feedforward;
    learned_feedback_ = feedback;
}

std::vector<torch::Tensor> Model::feedforward_weights() const {
    std::vector<torch::Tensor> weights;
    for (const auto& p : encoder->parameters())
        if (p.dim() > 1) weights.push_back(p);
    return weights;
}

void Model::mark_day_start() {
    torch::NoGradGuard no_grad;
    day_start_.clear();
    for (const auto& w : feedforward_weights()) day_start_.push_back(w.detach().clone());
}

void Model::begin_block(const std::vector<std::string>& states) {
    for (const auto& s : states)
        if (std::find(judging_.begin(), judging_.end(), s) != judging_.end()) critic_consolidation_state_ = s;
}

void Model::learn_critics() {
    if (!critic_optimizer_) return;
    critic_optimizer_->step();
    for (auto& p : critic_params_) p.mutable_grad() = torch::Tensor();
}

std::vector<std::pair<std::string, torch::nn::Module*>> Model::pathway_modules(PathwayKind pathway) const {
    const Roles& roles = circuit.roles();
    if (pathway == PathwayKind::feedback) return {{circuit.name(roles.generator), generator.get()}};
    std::vector<std::pair<std::string, torch::nn::Module*>> out{{circuit.name(roles.encoder), encoder.get()}};
    if (discriminator) out.emplace_back(circuit.name(*roles.discriminator), discriminator.ptr().get());
    return out;
}

torch::Tensor Model::reconstruction_loss(const torch::Tensor& prediction, const torch::Tensor& target) const {
    auto squared = (prediction - target).pow(2);
    if (training.loss_normalisation == LossNormalisation::batch_mean) return squared.sum() / prediction.size(0);
    return squared.mean();
}

torch::Tensor Model::latent_kl(const torch::Tensor& z) {
    auto m = z.mean(0);
    auto s = z.std(0, /*unbiased=*/true);
    return ((s.pow(2) + m.pow(2)) / 2 - s.log() - 0.5).mean();
}

void Model::save(const std::string& path) const {
    torch::serialize::OutputArchive archive;
    save_areas(archive);
    archive.write("areas_spec", c10::IValue(areas_spec_.dump()));
    write_atomically(archive, path);
}

void write_atomically(torch::serialize::OutputArchive& archive, const std::string& path) {
    // Serialised in memory first: LibTorch's file writer, when a write fails (disk
    // full), throws again from its destructor and ends the process.
    std::ostringstream bytes;
    archive.save_to(bytes);
    write_file_atomically(path, bytes.str());
}

void Model::save_state(torch::serialize::OutputArchive& archive) const {
    torch::serialize::OutputArchive areas, ff, fb, hippo;
    save_areas(areas);
    archive.write("areas", areas);
    feedforward_optimizer_->save(ff);
    archive.write("feedforward_optimizer", ff);
    feedback_optimizer_->save(fb);
    archive.write("feedback_optimizer", fb);
    if (critic_optimizer_) {
        torch::serialize::OutputArchive c;
        critic_optimizer_->save(c);
        archive.write("critic_optimizer", c);
    }
    // Gradients: Adam (PyTorch 1.x semantics) steps every parameter whose gradient is defined.
    std::int64_t i = 0;
    for (const auto* params : {&feedforward_params_, &feedback_params_, &critic_params_})
        for (const auto& p : *params) {
            if (p.grad().defined()) archive.write("grad." + std::to_string(i), p.grad());
            ++i;
        }
    hippocampus.save(hippo);
    archive.write("hippocampus", hippo);
    for (std::size_t k = 0; k < dream_modules.size(); ++k) {
        auto state = dream_modules[k]->state();
        archive.write("dream_module." + std::to_string(k),
                      torch::tensor(state, torch::kFloat64));  // host: a few numbers
    }
    for (std::size_t k = 0; k < wake_trace.size(); ++k) archive.write("wake_trace." + std::to_string(k), wake_trace[k]);
    for (std::size_t k = 0; k < day_start_.size(); ++k) archive.write("day_start." + std::to_string(k), day_start_[k]);
}

void Model::load_state(torch::serialize::InputArchive& archive) {
    torch::serialize::InputArchive areas, ff, fb, hippo;
    archive.read("areas", areas);
    load_areas(areas, "the resumable checkpoint");
    archive.read("feedforward_optimizer", ff);
    feedforward_optimizer_->load(ff);
    archive.read("feedback_optimizer", fb);
    feedback_optimizer_->load(fb);
    if (critic_optimizer_) {
        torch::serialize::InputArchive c;
        archive.read("critic_optimizer", c);
        critic_optimizer_->load(c);
    }
    std::int64_t i = 0;
    for (auto* params : {&feedforward_params_, &feedback_params_, &critic_params_})
        for (auto& p : *params) {
            torch::Tensor grad;
            p.mutable_grad() = archive.try_read("grad." + std::to_string(i), grad) ? grad : torch::Tensor();
            ++i;
        }
    archive.read("hippocampus", hippo);
    hippocampus.load(hippo);
    for (std::size_t k = 0; k < dream_modules.size(); ++k) {
        torch::Tensor state;
        archive.read("dream_module." + std::to_string(k), state);
        state = state.to(torch::kCPU);
        dream_modules[k]->restore(
            std::vector<double>(state.data_ptr<double>(), state.data_ptr<double>() + state.numel()));
    }
    wake_trace.clear();
    for (std::size_t k = 0;; ++k) {
        torch::Tensor t;
        if (!archive.try_read("wake_trace." + std::to_string(k), t)) break;
        wake_trace.push_back(t);
    }
    day_start_.clear();
    for (std::size_t k = 0;; ++k) {
        torch::Tensor t;
        if (!archive.try_read("day_start." + std::to_string(k), t)) break;
        day_start_.push_back(t);
    }
}

namespace {
std::vector<PathwayKind> pathway_kinds(bool feedforward, bool feedback) {
    std::vector<PathwayKind> kinds;
    if (feedforward) kinds.push_back(PathwayKind::feedforward);
    if (feedback) kinds.push_back(PathwayKind::feedback);
    return kinds;
}
}  // namespace

torch::Tensor Model::parameters_finite(bool feedforward, bool feedback) const {
    torch::NoGradGuard no_grad;
    // Called after every step: one reduction per parameter (NaN and Inf carry
    // into a parameter's sum) and one stack, all on the device.
    std::vector<torch::Tensor> sums;
    for (auto kind : pathway_kinds(feedforward, feedback))
        for (const auto& [module, area] : pathway_modules(kind))
            for (const auto& p : area->parameters()) sums.push_back(p.sum());
    if (sums.empty()) return {};
    return torch::isfinite(torch::stack(sums));
}

std::string Model::name_of_non_finite(const torch::Tensor& finite, bool feedforward, bool feedback) const {
    if (!finite.defined()) return "";
    const torch::Tensor host = finite.cpu();
    if (host.all().item<bool>()) return "";
    auto flags = host.accessor<bool, 1>();
    std::int64_t i = 0;
    for (auto kind : pathway_kinds(feedforward, feedback))
        for (const auto& [module, area] : pathway_modules(kind))
            for (const auto& item : area->named_parameters())
                if (!flags[i++]) return module + "." + item.key();
    return "";
}

std::string Model::first_non_finite(bool feedforward, bool feedback) const {
    return name_of_non_finite(parameters_finite(feedforward, feedback), feedforward, feedback);
}

void Model::save_areas(torch::serialize::OutputArchive& archive) const {
    torch::serialize::OutputArchive e, g, d;
    encoder->save(e);
    generator->save(g);
    archive.write("encoder", e);
    archive.write("generator", g);
    if (discriminator) {
        discriminator->save(d);
        archive.write("discriminator", d);
    }
    for (const auto& c : critics) {
        torch::serialize::OutputArchive a;
        c.critic->save(a);
        archive.write("critic." + c.name, a);
    }
}

namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
    std::string text;
    for (auto d : shape) text += (text.empty() ? "" : "x") + std::to_string(d);
    return text.empty() ? "a scalar" : text;
}

// Loads `area` from `archive`. LibTorch takes a tensor's shape from the file, so a
// parameter or buffer whose shape the file changes is refused, naming it.
void load_same_shapes(torch::nn::Module& area, const std::string& name, torch::serialize::InputArchive& archive,
                      const std::string& file) {
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> before;
    for (const auto& p : area.named_parameters()) before.emplace_back(p.key(), p.value().sizes().vec());
    for (const auto& b : area.named_buffers()) before.emplace_back(b.key(), b.value().sizes().vec());
    area.load(archive);
    std::size_t i = 0;
    auto check = [&](const std::string& key, const torch::Tensor& t) {
        const auto& [expected_key, expected] = before.at(i++);
        if (t.sizes().vec() != expected)
            throw UsageError("somnus: " + file + ": " + name + "." + key + " is " + shape_text(t.sizes().vec()) +
                             " in the model file, " + shape_text(expected) +
                             " in the spec's areas; evaluate it with the spec its run used");
    };
    for (const auto& p : area.named_parameters()) check(p.key(), p.value());
    for (const auto& b : area.named_buffers()) check(b.key(), b.value());
}

}  // namespace

void Model::load_areas(torch::serialize::InputArchive& archive, const std::string& file) {
    torch::serialize::InputArchive e, g, d;
    archive.read("encoder", e);
    load_same_shapes(*encoder, circuit.name(circuit.roles().encoder), e, file);
    archive.read("generator", g);
    load_same_shapes(*generator, circuit.name(circuit.roles().generator), g, file);
    if (discriminator && archive.try_read("discriminator", d))
        load_same_shapes(*discriminator, circuit.name(*circuit.roles().discriminator), d, file);
    for (auto& c : critics) {
        torch::serialize::InputArchive a;
        if (archive.try_read("critic." + c.name, a)) load_same_shapes(*c.critic, c.name, a, file);
    }
}

namespace {

// The areas an archive records; null when it records none.
Json areas_in(torch::serialize::InputArchive& archive) {
    c10::IValue recorded;
    if (!archive.try_read("areas_spec", recorded) || !recorded.isString()) return nullptr;
    return Json::parse(recorded.toStringRef(), nullptr, /*allow_exceptions=*/false);
}

torch::serialize::InputArchive open_model_file(const std::string& path, torch::Device device) {
    if (!std::filesystem::exists(path)) throw InputError(path + ": checkpoint not found");
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path, device);
    } catch (const c10::Error& error) {
        throw InputError(path + ": not a somnus model file (" + std::string(error.what_without_backtrace()) + ")");
    }
    return archive;
}

}  // namespace

Json recorded_areas(const std::string& path) {
    auto archive = open_model_file(path, torch::kCPU);
    return areas_in(archive);
}

void Model::load(const std::string& path) {
    auto archive = open_model_file(path, device);
    const Json recorded = areas_in(archive);
    if (recorded.is_object()) {
        // Area by area: the first difference, at the spec's pointer of the module playing that role.
        for (const auto& [role, mine] : areas_spec_.items()) {
            const std::string pointer = "/modules/" + mine["module"].get<std::string>();
            if (!recorded.contains(role))
                throw UsageError("somnus: " + path + ": the model file has no " + role + " (the spec's " +
                                 mine["module"].get<std::string>() +
                                 "); evaluate it with the spec its run used, or give --areas-from-checkpoint");
            const std::string difference =
                first_difference(recorded[role].value("spec", Json()), mine["spec"], "in the model file", "in the spec", pointer);
            if (!difference.empty())
                throw UsageError("somnus: " + path + ": the model file's areas differ from the spec's (" + difference +
                                 "); evaluate it with the spec its run used, or give --areas-from-checkpoint");
        }
    }
    try {
        load_areas(archive, path);
    } catch (const c10::Error& error) {
        throw InputError(path + ": not a somnus checkpoint for this circuit (" +
                         std::string(error.what_without_backtrace()) + ")");
    }
}

}  // namespace somnus
