#include "sim/batch/pool.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "sim/base/errors.hpp"
#include "sim/record/progress.hpp"
#include "sim/record/status_file.hpp"
#include "sim/results/log_reading.hpp"
#include "sim/run/runner.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

namespace fs = std::filesystem;

PreviousRun previous_run(const std::string& log, const Json& spec_source) {
    PreviousRun p;
    if (!fs::exists(log)) return p;
    RecordedRun recorded;
    try {
        recorded = read_recorded_run(log);
        p.status = recorded.status;
    } catch (const std::exception&) {
        p.kind = PreviousRun::unfinished;  // a log that does not open is redone
        return p;
    }
    if (!recorded.spec.is_null()) {
        Json before = recorded.spec;
        try {  // a log of an older version may record its spec unresolved
            before = parse_spec_sections(before).source;
        } catch (const std::exception&) {  // compared as it is
        }
        Json now = spec_source;
        for (Json* j : {&before, &now}) {
            if (!j->is_object()) continue;
            j->erase("threads");
            j->erase("device");
        }
        p.difference = first_difference(before, now, "in the log", "now");
    }
    if (p.status == RunStatus::finished)
        p.kind = PreviousRun::finished;
    else if (fs::exists(resume_path_for(log)))
        p.kind = PreviousRun::resumable;
    else
        p.kind = PreviousRun::unfinished;
    return p;
}

namespace {

using Clock = std::chrono::steady_clock;

struct Running {
    std::size_t index;
    Clock::time_point started;
};

std::string text_file_of(const std::string& log) { return fs::path(log).replace_extension(".txt").string(); }

std::string now_text() {
    std::time_t t = std::time(nullptr);
    char buffer[16];
    std::strftime(buffer, sizeof buffer, "%H:%M:%S", std::localtime(&t));
    return buffer;
}

}  // namespace

std::string running_state(const std::optional<RunProgress>& p) {
    if (!p || p->epoch == 0) return "starting";
    return "epoch " + std::to_string(p->epoch) + "/" + std::to_string(p->epochs) +
           (p->evaluating ? " done, evaluating" : "");
}

