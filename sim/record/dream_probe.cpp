// The dream probe: samples of each state's own mini-batch.
#include <algorithm>
#include <set>

#include "sim/model/model.hpp"
#include "sim/record/probe_support.hpp"

namespace somnus {

namespace {

class DreamProbe : public Observer {
public:
    DreamProbe(const ExperimentSpec& spec, LogFile& log) : spec_(spec), log_(log), record_(spec.record.dreams) {}

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

std::unique_ptr<Observer> make_dream_probe(const ExperimentSpec& spec, LogFile& log) {
    return std::make_unique<DreamProbe>(spec, log);
}

}  // namespace somnus
