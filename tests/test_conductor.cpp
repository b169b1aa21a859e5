#include <gtest/gtest.h>

#include "neuromod/conductor.hpp"

using namespace somnus;

namespace {
Conductor pad_conductor() {
    return Conductor({{"wake", {1.0, 1.0}}, {"nrem", {0.0, 0.0}}, {"rem", {1.0, 0.0}}});
}
}  // namespace

TEST(Conductor, PadTableOfFigure7) {
    Conductor c = pad_conductor();
    Modulation wake = c.modulation("wake"), nrem = c.modulation("nrem"), rem = c.modulation("rem");
    // Wake: discriminator taught "real", generator learns normally.
    EXPECT_TRUE(wake.discriminator_active());
    EXPECT_DOUBLE_EQ(wake.discriminator_target, 1.0);
    EXPECT_DOUBLE_EQ(wake.feedback_sign, 1.0);
    EXPECT_DOUBLE_EQ(wake.feedforward_sign, 1.0);
    // NREM: discriminator gated off, generator plasticity off, encoder learns.
    EXPECT_FALSE(nrem.discriminator_active());
    EXPECT_DOUBLE_EQ(nrem.feedback_sign, 0.0);
    EXPECT_DOUBLE_EQ(nrem.feedforward_sign, 1.0);
    // REM: discriminator taught "fake", generator plasticity sign reversed.
    EXPECT_TRUE(rem.discriminator_active());
    EXPECT_DOUBLE_EQ(rem.discriminator_target, 0.0);
    EXPECT_DOUBLE_EQ(rem.feedback_sign, -1.0);
}

TEST(Conductor, ADoseBetweenTheStatesGivesIntermediateSignals) {
    Conductor c = pad_conductor();
    c.set_levels("rem", {0.5, 0.25});  // partial cholinergic block, some noradrenaline
    Modulation m = c.modulation("rem");
    EXPECT_DOUBLE_EQ(m.discriminator_gate, 0.5);
    EXPECT_DOUBLE_EQ(m.discriminator_target, 0.25);
    EXPECT_DOUBLE_EQ(m.feedback_sign, 0.5 * (2 * 0.25 - 1));  // -0.25
    c.set_levels("rem", {1.0, 0.5});  // NA halfway: generator plasticity vanishes
    EXPECT_DOUBLE_EQ(c.modulation("rem").feedback_sign, 0.0);
}

TEST(Conductor, AdversarialGameNeedsAFakeTargetSomewhere) {
    Conductor c = pad_conductor();
    EXPECT_TRUE(c.teaches_fake({"wake", "nrem", "rem"}));
    EXPECT_FALSE(c.teaches_fake({"wake", "nrem"}));
    EXPECT_THROW(c.modulation("quiet_wake"), std::invalid_argument);
}