std::int64_t automatic_jobs() {
    const std::int64_t cores = std::max(1u, std::thread::hardware_concurrency());
    std::int64_t by_memory = cores;
    std::ifstream meminfo("/proc/meminfo");
    for (std::string key; meminfo >> key;) {
        std::int64_t kib = 0;
        meminfo >> kib;
        if (key == "MemAvailable:") {
            by_memory = kib / (std::int64_t(2) << 20);  // one run per 2 GiB
            break;
        }
        meminfo.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return std::max<std::int64_t>(1, std::min(cores, by_memory));
}

BatchResult run_batch(const std::vector<BatchRun>& runs, const BatchOptions& o, std::ostream& out,
                      const std::atomic<bool>* stop) {
    const std::string program = fs::read_symlink("/proc/self/exe").string();
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::int64_t jobs = o.jobs > 0 ? o.jobs : automatic_jobs();
    const std::int64_t threads = o.threads > 0 ? o.threads : std::max<std::int64_t>(1, cores / jobs);
    std::map<pid_t, Running> running;
    std::vector<bool> ok(runs.size(), false);
    std::vector<double> durations;  // of the finished runs, for the ETA of the queued ones
    std::size_t next = 0, ended = 0;
    int failed = 0;
    bool told_to_stop = false;
    const auto batch_start = Clock::now();
    auto last_status = Clock::now();
    if (!runs.empty())
        out << "  " << std::min<std::int64_t>(jobs, std::int64_t(runs.size())) << " at a time, " << threads
            << (threads == 1 ? " thread" : " threads") << " each" << (o.jobs > 0 ? "" : " (automatic: a run per core, memory permitting)") << "\n";

    auto launch = [&](std::size_t i) {
        const BatchRun& run = runs[i];
        fs::create_directories(fs::path(run.log).parent_path());
        fs::remove(status_path_for(run.log));  // a previous invocation's; the run writes its own
        std::vector<std::string> args{program};
        args.insert(args.end(), run.args.begin(), run.args.end());
        args.insert(args.end(), {"--threads", std::to_string(threads)});
        const std::string text = text_file_of(run.log);
        pid_t pid = fork();
        if (pid < 0) throw RunError("cannot start a run: fork failed");
        if (pid == 0) {
            setpgid(0, 0);  // the terminal's Ctrl-C reaches the parent only, which stops the children (SIGTERM)
            int fd = ::open(text.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            execv(program.c_str(), argv.data());
            _exit(127);
        }
        running[pid] = {i, Clock::now()};
        out << "started  " << run.label << " (" << threads << " thread" << (threads == 1 ? "" : "s")
            << "; output: " << text << ")\n";
        out.flush();
    };

    auto print_status = [&]() {
        const double elapsed = std::chrono::duration<double>(Clock::now() - batch_start).count();
        // Remaining work. A run takes as long as the finished ones took on average
        // (evaluation included); before any has finished, as long as the running ones
        // say they will (their ETA, training only).
        double typical = 0;
        for (double d : durations) typical += d;
        if (!durations.empty()) typical /= double(durations.size());
        double running_left = 0, guessed = 0;
        int guesses = 0;
        bool known = true;
        std::vector<std::string> lines;
        for (const auto& [pid, r] : running) {
            // What the run says in its status file (sim/record/status_file.hpp).
            const std::optional<RunProgress> p = read_status_file(status_path_for(runs[r.index].log));
            const bool begun = p && p->epoch > 0, evaluating = begun && p->evaluating;
            const double run_eta = begun ? p->eta_seconds : -1;
            const double age = std::chrono::duration<double>(Clock::now() - r.started).count();
            const std::string state = running_state(p);
            char line[512];
            std::snprintf(line, sizeof line, "  running  %-40s %-28s %s", runs[r.index].label.c_str(), state.c_str(),
                          run_eta >= 0 && !evaluating ? ("ETA " + clock_text(run_eta)).c_str() : "");
            lines.push_back(line);
            const double own = evaluating ? 0 : run_eta;
            if (!durations.empty())
                running_left += std::max(own, typical - age);
            else if (own >= 0)
                running_left += own, guessed += age + own, ++guesses;
            else
                known = false;
        }
        const std::size_t queued = runs.size() - next;
        if (durations.empty() && guesses > 0) typical = guessed / guesses;
        double eta = -1;
        if (known && (queued == 0 || typical > 0)) eta = (running_left + double(queued) * typical) / double(jobs);
        out << "[" << now_text() << "] " << ended - failed << "/" << runs.size() << " finished, " << failed
            << " failed, " << running.size() << " running, " << queued << " queued; elapsed " << clock_text(elapsed)
            << ", ETA " << (eta >= 0 ? clock_text(eta) : std::string("(after the first progress lines)")) << "\n";
        for (const auto& line : lines) out << line << "\n";
        out.flush();
        last_status = Clock::now();
    };

    while (ended < runs.size()) {
        const bool stopping = stop && stop->load();
        if (stopping && !told_to_stop) {
            for (const auto& [pid, r] : running) kill(pid, SIGTERM);  // each writes a checkpoint
            told_to_stop = true;
            if (!running.empty())
                out << "stopping: the running runs write a checkpoint; run the same command again to continue\n";
        }
        while (!stopping && next < runs.size() && std::int64_t(running.size()) < jobs) launch(next++);
        if (running.empty()) break;
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid == 0 || (pid < 0 && errno == EINTR)) {
            if (std::chrono::duration<double>(Clock::now() - last_status).count() >= o.status_every) print_status();
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            continue;
        }
        if (pid < 0) break;
        auto it = running.find(pid);
        if (it == running.end()) continue;
        const std::size_t i = it->second.index;
        const double seconds = std::chrono::duration<double>(Clock::now() - it->second.started).count();
        running.erase(it);
        ++ended;
        char count[32];
        std::snprintf(count, sizeof count, "[%zu/%zu] ", ended, runs.size());
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            ok[i] = true;
            durations.push_back(seconds);
            out << count << "finished " << runs[i].label << " in " << clock_text(seconds) << "\n";
        } else if (stop && stop->load() && WIFEXITED(status) && WEXITSTATUS(status) == 1) {
            ++failed;  // not finished, but not broken: it wrote a checkpoint
            out << count << "stopped  " << runs[i].label
                << " (it resumes from its checkpoint when the command runs again)\n";
        } else {
            ++failed;
            out << count << "FAILED   " << runs[i].label << " (exit "
                << (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) << "); see "
                << text_file_of(runs[i].log) << "\n";
        }
        out.flush();
    }
    BatchResult result;
    for (std::size_t i = 0; i < runs.size(); ++i)
        if (ok[i]) result.finished.push_back(runs[i].log);
    result.failures = failed + int(runs.size() - ended);  // failed, or never started (stopped)
    return result;
}

}  // namespace somnus
