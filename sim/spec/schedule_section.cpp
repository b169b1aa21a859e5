// The spec's "schedule": days (the cycle of brain states on each mini-batch),
// nights (cycles of episodes) and sleep protocols (deprivation, restriction,
// recovery, fragmentation) over the epochs.
#include "sim/spec/sections.hpp"

#include <algorithm>

namespace somnus {

std::vector<std::int64_t> parse_epoch_list(ObjectReader& r, const std::string& key) {
    if (const Json* e = r.child(key); e && e->is_string()) {
        if (*e != "all")
            throw SpecError(r.at(key).to_string(),
                            "expected \"all\" or a list of epochs, got \"" + e->get<std::string>() + "\"");
        return {};
    }
    return r.integers(key);
}

namespace {

const ParameterSet& episode_parameters() {
    static const ParameterSet set{
        "episode",
        "one stretch of a night: a brain state run for a number of mini-batches",
        {text("state", "", "the brain state it runs").must_be_given(),
         integer("iterations", 1, 1, 1 << 30, "its length in mini-batches (give this or \"images\")")
             .in("mini-batches")
             .defaulting("(this or images)"),
         integer("images", 1, 1, std::int64_t(1) << 40,
                 "its length in images, rounded up to whole mini-batches (give this or \"iterations\")")
             .in("images")
             .defaulting("(this or iterations)")},
        {{"oneOf", Json::array({{{"required", {"iterations"}}}, {{"required", {"images"}}}})},
         {"required", {"state"}}}};
    return set;
}

const ParameterSet& night_parameters() {
    static const ParameterSet set{
        "night",
        "the night after each day: its episodes, in order, `cycles` times",
        {integer("cycles", 1, 0, 1 << 20, "repetitions of the episodes; 0 = no night"),
         objects("episodes", episode_parameters(),
                 "e.g. [{\"state\": \"nrem\", \"iterations\": 40}, {\"state\": \"rem\", \"iterations\": 20}]")
             .must_be_given()}};
    return set;
}

const ParameterSet& fragment_parameters() {
    const SleepProtocol p;
    static const ParameterSet set{
        "fragment",
        "sleep fragmentation: brief arousals at a fixed interval",
        {integer("every", 0, 1, 1 << 30, "an arousal after every this many sleep iterations")
             .in("mini-batches")
             .defaulting("0 (no arousals)"),
         text("arousal", "", "the state of an arousal; \"\" = the first state of the day's cycle"),
         integer("arousal_iterations", p.arousal_iterations, 1, 1 << 30, "length of an arousal").in("mini-batches"),
         boolean("restart_cycle", p.restart_cycle,
                 "after an arousal, sleep starts again at the night's first episode")}};
    return set;
}

const ParameterSet& cue_parameters() {
    static const ParameterSet set{
        "cue",
        "targeted memory reactivation (Rudoy et al. 2009): a cue during sleep brings its memories back more often",
        {integers("classes", {}, 0, 1023, "memories of these classes are cued"),
         integer("day", -1, -1, 1000000, "memories stored on this day (0-based epoch) are cued; -1 = none")
             .in("epochs"),
         number("factor", 4.0, 0.0, 1e6,
                "a cued memory is drawn this many times as often as an uncued one in the night's replay")}};
    return set;
}

const ParameterSet& protocol_parameters() {
    const SleepProtocol p;
    static const ParameterSet set{
        "protocol",
        "what is done to the sleep of chosen epochs: episode_scale, night_length, fragment, deprive, in that order",
        {text("name", "", "name in the timeline and the log").defaulting("\"protocol N\""),
         epoch_list("epochs", {}, "epochs it acts on; [] or \"all\" = every epoch"),
         shaped("deprive", Json::array(), "state name or list of state names",
                {{"anyOf", Json::array({{{"type", "string"}}, {{"type", "array"}, {"items", {{"type", "string"}}}}})}},
                "states taken away, from the night and the day's cycle; \"sleep\" = every state not awake"),
         text("instead", "", "the state run in the deprived time (\"wake\": kept awake); \"\" = the time is removed"),
         shaped("episode_scale", Json::object(), "{state: factor}",
                {{"type", "object"}, {"additionalProperties", {{"type", "number"}, {"minimum", 0}, {"maximum", 1000}}}},
                "factor on each state's episodes, in [0, 1000] (REM rebound: {\"rem\": 2})"),
         number("night_length", p.night_length, 0.0, 1000.0,
                "the night's length as a factor: < 1 restricted sleep, > 1 recovery sleep"),
         object("fragment", fragment_parameters(), "arousals that break up the night"),
         object("cue", cue_parameters(),
                "targeted memory reactivation: the night's replay drawn towards the cued memories")}};
    return set;
}

// A cue acts on nights that exist and on memories that can be there: classes shown on a
// day up to the night, or a day before it.
void check_cues(const ScheduleSpec& s, std::int64_t classes) {
    for (const auto& p : s.protocols) {
        if (!p.cues()) continue;
        const std::string at = p.pointer + "/cue";
        if (s.night.cycles == 0 || s.night.episodes.empty())
            throw SpecError(at, "a cue acts on the night's replay, and the schedule has no night (schedule.night)");
        for (std::size_t i = 0; i < p.cue_classes.size(); ++i)
            if (p.cue_classes[i] >= classes)
                throw SpecError(at + "/classes/" + std::to_string(i),
                                "class " + std::to_string(p.cue_classes[i]) + " is not a class of the data set (0-" +
                                    std::to_string(classes - 1) + ")");
        for (std::int64_t e = 0; e < s.epochs; ++e) {
            if (!p.acts_on(e, s.epochs)) continue;
            if (p.cue_day > e)
                throw SpecError(at + "/day", "night " + std::to_string(e) + " cues day " + std::to_string(p.cue_day) +
                                                 ", which comes after it: no memory of it is stored yet");
            for (std::size_t i = 0; i < p.cue_classes.size(); ++i) {
                bool shown = s.day_classes.empty();
                for (std::int64_t d = 0; d <= e && !shown; ++d) {
                    const auto& day = s.day_classes[std::size_t(d)];
                    shown = std::find(day.begin(), day.end(), p.cue_classes[i]) != day.end();
                }
                if (!shown)
                    throw SpecError(at + "/classes/" + std::to_string(i),
                                    "night " + std::to_string(e) + " cues class " + std::to_string(p.cue_classes[i]) +
                                        ", which no day up to it shows: there is no memory of it to cue");
            }
        }
    }
}

// A duration in mini-batches, given as "iterations" or as "images" (rounded up to whole mini-batches).
std::int64_t parse_duration(ObjectReader& r, std::int64_t batch_size, const std::string& what) {
    const bool iterations = r.child("iterations") != nullptr, images = r.child("images") != nullptr;
    if (iterations == images)
        throw SpecError(r.where().to_string(),
                        what + " needs a length: give \"iterations\" (mini-batches) or \"images\"");
    if (iterations) return r.integer("iterations");
    const std::int64_t n = r.integer("images");
    return (n + batch_size - 1) / batch_size;
}

NightSpec parse_night(ObjectReader& r, std::int64_t batch_size) {
    NightSpec n;
    n.cycles = r.integer("cycles");
    const Json* episodes = r.child("episodes");
    const JsonPointer where = r.at("episodes");
    if (!episodes)
        throw SpecError(r.where().to_string(),
                        "a night needs \"episodes\": e.g. [{\"state\": \"nrem\", \"iterations\": 40}, {\"state\": "
                        "\"rem\", \"iterations\": 20}]");
    if (!episodes->is_array())
        throw SpecError(where.to_string(), "expected a list of episodes, got " + json_type_name(*episodes));
    for (std::size_t i = 0; i < episodes->size(); ++i) {
        ObjectReader er((*episodes)[i], where / std::to_string(i), episode_parameters());
        NightEpisode e;
        e.pointer = er.where().to_string();
        const Json* state = er.child("state");
        if (!state || !state->is_string())
            throw SpecError(e.pointer + "/state", "every episode names a brain \"state\"");
        e.state = state->get<std::string>();
        e.iterations = parse_duration(er, batch_size, "episode " + std::to_string(i));
        er.finish();
        n.episodes.push_back(e);
    }
    if (n.cycles > 0 && n.episodes.empty())
        throw SpecError(where.to_string(), "a night with cycles needs at least one episode");
    r.finish();
    return n;
}

SleepProtocol parse_protocol(ObjectReader& r, std::size_t index) {
    SleepProtocol p;
    p.pointer = r.where().to_string();
    p.name = r.string("name", "protocol " + std::to_string(index));
    p.epochs = parse_epoch_list(r, "epochs");
    if (const Json* d = r.child("deprive"); d && d->is_string()) {
        p.deprive = {d->get<std::string>()};
    } else {
        p.deprive = r.strings("deprive", {});
        p.deprive_listed = true;
    }
    p.instead = r.string("instead");
    if (const Json* scale = r.child("episode_scale")) {
        ObjectReader sr(*scale, r.at("episode_scale"));
        if (!scale->is_object())
            throw SpecError(r.at("episode_scale").to_string(),
                            "expected an object {state: factor}, got " + json_type_name(*scale));
        for (auto it = scale->begin(); it != scale->end(); ++it)
            p.episode_scale[it.key()] = sr.number(it.key(), 1.0, 0.0, 1000.0);
    }
    p.night_length = r.number("night_length");
    if (const Json* f = r.child("fragment")) {
        ObjectReader fr(*f, r.at("fragment"), fragment_parameters());
        p.fragment_every = fr.integer("every");
        p.arousal_state = fr.string("arousal");
        p.arousal_iterations = fr.integer("arousal_iterations");
        p.restart_cycle = fr.boolean("restart_cycle");
        fr.finish();
    }
    if (const Json* c = r.child("cue")) {
        ObjectReader cr(*c, r.at("cue"), cue_parameters());
        p.cue_classes = cr.integers("classes");
        p.cue_day = cr.integer("day");
        p.cue_factor = cr.number("factor");
        if (p.cue_classes.empty() && p.cue_day < 0)
            throw SpecError(cr.where().to_string(), "a cue names what it cues: give \"classes\" or \"day\"");
        cr.finish();
    }
    if (!p.instead.empty() && p.deprive.empty())
        throw SpecError(r.at("instead").to_string(), "\"instead\" replaces deprived sleep; give \"deprive\" too");
    if (p.deprive.empty() && p.episode_scale.empty() && p.night_length == 1.0 && p.fragment_every == 0 && !p.cues())
        throw SpecError(p.pointer,
                        "a protocol changes something: give \"deprive\", \"episode_scale\", \"night_length\", "
                        "\"fragment\" or \"cue\"");
    r.finish();
    return p;
}

}  // namespace

const ParameterSet& schedule_parameters() {
    const ScheduleSpec s;
    static const ParameterSet set{
        "schedule",
        "days and nights: what runs in which order, for how long",
        {integer("epochs", s.epochs, 0, 1000000,
                 "days of training, each followed by its night; 0 = evaluate the initialised model")
             .in("epochs"),
         integer("batch_size", s.batch_size, 2, 1 << 20, "images per mini-batch").in("images"),
         strings("cycle", s.cycle, "the day: brain states run in this order on every mini-batch"),
         integer("day_iterations", s.day_iterations, 0, 1 << 30,
                 "mini-batches per day; 0 = one pass over the training set")
             .in("mini-batches"),
         object("night", night_parameters(), "a separate night after each day (none by default)"),
         objects("protocols", protocol_parameters(),
                 "sleep deprivation, restriction, recovery, fragmentation and cueing on chosen epochs"),
         shaped("days", "interleaved", "\"interleaved\", \"split\" or a list of class lists, one per day",
                {{"anyOf", Json::array({{{"enum", {"interleaved", "split"}}},
                                        {{"type", "array"},
                                         {"items", {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "integer"}, {"minimum", 0}}}}}}})}},
                "what each day shows: every class (\"interleaved\"), the classes dealt out evenly over the days in "
                "split_order (\"split\": Fashion-MNIST's 10 over 5 days = 2 a day), or each day's classes"),
         integers("split_order", {}, 0, 1023,
                  "the order in which \"split\" deals the classes to the days; [] = 0, 1, 2, ...")}};
    return set;
}

