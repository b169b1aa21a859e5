// The wall-clock time as logs and exports write it.
#pragma once

#include <ctime>
#include <string>

namespace somnus {

// Now, in UTC, ISO 8601 to the second: "2026-11-26T08:30:00Z".
inline std::string utc_now_iso8601() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

}  // namespace somnus
