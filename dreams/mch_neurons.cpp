// MCH neurons: melanin-concentrating-hormone neurons of the hypothalamus, silent
// in Wake and NREM, active in REM, where they make the hippocampus forget
// (Izawa et al. 2019; Kong & Aarabi's review). After every step of the states
// it acts in, the store forgets a fraction `rate` of its episodes ("prune": the
// count accumulates, so 100 episodes at rate 0.1 keep 90, 81, 73, ...; the newest
// is never forgotten) or every stored latent fades towards the prior mean ("fade").
#include <cmath>

#include "sim/model/dream_module.hpp"
#include "sim/model/model.hpp"

namespace somnus {

namespace {

// How MCH neurons make the store forget: whole memories, or every memory a little.
enum class Forgetting { prune, fade };
const EnumNames<Forgetting>& enum_names(Forgetting) {
    static const EnumNames<Forgetting> names{{Forgetting::prune, "prune"}, {Forgetting::fade, "fade"}};
    return names;
}

struct MchParams : DreamModuleParams {
    double rate = 0.01;
    Forgetting mode = Forgetting::prune;
    PruneOrder forget = PruneOrder::oldest;  // least_salient: by the amygdala's tags
    std::vector<std::string> states{"rem"};
};

const ParameterSet& parameters() {
    const MchParams p;
    static const ParameterSet set{
        "mch_neurons",
        "",
        {number("rate", p.rate, 0.0, 1.0, "share of the stored memories forgotten per iteration of the chosen states"),
         choice("mode", name_of(p.mode), names_of<Forgetting>(),
                "forget whole memories, or fade every memory toward zero"),
         choice("forget", name_of(p.forget), names_of<PruneOrder>(),
                "mode \"prune\": which memories go first (least_salient: by the amygdala's tags)"),
         strings("states", p.states, "brain states in which memories are forgotten")}};
    return set;
}

std::shared_ptr<const DreamModuleParams> parse(ObjectReader& r) {
    auto p = std::make_shared<MchParams>();
    p->rate = r.number("rate");
    p->mode = r.choice_of<Forgetting>("mode");
    p->forget = r.choice_of<PruneOrder>("forget");
    p->states = r.strings("states");
    return p;
}

class MchNeurons : public DreamModule {
public:
    MchNeurons(const MchParams& p, ModuleKind) : p_(p) {}

    void after_step(const std::string& state, Model& model, const Experience&, const StepClock&) override {
        if (!acts_in(p_.states, state)) return;
        if (p_.mode == Forgetting::fade) {
            model.hippocampus.fade(p_.rate);
            return;
        }
        owed_ += p_.rate * double(model.hippocampus.occupancy());
        const auto count = static_cast<std::int64_t>(std::floor(owed_ + 1e-9));
        owed_ -= double(model.hippocampus.prune(count, p_.forget));
        owed_ = std::max(0.0, owed_);
    }

    std::vector<double> state() const override { return {owed_}; }
    void restore(const std::vector<double>& state) override { owed_ = state.at(0); }

private:
    MchParams p_;
    double owed_ = 0.0;  // fractional episodes still to forget
};

void check(const ExperimentSpec& spec, const ModuleSpec& m) {
    check_state_names(spec, m, dream_params_of<MchParams>(m).states);
}

}  // namespace

DreamModuleType mch_neurons_type() {
    return {"mch_neurons",
            "REM forgetting: hippocampal memories pruned or faded at a set rate in the chosen states",
            {ModuleKind::hippocampus},
            parse,
            make_dream_module<MchNeurons, MchParams>,
            &parameters(),
            check};
}

}  // namespace somnus