namespace {

// The classes each day shows, from "days" and "split_order"; `classes` = the data set's.
void parse_days(ObjectReader& r, ScheduleSpec& s, std::int64_t classes) {
    const std::string at = r.at("days").to_string();
    const Json* days = r.child("days");
    std::vector<std::int64_t> order = r.integers("split_order");
    if (!days || (days->is_string() && *days == "interleaved")) {
        s.days = "interleaved";
        if (!order.empty())
            throw SpecError(r.at("split_order").to_string(), "split_order orders a split; give \"days\": \"split\" too");
        return;
    }
    auto check_class = [&](std::int64_t c, const std::string& where) {
        if (c < 0 || c >= classes)
            throw SpecError(where, "class " + std::to_string(c) + " is not a class of the data set (0-" +
                                       std::to_string(classes - 1) + ")");
    };
    if (days->is_string() && *days == "split") {
        s.days = "split";
        if (order.empty())
            for (std::int64_t c = 0; c < classes; ++c) order.push_back(c);
        std::vector<std::int64_t> sorted = order;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < order.size(); ++i)
            check_class(order[i], r.at("split_order").to_string() + "/" + std::to_string(i));
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
            throw SpecError(r.at("split_order").to_string(), "split_order names a class twice");
        if (s.epochs == 0) return;
        if (std::int64_t(order.size()) % s.epochs != 0)
            throw SpecError(at, "a split deals the classes out evenly: " + std::to_string(order.size()) +
                                    " classes do not divide into " + std::to_string(s.epochs) +
                                    " days; give each day's classes as a list");
        const std::size_t per_day = order.size() / std::size_t(s.epochs);
        for (std::int64_t d = 0; d < s.epochs; ++d)
            s.day_classes.emplace_back(order.begin() + std::ptrdiff_t(std::size_t(d) * per_day),
                                       order.begin() + std::ptrdiff_t(std::size_t(d + 1) * per_day));
        return;
    }
    if (!days->is_array())
        throw SpecError(at, "expected \"interleaved\", \"split\" or a list of each day's classes, got " +
                                (days->is_string() ? "\"" + days->get<std::string>() + "\"" : json_type_name(*days)));
    if (!order.empty())
        throw SpecError(r.at("split_order").to_string(), "split_order orders a split; the days here list their classes");
    s.days = "list";
    if (std::int64_t(days->size()) != s.epochs)
        throw SpecError(at, std::to_string(days->size()) + " days listed for " + std::to_string(s.epochs) +
                                " epochs: list one day's classes per epoch");
    for (std::size_t d = 0; d < days->size(); ++d) {
        const Json& day = (*days)[d];
        const std::string where = at + "/" + std::to_string(d);
        if (!day.is_array()) throw SpecError(where, "expected a list of classes, got " + json_type_name(day));
        if (day.empty()) throw SpecError(where, "day " + std::to_string(d) + " names no class: it would show nothing");
        std::vector<std::int64_t> list;
        for (std::size_t i = 0; i < day.size(); ++i) {
            const std::string item = where + "/" + std::to_string(i);
            if (!day[i].is_number_integer()) throw SpecError(item, "expected a class (an integer), got " + json_type_name(day[i]));
            const auto c = day[i].get<std::int64_t>();
            check_class(c, item);
            if (std::find(list.begin(), list.end(), c) != list.end())
                throw SpecError(item, "class " + std::to_string(c) + " is named twice on day " + std::to_string(d));
            list.push_back(c);
        }
        s.day_classes.push_back(std::move(list));
    }
}

}  // namespace

