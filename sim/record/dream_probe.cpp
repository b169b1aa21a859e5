// The dream probe: samples of each state's own mini-batch, Wake's input and
// reconstruction, the NREM dream and its occluded version, the REM dream, the
// discriminator's outputs ("record": {"dreams": {...}}).
#include <algorithm>
#include <set>

#include "sim/model/model.hpp"
#include "sim/record/probe_support.hpp"

namespace somnus {

namespace {

struct DreamRecord {
    std::int64_t images = 16;         // first rows of the mini-batch kept
    std::vector<std::string> states;  // empty = every state of the schedule
    SampleTimes times;
};

const ParameterSet& dreams_parameters() {
    const DreamRecord d;
    static const ParameterSet set{
        "dreams", "samples of each state's own mini-batch: inputs, reconstructions, dreams",
        joined({boolean("enabled", true, "record them"),
                integer("images", d.images, 1, 1 << 20, "first rows of the mini-batch kept").in("images"),
                strings("states", d.states, "states sampled; [] = every state of the schedule")},
               sample_time_parameters())};
    return set;
}

ModuleParams parse_dreams(ObjectReader& r) {
    DreamRecord d;
    d.images = r.integer("images");
    d.states = r.strings("states");
    d.times = parse_sample_times(r);
    return d;
}

void check_dreams(const ExperimentSpec& spec, const ProbeSpec& probe) {
    check_states_run(spec, probe.params.get<DreamRecord>().states, probe.pointer + "/states");
}

class DreamProbe : public Observer {
public:
    DreamProbe(const ExperimentSpec& spec, const DreamRecord& record, LogFile& log)
        : spec_(spec), log_(log), record_(record) {}

    void run_started(const RunInfo& info) override {
        epochs_ = info.epochs;
        timeline_ = info.timeline;
        states_ = record_.states.empty() ? cycle_states(spec_) : record_.states;
    }

    void step_done(const StepEvent& e) override {
        if (!e.report->samples || !contains(states_, *e.state)) return;
        if (!record_.times.at(e.clock.epoch, e.clock.iteration, epochs_, steps_in_epoch(timeline_, e))) return;
        const std::string group = "/dreams/" + *e.state;
        if (!described_.count(*e.state)) {
            described_.insert(*e.state);
            describe_clock(log_, group, "sample");
            for (const auto& [name, tensor] : e.report->samples->tensors)
                log_.describe(
                    group + "/" + name, name + " of the " + *e.state + " mini-batch (first rows), (samples, rows, ...)",
                    name == "discriminator_output" ? "probability (1 = judged real)" : "normalised intensity");
        }
        append_clock(log_, group, e.clock);
        for (const auto& [name, tensor] : e.report->samples->tensors)
            append_tensor(log_, group + "/" + name, tensor.slice(0, 0, record_.images).unsqueeze(0));
    }

private:
    const ExperimentSpec& spec_;
    LogFile& log_;
    DreamRecord record_;
    std::int64_t epochs_ = 0;
    const Timeline* timeline_ = nullptr;
    std::vector<std::string> states_;
    std::set<std::string> described_;
};

}  // namespace

ProbeType dream_probe_type() {
    return {"dreams",
            "samples of each state's mini-batch",
            &dreams_parameters(),
            true,
            parse_dreams,
            check_dreams,
            make_probe<DreamProbe, DreamRecord>};
}

}  // namespace somnus
