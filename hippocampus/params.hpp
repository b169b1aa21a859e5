// Parameters of the hippocampus (the episodic store).
// Plain values: the spec layer (sim/spec/) fills them in.
#pragma once

#include <cstdint>
#include <string>

namespace somnus {

// The episodic store; an episode is one mini-batch of Wake latents.
struct HippocampusParams {
    std::int64_t capacity = 2;  // episodes kept (the reference keeps the current and the previous)
    std::string partner =
        "previous";  // REM mixes the replayed episode with: "previous" (the one stored before it) | "random"
    // What a sleep state replays: "newest" (the reference: the episode Wake just stored),
    // "episode" (a stored episode, drawn with probability proportional to its mean salience),
    // "memories" (a mini-batch of single memories from all episodes, drawn by salience).
    // A night after a day of Wake needs "episode" or "memories" to replay the whole day.
    std::string replay = "newest";
};

}  // namespace somnus
