// The conductor: the one place where neuromodulator levels become what the
// modules do. Brain states ask it; they never hard-code a sign or a target.
//
// With acetylcholine a = ACh and noradrenaline n = NA, both in [0, 1]:
//   discriminator gate    g = a            (0: discriminator neurons silent, no teaching signal)
//   discriminator target  t = n            (1: "real"/external, 0: "fake"/internal; doses in between)
//   plasticity sign, feedforward pathway (encoder, discriminator)   = +1
//   plasticity sign, feedback pathway (generator)           s = a (2n - 1)
//   cortical phase                  p = 2a - 1 (+1: externally driven, bottom-up; -1: internally
//                                              generated, top-down; Benjamin & Kording's ACh phase switch)
// PAD's table (Deperrois et al. 2022, Fig. 7) is the default:
//   Wake a=1 n=1: g=1 t=1 s=+1 | NREM a=0 n=0: g=0 s=0 | REM a=1 n=0: g=1 t=0 s=-1.
// Doses (pharmacology) change the levels in chosen states and epochs before this
// mapping, so a drug acts on exactly the outputs that depend on its neuromodulator.
// Adversarial wake-sleep reads the phase: its critics learn to raise their score on
// samples of phase +1 and lower it on phase -1 (plasticity sign p), the cortical
// areas learn the opposite (sign -p); intermediate ACh doses scale both.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "neuromod/params.hpp"

namespace somnus {

// What the conductor tells the modules in one brain state.
struct Modulation {
    Levels levels;
    double discriminator_gate = 0.0;
    double discriminator_target = 0.0;
    double feedforward_sign = 1.0;
    double feedback_sign = 0.0;
    double phase = 0.0;

    bool discriminator_active() const { return discriminator_gate > 0.0; }
};

// When in the run a step happens, as doses see it.
struct DoseTime {
    std::int64_t epoch = 0;
    double within_epoch = 0.0;  // fraction of the epoch done, in [0, 1)
    std::int64_t epochs = 1;    // of the schedule (negative dose epochs count from its end)
};

class Conductor {
public:
    explicit Conductor(std::map<std::string, Levels> levels, std::vector<Dose> doses = {});

    // The state's baseline levels (no drug).
    const Levels& levels(const std::string& state) const;
    // The levels at a time, after the doses acting then, in their order.
    Levels levels(const std::string& state, const DoseTime& time) const;
    // Names of the doses acting on the state at that time.
    std::vector<std::string> active_doses(const std::string& state, const DoseTime& time) const;
    // Changes the levels of one state (a dose, an antagonist, a lesion).
    void set_levels(const std::string& state, Levels levels);
    Modulation modulation(const std::string& state) const;
    Modulation modulation(const std::string& state, const DoseTime& time) const;
    // What the conductor makes of a set of levels (the one mapping).
    static Modulation modulation_of(const Levels& levels);

    static double discriminator_gate(const Levels& l);
    static double discriminator_target(const Levels& l);
    static double plasticity_sign(PathwayKind pathway, const Levels& l);
    static double phase(const Levels& l);

    // True when some state of `cycle` teaches the discriminator "fake" (target < 1/2):
    // only then is there an adversarial game for Wake's "real" signal to take part in.
    bool teaches_fake(const std::vector<std::string>& cycle) const;

private:
    std::map<std::string, Levels> levels_;
    std::vector<Dose> doses_;
};

}  // namespace somnus
