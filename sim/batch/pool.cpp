#include "sim/batch/pool.hpp"

#include <fcntl.h>
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

namespace somnus {

namespace fs = std::filesystem;

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

namespace {

// One batch: its runs, the ones running (by pid), what ended and how. run() is the
// loop: start runs while there is room, reap one that ended, print the status
// every status_every seconds, and on `stop` tell the running ones to stop.
class Batch {
public:
    Batch(const std::vector<BatchRun>& runs, const BatchOptions& o, std::ostream& out, const std::atomic<bool>* stop)
        : runs_(runs),
          options_(o),
          out_(out),
          stop_(stop),
          program_(fs::read_symlink("/proc/self/exe").string()),
          jobs_(o.jobs > 0 ? o.jobs : automatic_jobs()),
          threads_(o.threads > 0 ? o.threads
                                 : std::max<std::int64_t>(1, std::max(1u, std::thread::hardware_concurrency()) / jobs_)),
          ok_(runs.size(), false) {}

    BatchResult run() {
        if (!runs_.empty())
            out_ << "  " << std::min<std::int64_t>(jobs_, std::int64_t(runs_.size())) << " at a time, " << threads_
                 << (threads_ == 1 ? " thread" : " threads") << " each"
                 << (options_.jobs > 0 ? "" : " (automatic: a run per core, memory permitting)") << "\n";
        while (ended_ < runs_.size()) {
            const bool stopping = stop_ && stop_->load();
            if (stopping && !told_to_stop_) tell_running_to_stop();
            while (!stopping && next_ < runs_.size() && std::int64_t(running_.size()) < jobs_) launch(next_++);
            if (running_.empty()) break;
            int status = 0;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid == 0 || (pid < 0 && errno == EINTR)) {
                if (std::chrono::duration<double>(Clock::now() - last_status_).count() >= options_.status_every)
                    print_status();
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                continue;
            }
            if (pid < 0) break;
            reap(pid, status);
        }
        BatchResult result;
        for (std::size_t i = 0; i < runs_.size(); ++i)
            if (ok_[i]) result.finished.push_back(runs_[i].log);
        result.failures = failed_ + int(runs_.size() - ended_);  // failed, or never started (stopped)
        return result;
    }

private:
    // `<program> <args> --threads T` in its own process group, its output in <log>.txt.
    void launch(std::size_t i) {
        const BatchRun& run = runs_[i];
        fs::create_directories(fs::path(run.log).parent_path());
        fs::remove(status_path_for(run.log));  // a previous invocation's; the run writes its own
        std::vector<std::string> args{program_};
        args.insert(args.end(), run.args.begin(), run.args.end());
        args.insert(args.end(), {"--threads", std::to_string(threads_)});
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
            execv(program_.c_str(), argv.data());
            _exit(127);
        }
        running_[pid] = {i, Clock::now()};
        out_ << "started  " << run.label << " (" << threads_ << " thread" << (threads_ == 1 ? "" : "s")
             << "; output: " << text << ")\n";
        out_.flush();
    }

    void tell_running_to_stop() {
        for (const auto& [pid, r] : running_) kill(pid, SIGTERM);  // each writes a checkpoint
        told_to_stop_ = true;
        if (!running_.empty())
            out_ << "stopping: the running runs write a checkpoint; run the same command again to continue\n";
    }

