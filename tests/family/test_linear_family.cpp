// A toy area family, registered from this one file, the way a lab would add its
// own architecture: linear areas (an encoder W x + b and a generator W' z + b')
// and a brain state that runs on them. Everything else (the spec reader and its
// errors, `somnus describe`, the circuit's checks, the model, training, the
// probes, the log and the evaluations) takes it up through the catalogue
// (sim/spec/catalog.hpp). It is its own test program, so the toy types stay out
// of the tables the other tests check.
#include <hdf5.h>

#include <gtest/gtest.h>

#include "sim/spec/describe.hpp"
#include "sim/states/brain_state.hpp"
#include "tests/helpers.hpp"
#include "tests/run_logged.hpp"

namespace somnus {

namespace {

// ---- the areas: plain LibTorch modules on the interfaces of areas/area.hpp ------------
constexpr std::int64_t kPixels = 32 * 32;

struct LinearAreaParams {
    std::int64_t latent_dim = 8;
};

class LinearEncoderImpl : public EncoderAreaImpl {
public:
    LinearEncoderImpl(std::int64_t channels, const LinearAreaParams& p)
        : map_(register_module("map", torch::nn::Linear(channels * kPixels, p.latent_dim))) {}
    torch::Tensor latent(const torch::Tensor& x) override { return map_(x.flatten(1)); }
    std::vector<torch::Tensor> activations(const torch::Tensor& x) override { return {latent(x)}; }
    std::vector<std::string> layer_names() const override { return {"z"}; }

private:
    torch::nn::Linear map_;
};

class LinearGeneratorImpl : public GeneratorAreaImpl {
public:
    LinearGeneratorImpl(std::int64_t channels, const LinearAreaParams& p)
        : channels_(channels), map_(register_module("map", torch::nn::Linear(p.latent_dim, channels * kPixels))) {}
    torch::Tensor image(const torch::Tensor& z) override { return map_(z).view({-1, channels_, 32, 32}); }
    std::vector<torch::Tensor> activations(const torch::Tensor& z) override { return {image(z)}; }
    std::vector<std::string> layer_names() const override { return {"output"}; }

private:
    std::int64_t channels_;
    torch::nn::Linear map_;
};

// ---- the family: its parameters as data, its check, how the model builds it -------------
const ParameterSet& linear_parameters() {
    static const ParameterSet set{
        "linear area", "", {integer("latent_dim", LinearAreaParams{}.latent_dim, 1, 4096, "units of the latent z")}};
    return set;
}

ModuleParams parse_linear(ObjectReader& r) { return LinearAreaParams{r.integer("latent_dim")}; }
std::vector<std::string> encoder_layers(const ModuleSpec&) { return {"z"}; }
std::vector<std::string> generator_layers(const ModuleSpec&) { return {"output"}; }

void check_linear(const ExperimentSpec&, const FamilyModules& m) {
    if (m.encoder.params.get<LinearAreaParams>().latent_dim != m.generator.params.get<LinearAreaParams>().latent_dim)
        throw SpecError(m.generator.pointer + "/latent_dim", "the generator's latent_dim must be the encoder's");
}

void build_linear(Model& model, const ExperimentSpec& spec) {
    const Roles& roles = model.circuit.roles();
    const auto& p = model.params_of<LinearAreaParams>(spec, roles.encoder);
    model.latent_dim = p.latent_dim;
    model.encoder = std::make_shared<LinearEncoderImpl>(model.channels, p);
    model.generator =
        std::make_shared<LinearGeneratorImpl>(model.channels, model.params_of<LinearAreaParams>(spec, roles.generator));
}

AreaFamily linear_family() {
    return {"linear",
            "toy linear areas",
            {{"linear_encoder", "a linear map from the image to z", ModuleKind::encoder, &linear_parameters(),
              parse_linear, encoder_layers},
             {"linear_generator", "a linear map from z to the image", ModuleKind::generator, &linear_parameters(),
              parse_linear, generator_layers, "normalised intensity"}},
            /*critics=*/false,
            check_linear,
            build_linear};
}

// ---- a brain state on it: awake, both pathways learn to reconstruct the input ------------
struct LinearWakeParams : StateParams {};

const ParameterSet& linear_wake_parameters() {
    static const ParameterSet set{"linear_wake", "", {}};
    return set;
}

class LinearWake : public BrainState {
public:
    explicit LinearWake(const LinearWakeParams&) {}
    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock&) override {
        model.zero_grad();
        auto reconstruction = model.generator->image(model.encoder->latent(images));
        auto loss = model.reconstruction_loss(reconstruction, images);
        loss.backward();
        model.learn(m);
        return {{{"reconstruction", loss.detach()}},
                {},
                samples_of({{"input", images}, {"reconstruction", reconstruction.detach()}})};
    }
};

StateType linear_wake_type() {
    StateType t{
        "linear_wake",
        "toy wake: linear areas reconstruct the input",
        {ModuleKind::encoder, ModuleKind::generator},
        [](ObjectReader&) -> std::shared_ptr<const StateParams> { return std::make_shared<LinearWakeParams>(); },
        make_state<LinearWake, LinearWakeParams>,
        &linear_wake_parameters(),
        "linear"};
    t.awake = true;
    return t;
}

// The registration lines.
const AreaFamilyRegistration toy_family{{linear_family()}};
const StateTypeRegistration toy_state{{linear_wake_type()}};

// ---- tests ---------------------------------------------------------------------------------
Json linear_spec(const test::fs::path& log) {
    Json spec = Json::parse(R"({
      "name": "linear", "seed": 5, "threads": 2,
      "data": {"train_subset": 64},
      "modules": {
        "V1_encoder":   {"type": "linear_encoder", "latent_dim": 8},
        "V1_generator": {"type": "linear_generator", "latent_dim": 8},
        "conductor":    {"type": "conductor", "levels": {"wake": {"ach": 1.0, "na": 1.0}}}
      },
      "pathways": [
        {"from": "V1_generator", "to": "V1_encoder", "kind": "feedback"},
        {"from": "conductor", "to": "V1_encoder", "kind": "neuromodulatory"},
        {"from": "conductor", "to": "V1_generator", "kind": "neuromodulatory"}
      ],
      "states": {"wake": {"type": "linear_wake"}},
      "schedule": {"epochs": 3, "batch_size": 16, "cycle": ["wake"]},
      "training": {"encoder_optimizer": {"lr": 0.002}, "generator_optimizer": {"lr": 0.002}},
      "record": {"progress_every": 4, "checkpoint": false, "activity": {"layers": {"V1_encoder": ["all"], "V1_generator": ["all"]}}},
      "eval": {"linear_readout": {"epochs": 2, "batch_size": 16, "seeds": [0]},
               "latent_geometry": {"enabled": false}, "overlap": {"enabled": false}}
    })");
    spec["device"] = test::device().str();
    spec["data"]["path"] = test::fake_fashion_dir("LinearFamily", 64, 40).string();
    spec["record"]["path"] = log.string();
    return spec;
}

