#include "sim/run/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "data/datasets.hpp"
#include "data/image_set.hpp"
#include "hippocampus/params.hpp"
#include "sim/spec/catalog.hpp"

namespace somnus {

std::int64_t EpochPlan::iterations() const {
    std::int64_t n = 0;
    for (const auto& b : blocks) n += b.iterations;
    return n;
}

std::int64_t EpochPlan::iterations_of(const std::string& state) const {
    std::int64_t n = 0;
    for (const auto& b : blocks)
        if (std::find(b.states.begin(), b.states.end(), state) != b.states.end()) n += b.iterations;
    return n;
}

std::int64_t EpochPlan::last_iteration_of(const std::string& state) const {
    std::int64_t at = 0, last = -1;
    for (const auto& b : blocks) {
        if (std::find(b.states.begin(), b.states.end(), state) != b.states.end()) last = at + b.iterations - 1;
        at += b.iterations;
    }
    return last;
}

std::int64_t Timeline::total_iterations() const {
    std::int64_t n = 0;
    for (const auto& e : epochs) n += e.iterations();
    return n;
}

namespace {

std::string states_text(const std::vector<std::string>& states) {
    std::string t;
    for (const auto& s : states) t += (t.empty() ? "" : "+") + s;
    return t;
}

// Appends a block, merging it with the previous one when both run the same states in the same part.
void append(std::vector<Block>& blocks, Block b) {
    if (b.iterations <= 0) return;
    if (!blocks.empty() && blocks.back().part == b.part && blocks.back().states == b.states) {
        blocks.back().iterations += b.iterations;
        return;
    }
    blocks.push_back(std::move(b));
}

// The night's sleep, `total` iterations long, walking the episode pattern
// cyclically. With fragmentation, an arousal follows every `every` sleep
// iterations and (restart) sleep begins again at the pattern's first episode.
std::vector<Block> sleep_sequence(const std::vector<NightEpisode>& pattern, std::int64_t total, std::int64_t every,
                                  const Block& arousal, bool restart) {
    std::vector<Block> out;
    std::int64_t per_cycle = 0;
    for (const auto& e : pattern) per_cycle += e.iterations;
    if (per_cycle == 0 || total <= 0) return out;
    std::size_t episode = 0;
    std::int64_t into_episode = 0, done = 0, since_arousal = 0;
    while (done < total) {
        const NightEpisode& e = pattern[episode];
        std::int64_t n = std::min(e.iterations - into_episode, total - done);
        if (every > 0) n = std::min(n, every - since_arousal);
        append(out, Block{"night", {e.state}, n});
        done += n;
        into_episode += n;
        since_arousal += n;
        if (into_episode >= e.iterations) {
            episode = (episode + 1) % pattern.size();
            into_episode = 0;
        }
        if (every > 0 && since_arousal == every && done < total) {
            append(out, arousal);
            since_arousal = 0;
            if (restart) {
                episode = 0;
                into_episode = 0;
            }
        }
    }
    return out;
}

}  // namespace

Timeline expand_schedule(const ScheduleSpec& schedule, std::int64_t batches_per_pass,
                         const std::function<bool(const std::string&)>& awake) {
    std::vector<std::int64_t> images(std::size_t(std::max<std::int64_t>(schedule.epochs, 0)),
                                     batches_per_pass * schedule.batch_size);
    Timeline timeline = expand_schedule(schedule, images, awake);
    for (auto& e : timeline.epochs) e.images = -1;  // not counted: the passes were given
    return timeline;
}

Timeline expand_schedule(const ScheduleSpec& schedule, const std::vector<std::int64_t>& day_images,
                         const std::function<bool(const std::string&)>& awake) {
    Timeline timeline;
    const std::vector<std::string> all_states = schedule.states_run();
    for (std::int64_t epoch = 0; epoch < schedule.epochs; ++epoch) {
        EpochPlan plan;
        plan.classes = schedule.classes_of_day(epoch);
        plan.images = day_images.at(std::size_t(epoch));
        const std::int64_t batches_per_pass = plan.images / schedule.batch_size;
        std::vector<std::string> deprived;
        std::string instead, arousal_state = schedule.cycle.front();
        std::map<std::string, double> scale;
        double length = 1.0;
        std::int64_t every = 0, arousal_iterations = 1;
        bool restart = true;
        for (const auto& p : schedule.protocols) {
            if (!p.acts_on(epoch, schedule.epochs)) continue;
            plan.protocols.push_back(p.name);
            for (const auto& d : p.deprive) {
                if (d == "sleep") {
                    for (const auto& s : all_states)
                        if (!awake(s) && s != p.instead) deprived.push_back(s);
                } else {
                    deprived.push_back(d);
                }
            }
            if (!p.instead.empty()) instead = p.instead;
            for (const auto& [state, factor] : p.episode_scale) scale.emplace(state, 1.0).first->second *= factor;
            length *= p.night_length;
            if (p.fragment_every > 0 && (every == 0 || p.fragment_every < every)) {
                every = p.fragment_every;
                if (!p.arousal_state.empty()) arousal_state = p.arousal_state;
                arousal_iterations = p.arousal_iterations;
                restart = p.restart_cycle;
            }
        }
        auto is_deprived = [&](const std::string& s) {
            return std::find(deprived.begin(), deprived.end(), s) != deprived.end();
        };

        // The day: the cycle without the deprived states.
        std::vector<std::string> day;
        for (const auto& s : schedule.cycle)
            if (!is_deprived(s)) day.push_back(s);
        const std::int64_t day_iterations = schedule.day_iterations > 0 ? schedule.day_iterations : batches_per_pass;
        if (!day.empty()) append(plan.blocks, Block{"day", day, day_iterations});

        // The night: rebound scales episodes, the length restricts or extends it,
        // fragmentation interrupts it, deprivation removes (or replaces) episodes.
        if (schedule.night.cycles > 0) {
            std::vector<NightEpisode> pattern = schedule.night.episodes;
            std::int64_t per_cycle = 0;
            for (auto& e : pattern) {
                if (auto it = scale.find(e.state); it != scale.end())
                    e.iterations = static_cast<std::int64_t>(std::llround(double(e.iterations) * it->second));
                per_cycle += e.iterations;
            }
            const auto total =
                static_cast<std::int64_t>(std::llround(length * double(schedule.night.cycles * per_cycle)));
            const Block arousal{"arousal", {arousal_state}, arousal_iterations};
            for (Block& b : sleep_sequence(pattern, total, every, arousal, restart)) {
                if (b.part == "night" && is_deprived(b.states.front())) {
                    if (instead.empty()) continue;
                    b = Block{"kept awake", {instead}, b.iterations};
                }
                append(plan.blocks, b);
            }
        }
        if (schedule.days_differ() && batches_per_pass == 0 &&
            std::any_of(day.begin(), day.end(), awake))
            throw SpecError("/schedule/days/" + std::to_string(epoch),
                            "day " + std::to_string(epoch) + " shows " + std::to_string(plan.images) +
                                " training images of its classes, fewer than one mini-batch of " +
                                std::to_string(schedule.batch_size) + ": give more data.train_subset or a smaller batch");
        if (plan.iterations() == 0) {  // every state of the day taken away and no night: nothing would run
            std::string pointer = "/schedule/cycle";
            for (const auto& p : schedule.protocols)
                if (p.acts_on(epoch, schedule.epochs)) {
                    pointer = p.pointer;
                    break;
                }
            throw SpecError(pointer, "epoch " + std::to_string(epoch) +
                                         " would be empty: its protocols take away every brain state of the day's cycle "
                                         "and it has no night; deprive fewer states");
        }
        timeline.epochs.push_back(std::move(plan));
    }
    return timeline;
}

namespace {
std::function<bool(const std::string&)> awake_in(const ExperimentSpec& spec) {
    return [&spec](const std::string& name) {
        const StateSpec* s = spec.state(name);
        const StateType* t = s ? find_state_type(s->type) : nullptr;
        return t && t->awake;
    };
}

// A cue needs its memories in the store. A store that lets the oldest episode go holds,
// at night e, only the last `capacity` episodes (one per Wake mini-batch that stores):
// a cued day, or every day that showed a cued class, whose episodes are all gone by
// then can never be replayed, and the cue would act on nothing.
void check_cues_reach_the_store(const ExperimentSpec& spec, const Timeline& timeline) {
    const ModuleSpec* store = spec.hippocampus();
    if (!store || store->params.get<HippocampusParams>().keep != Retention::oldest) return;
    const std::int64_t capacity = store->params.get<HippocampusParams>().capacity;
    std::vector<std::int64_t> stored;  // episodes stored on each day (epoch), by the states of type "wake"
    for (const auto& plan : timeline.epochs) {
        std::int64_t n = 0;
        for (const auto& s : spec.states)
            if (s.type == "wake") n += plan.iterations_of(s.name);
        stored.push_back(n);
    }
    // Whether day d's last episode is still held at night e.
    auto held = [&](std::int64_t d, std::int64_t e) {
        std::int64_t since = 0;
        for (std::int64_t k = d + 1; k <= e; ++k) since += stored[std::size_t(k)];
        return stored[std::size_t(d)] > 0 && since < capacity;
    };
    const ScheduleSpec& schedule = spec.schedule;
    const std::string keep = "/modules/" + store->name + "/capacity";
    for (const auto& p : schedule.protocols) {
        if (!p.cues()) continue;
        for (std::int64_t e = 0; e < schedule.epochs; ++e) {
            if (!p.acts_on(e, schedule.epochs)) continue;
            if (p.cue_day >= 0 && !held(p.cue_day, e))
                throw SpecError(p.pointer + "/cue/day",
                                "night " + std::to_string(e) + " cues day " + std::to_string(p.cue_day) +
                                    ", but a store of " + std::to_string(capacity) +
                                    " episodes that lets the oldest go (keep \"oldest\") holds none of its episodes "
                                    "by then: give a larger capacity (" + keep + ") or keep \"reservoir\"");
            for (std::size_t i = 0; i < p.cue_classes.size(); ++i) {
                bool any = false;
                for (std::int64_t d = 0; d <= e && !any; ++d) {
                    const auto& day = schedule.classes_of_day(d);
                    any = (day.empty() || std::find(day.begin(), day.end(), p.cue_classes[i]) != day.end()) && held(d, e);
                }
                if (!any)
                    throw SpecError(p.pointer + "/cue/classes/" + std::to_string(i),
                                    "night " + std::to_string(e) + " cues class " + std::to_string(p.cue_classes[i]) +
                                        ", but a store of " + std::to_string(capacity) +
                                        " episodes that lets the oldest go (keep \"oldest\") holds no episode of a "
                                        "day that showed it by then: give a larger capacity (" + keep +
                                        ") or keep \"reservoir\"");
            }
        }
    }
}
}  // namespace

Timeline expand_schedule(const ExperimentSpec& spec, std::int64_t batches_per_pass) {
    Timeline timeline = expand_schedule(spec.schedule, batches_per_pass, awake_in(spec));
    check_cues_reach_the_store(spec, timeline);
    return timeline;
}

Timeline expand_schedule(const ExperimentSpec& spec, const std::vector<std::int64_t>& day_images) {
    Timeline timeline = expand_schedule(spec.schedule, day_images, awake_in(spec));
    check_cues_reach_the_store(spec, timeline);
    return timeline;
}

std::vector<std::int64_t> day_images(const ExperimentSpec& spec) {
    const auto epochs = std::size_t(std::max<std::int64_t>(spec.schedule.epochs, 0));
    if (!spec.schedule.days_differ()) return std::vector<std::int64_t>(epochs, training_images(spec.data));
    // The run's training subset, drawn as the runner draws it (its data generator's first draw).
    const torch::Tensor all = load_labels(spec.data, /*train=*/true);
    torch::Generator rng = at::detail::createCPUGenerator(static_cast<std::uint64_t>(spec.seed));
    const torch::Tensor labels = all.index_select(0, random_subset_rows(all.size(0), spec.data.train_subset, rng));
    std::vector<std::int64_t> images;
    for (std::size_t e = 0; e < epochs; ++e)
        images.push_back(in_classes(labels, spec.schedule.classes_of_day(std::int64_t(e))).sum().item<std::int64_t>());
    return images;
}

Timeline timeline_of(const ExperimentSpec& spec) {
    if (!spec.schedule.days_differ()) return expand_schedule(spec, training_images(spec.data) / spec.schedule.batch_size);
    return expand_schedule(spec, day_images(spec));
}

namespace {
bool same_plan(const EpochPlan& a, const EpochPlan& b) {
    if (a.protocols != b.protocols || a.classes != b.classes || a.blocks.size() != b.blocks.size()) return false;
    for (std::size_t i = 0; i < a.blocks.size(); ++i)
        if (a.blocks[i].part != b.blocks[i].part || a.blocks[i].states != b.blocks[i].states ||
            a.blocks[i].iterations != b.blocks[i].iterations)
            return false;
    return true;
}
}  // namespace

std::string Timeline::describe() const {
    std::string text;
    for (std::size_t e = 0; e < epochs.size();) {
        std::size_t last = e;  // consecutive epochs with the same plan share a line
        while (last + 1 < epochs.size() && same_plan(epochs[last + 1], epochs[e])) ++last;
        const EpochPlan& plan = epochs[e];
        std::string line =
            last == e ? "epoch " + std::to_string(e) : "epochs " + std::to_string(e) + "-" + std::to_string(last);
        if (!plan.protocols.empty()) line += " [" + join(plan.protocols) + "]";
        if (!plan.classes.empty()) {
            std::string classes;
            for (auto c : plan.classes) classes += (classes.empty() ? "" : ",") + std::to_string(c);
            line += " (classes " + classes + (plan.images >= 0 ? ": " + std::to_string(plan.images) + " images" : "") + ")";
        }
        line += ":";
        std::string part;
        std::size_t shown = 0;
        const std::size_t limit = 12;
        for (const auto& b : plan.blocks) {
            if (shown == limit) {
                line += ", ... (" + std::to_string(plan.blocks.size()) + " blocks)";
                break;
            }
            line += (b.part != part ? (part.empty() ? " " : " | ") + b.part + " " : ", ") + states_text(b.states) +
                    " x" + std::to_string(b.iterations);
            part = b.part;
            ++shown;
        }
        // Totals per state: what the epoch's day and night add up to.
        std::vector<std::string> order;
        for (const auto& b : plan.blocks)
            for (const auto& s : b.states)
                if (std::find(order.begin(), order.end(), s) == order.end()) order.push_back(s);
        line += "  (" + std::to_string(plan.iterations()) + " mini-batches";
        for (const auto& s : order) line += "; " + s + " " + std::to_string(plan.iterations_of(s));
        line += ")";
        text += line + "\n";
        e = last + 1;
    }
    return text;
}

}  // namespace somnus
