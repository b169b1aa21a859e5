// Prefrontal deactivation in REM: the prefrontal cortex, whose reasoning keeps
// waking thought to what the world allows, is silent in REM (Muzur et al. 2002;
// Kong & Aarabi's review). The gate removes top-down control from the pathway it
// is wired to during the chosen states: that pathway's plasticity gain from the
// conductor is multiplied by `level` (0 = off), so it takes no part in learning
// from the dream, while the other pathways learn as the conductor says.
#include "sim/model/dream_module.hpp"
#include "sim/model/model.hpp"

namespace somnus {

namespace {

struct GateParams : DreamModuleParams {
    double level = 0.0;  // prefrontal activity left in the gated states: 0 silent, 1 as awake
    std::vector<std::string> states{"rem"};
};

const ParameterSet& parameters() {
    const GateParams p;
    static const ParameterSet set{
        "prefrontal_gate",
        "",
        {number("level", p.level, 0.0, 1.0,
                "prefrontal activity left in the gated states: 0 silent (no plasticity), 1 as awake"),
         strings("states", p.states, "brain states in which the wired pathway's plasticity is gated")}};
    return set;
}

std::shared_ptr<const DreamModuleParams> parse(ObjectReader& r) {
    auto p = std::make_shared<GateParams>();
    p->level = r.number("level");
    p->states = r.strings("states");
    return p;
}

class PrefrontalGate : public DreamModule {
public:
    PrefrontalGate(const GateParams& p, ModuleKind target) : p_(p), target_(target) {}

    void modulate(const std::string& state, Modulation& m) const override {
        if (!acts_in(p_.states, state)) return;
        (target_ == ModuleKind::generator ? m.feedback_sign : m.feedforward_sign) *= p_.level;
    }

private:
    GateParams p_;
    ModuleKind target_;
};

void check(const ExperimentSpec& spec, const ModuleSpec& m) {
    check_state_names(spec, m, dream_params_of<GateParams>(m).states);
    for (const auto& other : spec.modules)
        if (const ModuleType* type = find_module_type(other.type); type && type->family == "stochastic")
            throw SpecError(m.pointer,
                            "the prefrontal gate scales the conductor's plasticity signs, which PAD's states use; the "
                            "stochastic areas of \"" +
                                other.name + "\" learn by the cortical phase instead");
}

}  // namespace

DreamModuleType prefrontal_gate_type() {
    return {"prefrontal_gate",
            "prefrontal deactivation: the wired pathway's plasticity gated off in the chosen states (REM)",
            {ModuleKind::generator, ModuleKind::encoder},
            parse,
            make_dream_module<PrefrontalGate, GateParams>,
            &parameters(),
            check};
}

}  // namespace somnus
