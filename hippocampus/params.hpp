// Parameters of the hippocampus (the episodic store).
// Plain values: the spec layer (sim/spec/) fills them in.
#pragma once

#include <cstdint>
#include <string>

#include "sim/base/enum_names.hpp"

namespace somnus {

// What REM mixes the replayed episode with: the one stored before it, or a random older one.
enum class MixPartner { previous, random };
inline const EnumNames<MixPartner>& enum_names(MixPartner) {
    static const EnumNames<MixPartner> names{{MixPartner::previous, "previous"}, {MixPartner::random, "random"}};
    return names;
}

// What a sleep state replays: the episode Wake just stored (the reference), a stored
// episode drawn with probability proportional to its mean salience, or a mini-batch
// of single memories from all episodes drawn by salience. A night after a day of
// Wake needs episode or memories to replay the whole day.
enum class ReplaySource { newest, episode, memories };
inline const EnumNames<ReplaySource>& enum_names(ReplaySource) {
    static const EnumNames<ReplaySource> names{
        {ReplaySource::newest, "newest"}, {ReplaySource::episode, "episode"}, {ReplaySource::memories, "memories"}};
    return names;
}

// Which episode a full store lets go: the oldest (first in, first out); a reservoir
// sample over every episode ever stored (Vitter's algorithm R: after k episodes each
// is held with probability capacity / k, whatever its day); or the least salient
// (amygdala tags; untagged memories all have salience 1, and then the oldest goes).
enum class Retention { oldest, reservoir, salience };
inline const EnumNames<Retention>& enum_names(Retention) {
    static const EnumNames<Retention> names{
        {Retention::oldest, "oldest"}, {Retention::reservoir, "reservoir"}, {Retention::salience, "salience"}};
    return names;
}

// The episodic store; an episode is one mini-batch of Wake latents.
struct HippocampusParams {
    std::int64_t capacity = 2;  // episodes kept (the reference keeps the current and the previous), across days
    MixPartner partner = MixPartner::previous;
    ReplaySource replay = ReplaySource::newest;
    Retention keep = Retention::oldest;
};

}  // namespace somnus