ScheduleSpec parse_schedule(ObjectReader& r, std::int64_t classes) {
    ScheduleSpec s;
    s.epochs = r.integer("epochs");
    s.batch_size = r.integer("batch_size");
    s.cycle = r.strings("cycle");
    if (s.cycle.empty()) throw SpecError(r.at("cycle").to_string(), "the cycle needs at least one brain state");
    s.day_iterations = r.integer("day_iterations");
    if (const Json* night = r.child("night")) {
        ObjectReader nr(*night, r.at("night"), night_parameters());
        s.night = parse_night(nr, s.batch_size);
    }
    if (const Json* protocols = r.child("protocols")) {
        const JsonPointer where = r.at("protocols");
        if (!protocols->is_array())
            throw SpecError(where.to_string(), "expected a list of protocols, got " + json_type_name(*protocols));
        for (std::size_t i = 0; i < protocols->size(); ++i) {
            ObjectReader pr((*protocols)[i], where / std::to_string(i), protocol_parameters());
            s.protocols.push_back(parse_protocol(pr, i));
        }
    }
    parse_days(r, s, classes);
    check_cues(s, classes);
    r.finish();
    return s;
}

const std::vector<std::int64_t>& ScheduleSpec::classes_of_day(std::int64_t epoch) const {
    static const std::vector<std::int64_t> every;
    if (day_classes.empty() || epoch < 0 || epoch >= std::int64_t(day_classes.size())) return every;
    return day_classes[std::size_t(epoch)];
}

}  // namespace somnus
