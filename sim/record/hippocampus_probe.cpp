// The hippocampus probe: occupancy of the store, replayed episodes and their ages
// ("record": {"hippocampus": true}, a switch: it has no keys).
#include <algorithm>
#include <set>

#include "sim/model/model.hpp"
#include "sim/record/probe_support.hpp"

namespace somnus {

namespace {

class HippocampusProbe : public Observer {
public:
    explicit HippocampusProbe(LogFile& log) : log_(log) {}

    void run_started(const RunInfo& info) override {
        hippocampus_ = &info.model->hippocampus;
        log_.attribute("/states", "hippocampus_capacity", double(hippocampus_->capacity()));
        // Days that differ, or a cue: which day each replayed memory comes from, and how many are cued.
        const ScheduleSpec& schedule = info.spec->schedule;
        days_ = schedule.days_differ() ||
                        std::any_of(schedule.protocols.begin(), schedule.protocols.end(),
                                    [](const SleepProtocol& p) { return p.cues(); })
                    ? std::max<std::int64_t>(schedule.epochs, 1)
                    : 0;
    }

    void state_starting(const StepEvent&) override { replays_before_ = hippocampus_->last_replay().count; }

    void step_done(const StepEvent& e) override {
        const std::string base = "/states/" + *e.state + "/hippocampus/";
        if (!described_.count(*e.state)) {
            described_.insert(*e.state);
            log_.describe(base + "occupancy", "episodes held after this step", "episodes");
            log_.describe(base + "episodes_stored",
                          "episodes stored since the start of the run (the newest has number episodes_stored - 1)",
                          "episodes");
            log_.describe(base + "replayed_episode", "number of the episode replayed in this step (-1 = no replay)",
                          "episode");
            log_.describe(base + "replayed_age", "steps since the replayed episode was stored (-1 = no replay)",
                          "iteration");
            log_.describe(base + "partner_episode", "number of the older episode mixed in (-1 = none)", "episode");
            log_.describe(base + "partner_age", "steps since the mixed-in episode was stored (-1 = none)", "iteration");
            log_.describe(
                base + "replayed_memories",
                "memories (rows) the replay drove, fewer than a mini-batch behind a dream filter (0 = no replay)",
                "memories");
            log_.describe(base + "replayed_salience",
                          "mean amygdala salience of the replayed memories (1 = untagged; NaN = no replay)", "1");
        }
        const ReplayRecord& r = hippocampus_->last_replay();
        const bool replayed = r.count != replays_before_;
        auto age = [&](std::int64_t stored) {
            return replayed && stored >= 0 ? e.clock.step - stored : std::int64_t(-1);
        };
        log_.append(base + "occupancy", hippocampus_->occupancy());
        log_.append(base + "episodes_stored", hippocampus_->episodes_stored());
        log_.append(base + "replayed_episode", replayed ? r.episode : std::int64_t(-1));
        log_.append(base + "replayed_age", age(r.episode_step));
        log_.append(base + "partner_episode", replayed ? r.partner : std::int64_t(-1));
        log_.append(base + "partner_age", r.partner >= 0 ? age(r.partner_step) : std::int64_t(-1));
        log_.append(base + "replayed_memories", replayed ? r.memories : std::int64_t(0));
        if (replayed)
            log_.append(base + "replayed_salience", r.salience);  // read at the log's next flush
        else
            log_.append(base + "replayed_salience", std::nan(""));
        if (days_ > 0) record_days(base, replayed ? &r : nullptr);
    }

private:
    // replayed_days: per step, how many replayed memories were stored on each day; replayed_cued: the share cued.
    void record_days(const std::string& base, const ReplayRecord* r) {
        if (!days_described_.count(base)) {
            days_described_.insert(base);
            log_.describe(base + "replayed_days",
                          "replayed memories stored on each day (step, day); all 0 = no replay", "memories");
            log_.describe(base + "replayed_cued", "share of the replayed memories a cue named (NaN = no replay)", "1");
        }
        std::vector<float> counts(std::size_t(days_), 0.0f);
        double cued = std::nan("");
        if (r && r->days.defined() && r->days.numel() > 0) {
            const auto days = r->days.to(torch::kCPU).clamp_min(0);
            const auto binned = torch::bincount(days, {}, days_).to(torch::kFloat32).slice(0, 0, days_).contiguous();
            std::copy(binned.data_ptr<float>(), binned.data_ptr<float>() + binned.numel(), counts.begin());
            cued = r->cued.defined() ? r->cued.to(torch::kCPU, torch::kFloat64).mean().item<double>() : 0.0;
        }
        log_.append_rows(base + "replayed_days", counts.data(), 1, {days_});
        log_.append(base + "replayed_cued", cued);
    }

    LogFile& log_;
    const Hippocampus* hippocampus_ = nullptr;
    std::int64_t replays_before_ = 0;
    std::set<std::string> described_, days_described_;
    std::int64_t days_ = 0;  // columns of replayed_days; 0 = not recorded
};

}  // namespace

ProbeType hippocampus_probe_type() {
    ProbeType type;
    type.name = "hippocampus";
    type.summary = "record occupancy, replayed episodes and their ages";
    type.make = [](const ExperimentSpec&, const ProbeSpec&, LogFile& log) -> std::unique_ptr<Observer> {
        return std::make_unique<HippocampusProbe>(log);
    };
    return type;
}

}  // namespace somnus
