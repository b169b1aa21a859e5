// A toy probe, registered from this one file, the way a lab would add its own
// recording (docs/architecture.md, "Add a probe"): it counts each chosen brain
// state's steps per epoch and writes the counts to /step_counts/<state>. Its keys
// ("enabled", "states") are declared once, each beside the field it fills; the spec reader and its errors,
// `somnus describe`, the resolved spec and the run take it up through the
// catalogue (sim/spec/catalog.hpp: ProbeType). Off by default, so the toy family's
// runs in this program record what they recorded before.
#include <hdf5.h>

#include <gtest/gtest.h>

#include "sim/record/probe_support.hpp"
#include "sim/spec/describe.hpp"
#include "tests/helpers.hpp"
#include "tests/run_logged.hpp"

namespace somnus {

namespace {

// ---- the probe: its keys, its parser, its check and the observer ---------------------------
struct StepCountRecord {
    std::vector<std::string> states;  // empty = every state of the schedule
};

// Each key once, bound to the field it fills (sim/spec/fields.hpp); "enabled" is the registration's.
const Fields<StepCountRecord>& step_count_fields() {
    static const Fields<StepCountRecord> fields{
        "step_counts",
        "steps of each brain state per epoch",
        {field::declared<StepCountRecord>(boolean("enabled", false, "record them")),
         field::strings("states", &StepCountRecord::states, "states counted; [] = every state of the schedule")}};
    return fields;
}

ModuleParams parse_step_counts(ObjectReader& r) { return step_count_fields().read(r); }

void check_step_counts(const ExperimentSpec& spec, const ProbeSpec& probe) {
    check_states_run(spec, probe.params.get<StepCountRecord>().states, probe.pointer + "/states");
}

class StepCountProbe : public Observer {
public:
    StepCountProbe(const ExperimentSpec& spec, const StepCountRecord& record, LogFile& log) : log_(log) {
        states_ = record.states.empty() ? cycle_states(spec) : record.states;
        for (const auto& state : states_) counts_[state] = 0;
    }

    void step_done(const StepEvent& e) override {
        if (counts_.count(*e.state)) ++counts_[*e.state];
    }

    void epoch_done(const EpochEvent&) override {
        for (auto& [state, count] : counts_) {
            const std::string path = "/step_counts/" + state;
            if (described_.insert(state).second) log_.describe(path, "steps of " + state + " in each epoch", "steps");
            log_.append(path, count);
            count = 0;
        }
    }

private:
    LogFile& log_;
    std::vector<std::string> states_;
    std::map<std::string, std::int64_t> counts_;
    std::set<std::string> described_;
};

ProbeType step_count_probe_type() {
    return {"step_counts",
            "steps of each brain state per epoch",
            &step_count_fields().parameters(),
            false,
            parse_step_counts,
            check_step_counts,
            make_probe<StepCountProbe, StepCountRecord>};
}

// ---- its registration line --------------------------------------------------------------------
const ProbeTypeRegistration toy_probe{{step_count_probe_type()}};

// ---- tests ---------------------------------------------------------------------------------------
Json pad_spec_with_step_counts(const test::fs::path& log) {
    Json spec = test::tiny_spec(test::fake_fashion_dir("ToyProbe", 64, 20), log);
    spec["data"]["train_subset"] = 64;
    spec["record"]["checkpoint"] = false;
    spec["record"]["step_counts"] = {{"enabled", true}, {"states", {"wake", "rem"}}};
    spec["eval"] = {{"linear_readout", {{"enabled", false}}}, {"latent_geometry", {{"enabled", false}}}};
    return spec;
}

}  // namespace

TEST(Probe, AToyProbeRegisteredFromOneFileIsDescribedAndRead) {
    const ProbeType* type = find_probe_type("step_counts");
    ASSERT_NE(type, nullptr);
    EXPECT_EQ(probe_types().size(), 5u);  // the four built-in probes and this one
    // `somnus describe record` lists its keys under record.step_counts.
    const std::string described = describe_text(find_described("record"));
    EXPECT_NE(described.find("step_counts.enabled"), std::string::npos) << described;
    EXPECT_NE(described.find("step_counts.states"), std::string::npos) << described;

    const auto dir = test::temp_dir("toy_probe_spec");
    const ExperimentSpec spec = parse_spec(pad_spec_with_step_counts(dir / "log.h5"));
    const ProbeSpec* probe = spec.record.probe("step_counts");
    ASSERT_NE(probe, nullptr);
    EXPECT_TRUE(probe->enabled);
    EXPECT_EQ(probe->params.get<StepCountRecord>().states, (std::vector<std::string>{"wake", "rem"}));
    // Left out, it is off, and the resolved spec says so.
    Json doc = pad_spec_with_step_counts(dir / "log.h5");
    doc["record"].erase("step_counts");
    const ExperimentSpec without = parse_spec(doc);
    EXPECT_FALSE(without.record.probe("step_counts")->enabled);
    EXPECT_EQ(without.source["record"]["step_counts"], Json::parse(R"({"enabled": false, "states": []})"));

    // The reader's errors and its own check, at the pointer.
    doc = pad_spec_with_step_counts(dir / "log.h5");
    doc["record"]["step_counts"]["state"] = {"wake"};
    EXPECT_EQ(test::spec_error_text(doc),
              "spec error at /record/step_counts/state: unknown key \"state\"; did you mean \"states\"?");
    doc = pad_spec_with_step_counts(dir / "log.h5");
    doc["record"]["step_counts"]["states"] = {"wake", "remm"};
    EXPECT_EQ(test::spec_error_text(doc),
              "spec error at /record/step_counts/states/1: unknown brain state of the schedule \"remm\"; did you "
              "mean \"rem\"?");
}

TEST(Probe, AToyProbeRecordsDuringARun) {
    const auto dir = test::temp_dir("toy_probe_run");
    const ExperimentSpec spec = parse_spec(pad_spec_with_step_counts(dir / "log.h5"));
    EXPECT_EQ(test::run_logged(spec).status, RunStatus::finished);
    // 2 epochs of 64 images in mini-batches of 16: Wake and REM each step 4 times an epoch;
    // NREM is not counted.
    EXPECT_EQ(test::log_series(dir / "log.h5", "/step_counts/wake"), (std::vector<double>{4, 4}));
    EXPECT_EQ(test::log_series(dir / "log.h5", "/step_counts/rem"), (std::vector<double>{4, 4}));
    const Hdf5Handle file = open_for_reading((dir / "log.h5").string());
    EXPECT_EQ(H5Lexists(file, "/step_counts/nrem", H5P_DEFAULT), 0);
}

}  // namespace somnus
