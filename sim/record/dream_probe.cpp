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

const Fields<DreamRecord>& dreams_fields() {
    static const Fields<DreamRecord> fields{
        "dreams", "samples of each state's own mini-batch: inputs, reconstructions, dreams",
        field::joined<DreamRecord>(
            {field::declared<DreamRecord>(boolean("enabled", true, "record them")),
             field::integer("images", &DreamRecord::images, 1, 1 << 20, "first rows of the mini-batch kept")
                 .in("images"),
             field::strings("states", &DreamRecord::states, "states sampled; [] = every state of the schedule")},
            field::part(&DreamRecord::times, sample_time_fields()))};
    return fields;
}

ModuleParams parse_dreams(ObjectReader& r) { return dreams_fields().read(r); }

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
            &dreams_fields().parameters(),
            true,
            parse_dreams,
            check_dreams,
            make_probe<DreamProbe, DreamRecord>};
}

}  // namespace somnus
