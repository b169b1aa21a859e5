// Where a run stands: what the log's "status" attribute and the run's status
// file say, written (text) and read back (parse) here only.
#pragma once

#include <string>
#include <utility>

namespace somnus {

struct RunStatus {
    enum Kind {
        starting,  // the log is open, training has not begun
        running,
        finished,     // trained and evaluated: the run's results are final
        interrupted,  // stopped (Ctrl-C, SIGTERM, a time limit) with a resumable checkpoint
        diverged,     // a loss or a parameter became NaN or Inf; detail says where
        failed,       // an error ended it; detail says which
    };
    Kind kind = starting;
    std::string detail;  // for diverged and failed

    RunStatus(Kind kind = starting, std::string detail = "") : kind(kind), detail(std::move(detail)) {}

    // "finished", "diverged: <detail>", ... (the log's status attribute).
    std::string text() const;
    // The word alone: "diverged".
    const char* word() const;
    // Reads text() back; a text it does not know is `failed` with the text as detail.
    static RunStatus parse(const std::string& text);

    bool operator==(Kind k) const { return kind == k; }
    bool operator!=(Kind k) const { return kind != k; }
};

}  // namespace somnus
