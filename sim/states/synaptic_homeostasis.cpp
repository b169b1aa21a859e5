// Synaptic homeostasis (SHY; Tononi & Cirelli 2003, 2014): waking potentiates
// synapses, slow-wave sleep scales them back down, multiplicatively. A sleep state
// without data, dreams or a loss: on every mini-batch it scales the feedforward
// pathway's weight tensors W (the encoder's, not its biases) back towards what they
// were when the day started, W0 (kept by the runner, Model::day_start_weights):
//   target "day_norm" (default): W <- W * clamp(|W0| / |W|, 1 - rate, 1), the whole
//     tensor scaled down by at most `rate` per mini-batch until its norm is back at
//     the day's start (Tononi & Cirelli: proportional downscaling of the day's net
//     potentiation; relative strengths within a tensor are kept);
//   target "day_gain": each weight shrinks in magnitude by `rate` times what it gained
//     during the day, w <- w - rate * sign(w) * max(|w| - |w0|, 0) (downscaling only the
//     synapses the day potentiated).
// It logs the norm it acts on: the weights' norm after the step and at the day's start.
#include <cmath>

#include "sim/spec/fields.hpp"
#include "sim/states/brain_state.hpp"

namespace somnus {

namespace {

enum class HomeostasisTarget { day_norm, day_gain };
const EnumNames<HomeostasisTarget>& enum_names(HomeostasisTarget) {
    static const EnumNames<HomeostasisTarget> names{{HomeostasisTarget::day_norm, "day_norm"},
                                                    {HomeostasisTarget::day_gain, "day_gain"}};
    return names;
}

struct HomeostasisParams : StateParams {
    HomeostasisTarget target = HomeostasisTarget::day_norm;
    double rate = 0.01;  // per mini-batch
};

const Fields<HomeostasisParams>& fields() {
    static const Fields<HomeostasisParams> fields{
        "synaptic_homeostasis",
        "",
        {field::choice("target", &HomeostasisParams::target,
                       "scale each weight tensor towards its norm at the day's start, or shrink each weight by a share "
                       "of what it gained during the day"),
         field::number("rate", &HomeostasisParams::rate, 0.0, 1.0,
                       "day_norm: the most a tensor is scaled down per mini-batch (1 - rate); day_gain: the share of "
                       "the day's gain taken back per mini-batch")}};
    return fields;
}

std::shared_ptr<const StateParams> parse(ObjectReader& r) {
    return std::make_shared<HomeostasisParams>(fields().read(r));
}

class SynapticHomeostasis : public BrainState {
public:
    explicit SynapticHomeostasis(const HomeostasisParams& p) : p_(p) {}

    StepReport step(Model& model, const torch::Tensor&, const Modulation&, const StepClock&) override {
        model.zero_grad();  // nothing learns by gradient here
        torch::NoGradGuard no_grad;
        const auto weights = model.feedforward_weights();
        const auto& start = model.day_start_weights();
        if (start.size() != weights.size())
            throw std::logic_error("synaptic homeostasis: no weights kept from the day's start");
        torch::Tensor after = torch::zeros({}, weights.front().options()), before = torch::zeros_like(after);
        for (std::size_t i = 0; i < weights.size(); ++i) {
            torch::Tensor w = weights[i];
            const torch::Tensor& w0 = start[i];
            if (p_.target == HomeostasisTarget::day_norm) {
                w.mul_(torch::clamp(w0.norm() / w.norm(), 1.0 - p_.rate, 1.0));
            } else {
                w.sub_(p_.rate * w.sign() * (w.abs() - w0.abs()).clamp_min(0));
            }
            after += w.pow(2).sum();
            before += w0.pow(2).sum();
        }
        return {{},
                {{"feedforward_norm", after.sqrt()}, {"day_start_norm", before.sqrt()}},
                nullptr};
    }

private:
    HomeostasisParams p_;
};

}  // namespace

StateType synaptic_homeostasis_state_type() {
    StateType t{"synaptic_homeostasis",
                "scale the encoder's weights back towards their norm at the day's start (Tononi & Cirelli's SHY)",
                {ModuleKind::encoder},
                parse,
                make_state<SynapticHomeostasis, HomeostasisParams>,
                &fields().parameters()};
    t.needs_day_start = true;
    return t;
}

}  // namespace somnus