    // A run that ended: finished (exit 0), stopped (exit 1 after a stop: it wrote a
    // checkpoint) or failed.
    void reap(pid_t pid, int status) {
        auto it = running_.find(pid);
        if (it == running_.end()) return;
        const std::size_t i = it->second.index;
        const double seconds = std::chrono::duration<double>(Clock::now() - it->second.started).count();
        running_.erase(it);
        ++ended_;
        char count[32];
        std::snprintf(count, sizeof count, "[%zu/%zu] ", ended_, runs_.size());
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            ok_[i] = true;
            durations_.push_back(seconds);
            out_ << count << "finished " << runs_[i].label << " in " << clock_text(seconds) << "\n";
        } else if (stop_ && stop_->load() && WIFEXITED(status) && WEXITSTATUS(status) == 1) {
            ++failed_;  // not finished, but not broken: it wrote a checkpoint
            out_ << count << "stopped  " << runs_[i].label
                 << " (it resumes from its checkpoint when the command runs again)\n";
        } else {
            ++failed_;
            out_ << count << "FAILED   " << runs_[i].label << " (exit "
                 << (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) << "); see "
                 << text_file_of(runs_[i].log) << "\n";
        }
        out_.flush();
    }

    // The overall line (finished, failed, running, queued, elapsed, ETA), then one line per running run.
    void print_status() {
        const double elapsed = std::chrono::duration<double>(Clock::now() - batch_start_).count();
        // Remaining work. A run takes as long as the finished ones took on average
        // (evaluation included); before any has finished, as long as the running ones
        // say they will (their ETA, training only).
        double typical = 0;
        for (double d : durations_) typical += d;
        if (!durations_.empty()) typical /= double(durations_.size());
        double running_left = 0, guessed = 0;
        int guesses = 0;
        bool known = true;
        std::vector<std::string> lines;
        for (const auto& [pid, r] : running_) {
            // What the run says in its status file (sim/record/status_file.hpp).
            const std::optional<RunProgress> p = read_status_file(status_path_for(runs_[r.index].log));
            const bool begun = p && p->epoch > 0, evaluating = begun && p->evaluating;
            const double run_eta = begun ? p->eta_seconds : -1;
            const double age = std::chrono::duration<double>(Clock::now() - r.started).count();
            const std::string state = running_state(p);
            char line[512];
            std::snprintf(line, sizeof line, "  running  %-40s %-28s %s", runs_[r.index].label.c_str(), state.c_str(),
                          run_eta >= 0 && !evaluating ? ("ETA " + clock_text(run_eta)).c_str() : "");
            lines.push_back(line);
            const double own = evaluating ? 0 : run_eta;
            if (!durations_.empty())
                running_left += std::max(own, typical - age);
            else if (own >= 0)
                running_left += own, guessed += age + own, ++guesses;
            else
                known = false;
        }
        const std::size_t queued = runs_.size() - next_;
        if (durations_.empty() && guesses > 0) typical = guessed / guesses;
        double eta = -1;
        if (known && (queued == 0 || typical > 0)) eta = (running_left + double(queued) * typical) / double(jobs_);
        out_ << "[" << now_text() << "] " << ended_ - failed_ << "/" << runs_.size() << " finished, " << failed_
             << " failed, " << running_.size() << " running, " << queued << " queued; elapsed " << clock_text(elapsed)
             << ", ETA " << (eta >= 0 ? clock_text(eta) : std::string("(after the first progress lines)")) << "\n";
        for (const auto& line : lines) out_ << line << "\n";
        out_.flush();
        last_status_ = Clock::now();
    }

    const std::vector<BatchRun>& runs_;
    const BatchOptions& options_;
    std::ostream& out_;
    const std::atomic<bool>* stop_;
    const std::string program_;
    const std::int64_t jobs_, threads_;
    std::map<pid_t, Running> running_;
    std::vector<bool> ok_;
    std::vector<double> durations_;  // of the finished runs, for the ETA of the queued ones
    std::size_t next_ = 0, ended_ = 0;
    int failed_ = 0;
    bool told_to_stop_ = false;
    const Clock::time_point batch_start_ = Clock::now();
    Clock::time_point last_status_ = Clock::now();
};

}  // namespace

BatchResult run_batch(const std::vector<BatchRun>& runs, const BatchOptions& o, std::ostream& out,
                      const std::atomic<bool>* stop) {
    return Batch(runs, o, out, stop).run();
}

}  // namespace somnus