std::vector<hsize_t> dataset_shape(const test::fs::path& log, const std::string& path) {
    const Hdf5Handle file = open_for_reading(log.string());
    hid_t set = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    if (set < 0) return {};
    hid_t space = H5Dget_space(set);
    std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    H5Sclose(space);
    H5Dclose(set);
    return dims;
}

}  // namespace

TEST(AreaFamily, AToyFamilyRegisteredFromOneFileIsDescribedReadAndWired) {
    const AreaFamily* family = find_area_family("linear");
    ASSERT_NE(family, nullptr);
    ASSERT_NE(find_module_type("linear_encoder"), nullptr);
    EXPECT_EQ(find_module_type("linear_encoder")->family, "linear");
    EXPECT_EQ(describe_text(find_described("linear_encoder")),
              "linear_encoder (module type, linear areas): a linear map from the image to z\n\n"
              "  key         type                  default     unit  meaning\n"
              "  type        \"linear_encoder\"      (required)        its module type\n"
              "  latent_dim  integer in [1, 4096]  8                 units of the latent z\n");
    EXPECT_NE(overview_text().find("  linear"), std::string::npos);

    const auto dir = test::temp_dir("linear_family_spec");
    const ExperimentSpec spec = parse_spec(linear_spec(dir / "log.h5"));
    EXPECT_EQ(spec.module("V1_encoder")->params.get<LinearAreaParams>().latent_dim, 8);
    EXPECT_EQ(spec.source["modules"]["V1_generator"]["latent_dim"], 8);  // the resolved spec
    EXPECT_EQ(recordable_layers(*spec.module("V1_generator")), std::vector<std::string>{"output"});
    EXPECT_EQ(Circuit::build(spec).roles().family, family);

    // The reader's errors and the circuit's checks, as for the built-in families.
    Json doc = linear_spec(dir / "log.h5");
    doc["modules"]["V1_encoder"]["latent_dims"] = 8;
    EXPECT_EQ(test::spec_error_text(doc),
              "spec error at /modules/V1_encoder/latent_dims: unknown key \"latent_dims\"; did you "
              "mean \"latent_dim\"?");
    doc = linear_spec(dir / "log.h5");
    doc["modules"]["V1_generator"]["latent_dim"] = 9;
    EXPECT_EQ(test::spec_error_text(doc),
              "spec error at /modules/V1_generator/latent_dim: the generator's latent_dim must be the encoder's");
    doc = linear_spec(dir / "log.h5");
    doc["modules"]["V1_generator"] = {{"type", "pad_generator"}};
    EXPECT_EQ(test::spec_error_text(doc),
              "spec error at /modules/V1_generator/type: module \"V1_generator\" is a pad_generator "
              "(pad areas), but the cycle's brain states (\"wake\": linear_wake) work on linear areas");
}

