// The spec's "schedule": days (the cycle of brain states on each mini-batch),
// nights (cycles of episodes) and sleep protocols (deprivation, restriction,
// recovery, fragmentation) over the epochs.
#include "sim/spec/sections.hpp"

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
         object("fragment", fragment_parameters(), "arousals that break up the night")}};
    return set;
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
    if (!p.instead.empty() && p.deprive.empty())
        throw SpecError(r.at("instead").to_string(), "\"instead\" replaces deprived sleep; give \"deprive\" too");
    if (p.deprive.empty() && p.episode_scale.empty() && p.night_length == 1.0 && p.fragment_every == 0)
        throw SpecError(
            p.pointer,
            "a protocol changes something: give \"deprive\", \"episode_scale\", \"night_length\" or \"fragment\"");
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
                 "sleep deprivation, restriction, recovery and fragmentation on chosen epochs")}};
    return set;
}

ScheduleSpec parse_schedule(ObjectReader& r) {
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
    r.finish();
    return s;
}

}  // namespace somnus
