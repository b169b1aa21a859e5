#include "sim/run/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "data/datasets.hpp"
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
    Timeline timeline;
    const std::vector<std::string> all_states = schedule.states_run();
    for (std::int64_t epoch = 0; epoch < schedule.epochs; ++epoch) {
        EpochPlan plan;
        std::vector<std::string> deprived;
        std::string instead, arousal_state = schedule.cycle.front();
        std::map<std::string, double> scale;
        double length = 1.0;
        std::int64_t every = 0, arousal_iterations = 1;
        bool restart = true;
        for (const auto& p : schedule.protocols) {
            if (!p.epochs.empty() && !epoch_listed(p.epochs, epoch, schedule.epochs)) continue;
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
        if (plan.iterations() == 0) {  // every state of the day taken away and no night: nothing would run
            std::string pointer = "/schedule/cycle";
            for (const auto& p : schedule.protocols)
                if (p.epochs.empty() || epoch_listed(p.epochs, epoch, schedule.epochs)) {
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

Timeline expand_schedule(const ExperimentSpec& spec, std::int64_t batches_per_pass) {
    return expand_schedule(spec.schedule, batches_per_pass, [&](const std::string& name) {
        const StateSpec* s = spec.state(name);
        const StateType* t = s ? find_state_type(s->type) : nullptr;
        return t && t->awake;
    });
}

Timeline timeline_of(const ExperimentSpec& spec) {
    return expand_schedule(spec, training_images(spec.data) / spec.schedule.batch_size);
}

namespace {
bool same_plan(const EpochPlan& a, const EpochPlan& b) {
    if (a.protocols != b.protocols || a.blocks.size() != b.blocks.size()) return false;
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