TEST(AreaFamily, AToyFamilyTrainsIsRecordedAndEvaluated) {
    const auto dir = test::temp_dir("linear_family_run");
    const ExperimentSpec spec = parse_spec(linear_spec(dir / "log.h5"));
    const RunResult result = test::run_logged(spec);
    EXPECT_EQ(result.status, RunStatus::finished);
    // 3 epochs of 4 mini-batches; the reconstruction error falls as both pathways learn.
    const auto loss = test::log_series(dir / "log.h5", "/states/wake/losses/reconstruction");
    ASSERT_EQ(loss.size(), 12u);
    const double first_epoch = (loss[0] + loss[1] + loss[2] + loss[3]) / 4;
    const double last_epoch = (loss[8] + loss[9] + loss[10] + loss[11]) / 4;
    EXPECT_LT(last_epoch, 0.9 * first_epoch);
    // The activity probe records every layer the family names, after each epoch's last step.
    EXPECT_EQ(dataset_shape(dir / "log.h5", "/activity/wake/V1_encoder/z"), (std::vector<hsize_t>{3, 40, 8}));
    EXPECT_EQ(dataset_shape(dir / "log.h5", "/activity/wake/V1_generator/output"),
              (std::vector<hsize_t>{3, 40, 1, 32, 32}));
    // The evaluations read the encoder through its interface.
    ASSERT_TRUE(result.evaluation.has_value());
    EXPECT_EQ(dataset_shape(dir / "log.h5", "/eval/linear_readout/test_accuracy"), (std::vector<hsize_t>{1, 2}));
    EXPECT_EQ(dataset_shape(dir / "log.h5", "/plasticity/feedforward/weight_change/wake"),
              (std::vector<hsize_t>{1, 8 * 1024 + 8}));
}

}  // namespace somnus
