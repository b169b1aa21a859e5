#include <gtest/gtest.h>

#include "neuromod/conductor.hpp"

using namespace somnus;

namespace {
Conductor pad_conductor() { return Conductor({{"wake", {1.0, 1.0}}, {"nrem", {0.0, 0.0}}, {"rem", {1.0, 0.0}}}); }
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
    c.set_levels("rem", {1.0, 0.5});                          // NA halfway: generator plasticity vanishes
    EXPECT_DOUBLE_EQ(c.modulation("rem").feedback_sign, 0.0);
}

TEST(Conductor, AdversarialGameNeedsAFakeTargetSomewhere) {
    Conductor c = pad_conductor();
    EXPECT_TRUE(c.teaches_fake({"wake", "nrem", "rem"}));
    EXPECT_FALSE(c.teaches_fake({"wake", "nrem"}));
    EXPECT_THROW(c.modulation("quiet_wake"), std::invalid_argument);
}

TEST(Conductor, ADoseChangesExactlyTheOutputsOfItsNeuromodulator) {
    Dose scopolamine;
    scopolamine.name = "scopolamine";
    scopolamine.states = {"rem"};
    scopolamine.epochs = {2, 3};
    scopolamine.ach = DoseEffect{DoseMode::scale, 0.2};
    Conductor c({{"wake", {1.0, 1.0}}, {"nrem", {0.0, 0.0}}, {"rem", {1.0, 0.0}}}, {scopolamine});
    const DoseTime before{1, 0.5, 4}, during{2, 0.5, 4};
    Modulation rem = c.modulation("rem", during), baseline = c.modulation("rem", before);
    EXPECT_DOUBLE_EQ(rem.levels.ach, 0.2);
    EXPECT_DOUBLE_EQ(rem.discriminator_gate, 0.2);                       // ACh-driven
    EXPECT_DOUBLE_EQ(rem.feedback_sign, -0.2);                           // a (2n - 1)
    EXPECT_DOUBLE_EQ(rem.phase, -0.6);                                   // 2a - 1
    EXPECT_EQ(rem.discriminator_target, baseline.discriminator_target);  // NA-driven: unchanged
    EXPECT_EQ(rem.feedforward_sign, baseline.feedforward_sign);
    EXPECT_DOUBLE_EQ(baseline.levels.ach, 1.0);                      // not on night 1
    EXPECT_DOUBLE_EQ(c.modulation("wake", during).levels.ach, 1.0);  // not in Wake
    EXPECT_DOUBLE_EQ(c.modulation("rem").levels.ach, 1.0);           // the baseline table is untouched
    EXPECT_EQ(c.active_doses("rem", during), std::vector<std::string>{"scopolamine"});
    EXPECT_TRUE(c.active_doses("rem", before).empty());
}

TEST(Conductor, DosesApplyInOrderRampAcrossTheirWindowAndClamp) {
    Dose ramp;
    ramp.name = "withdrawal";
    ramp.epochs = {1, 2};  // every state
    ramp.na = DoseEffect{DoseMode::ramp, 0.0, 0.0, 1.0};
    Dose extra;
    extra.name = "extra";
    extra.states = {"nrem"};
    extra.na = DoseEffect{DoseMode::add, 0.5};
    Conductor c({{"wake", {1.0, 1.0}}, {"nrem", {0.0, 0.0}}}, {ramp, extra});
    EXPECT_DOUBLE_EQ(c.levels("wake", DoseTime{1, 0.0, 3}).na, 0.0);  // the window's start
    EXPECT_DOUBLE_EQ(c.levels("wake", DoseTime{1, 0.5, 3}).na, 0.25);
    EXPECT_DOUBLE_EQ(c.levels("wake", DoseTime{2, 0.5, 3}).na, 0.75);
    EXPECT_DOUBLE_EQ(c.levels("wake", DoseTime{0, 0.5, 3}).na, 1.0);  // before it: the baseline
    EXPECT_DOUBLE_EQ(c.levels("nrem", DoseTime{2, 0.5, 3}).na, 1.0);  // 0.75 + 0.5, clamped
    EXPECT_DOUBLE_EQ(c.levels("nrem", DoseTime{0, 0.0, 3}).na, 0.5);  // only "extra" (all epochs)
    Modulation m = c.modulation("wake", DoseTime{1, 0.5, 3});
    EXPECT_DOUBLE_EQ(m.discriminator_target, 0.25);
    EXPECT_DOUBLE_EQ(m.feedback_sign, -0.5);
}
