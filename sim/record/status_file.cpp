#include "sim/record/status_file.hpp"

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/base/files.hpp"
#include "sim/base/utc_time.hpp"
#include "sim/spec/reader.hpp"

namespace somnus {

std::string status_path_for(const std::string& log_path) {
    return std::filesystem::path(log_path).replace_extension(".status.json").string();
}

std::string status_json(const RunProgress& p) {
    Json j = {{"status", p.status.word()},
              {"detail", p.status.detail},
              {"epoch", p.epoch},
              {"epochs", p.epochs},
              {"iteration", p.iteration},
              {"iterations", p.iterations},
              {"images_per_second", p.images_per_second},
              {"eta_seconds", p.eta_seconds},
              {"evaluating", p.evaluating},
              {"pid", p.pid},
              {"updated", p.updated}};
    return j.dump(1) + "\n";
}

std::optional<RunProgress> read_status_file(const std::string& path) {
    std::ifstream file(path);
    if (!file) return std::nullopt;
    const Json j = Json::parse(file, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    try {
        RunProgress p;
        p.status = RunStatus::parse(j.at("status").get<std::string>());
        p.status.detail = j.value("detail", std::string());
        p.epoch = j.at("epoch").get<std::int64_t>();
        p.epochs = j.at("epochs").get<std::int64_t>();
        p.iteration = j.at("iteration").get<std::int64_t>();
        p.iterations = j.at("iterations").get<std::int64_t>();
        p.images_per_second = j.at("images_per_second").get<double>();
        p.eta_seconds = j.at("eta_seconds").get<double>();
        p.evaluating = j.at("evaluating").get<bool>();
        p.pid = j.value("pid", std::int64_t(0));
        p.updated = j.value("updated", std::string());
        return p;
    } catch (const Json::exception&) {
        return std::nullopt;
    }
}

StatusFileWriter::StatusFileWriter(std::string log_path) : path_(status_path_for(log_path)) {}

void StatusFileWriter::write() {
    progress_.updated = utc_now_iso8601();
    last_write_ = std::chrono::steady_clock::now();
    try {
        write_text_file(path_, status_json(progress_));
    } catch (const OutputError&) {
        // Only a view of the run: a full disk is the log's to report, with the run's own error.
    }
}

void StatusFileWriter::run_started(const RunInfo& info) {
    pace_.start(info);
    progress_ = RunProgress{};
    progress_.status = {RunStatus::running};
    progress_.epochs = info.epochs;
    progress_.iterations = info.iterations_per_epoch;
    progress_.pid = static_cast<std::int64_t>(::getpid());
    write();
}

void StatusFileWriter::iteration_done(const StepClock& clock) {
    pace_.step();
    progress_.epoch = clock.epoch + 1;
    progress_.iteration = clock.iteration + 1;
    progress_.iterations = clock.iterations_in_epoch;
    progress_.evaluating = false;
    if (std::chrono::steady_clock::now() - last_write_ < std::chrono::seconds(1)) return;
    progress_.images_per_second = pace_.images_per_second();
    progress_.eta_seconds = pace_.eta_seconds();
    write();
}

void StatusFileWriter::epoch_done(const EpochEvent& event) {
    progress_.epoch = event.epoch + 1;
    progress_.iteration = progress_.iterations;
    progress_.images_per_second = pace_.images_per_second();
    progress_.eta_seconds = pace_.eta_seconds();
    write();
}

void StatusFileWriter::evaluation_starting() {
    progress_.evaluating = true;
    write();
}

void StatusFileWriter::evaluation_done(const EvaluationReport&) {
    progress_.evaluating = false;
    write();
}

void StatusFileWriter::run_ended(const RunStatus& status, double) {
    progress_.status = status;
    progress_.evaluating = false;
    if (status == RunStatus::finished) progress_.eta_seconds = 0;
    write();
}

}  // namespace somnus
