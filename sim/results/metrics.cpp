#include "sim/results/metrics.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <stdexcept>

#include "sim/base/errors.hpp"
#include "sim/eval/retention.hpp"
#include "sim/results/log_reading.hpp"

namespace somnus {

namespace fs = std::filesystem;

double mean_of(const std::vector<double>& xs) {
    double sum = 0;
    for (double x : xs) sum += x;
    return xs.empty() ? std::nan("") : sum / double(xs.size());
}

namespace {

std::string percent_key(double level) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "occluded_%g", 100 * level);
    return buffer;
}

// The metrics of one evaluation group ("/eval/" or "/eval/epoch_NNN/") of an open log.
void read_evaluation(hid_t file, const std::string& group, RunMetrics& m) {
    const std::string readout = group + "linear_readout/";
    auto add = [&](const std::string& key, double value) {
        if (!std::isnan(value)) m.values.emplace_back(key, value);
    };
    auto last = read_doubles(file, readout + "last_epoch_accuracy");
    if (!last.empty()) add("readout_last_epoch", 100 * mean_of(last));
    auto last5 = read_doubles(file, readout + "last5_mean_accuracy");
    if (!last5.empty()) add("readout_last5", 100 * mean_of(last5));
    auto validated = read_doubles(file, readout + "validated_accuracy");  // trained to convergence
    if (!validated.empty()) add("readout_validated", 100 * mean_of(validated));
    // A readout's tests by level, (seed, level) in the log: each level's mean over seeds, in %.
    auto add_level_means = [&](const std::vector<double>& levels, const std::vector<double>& accuracy,
                               const std::function<std::string(double)>& key) {
        if (levels.empty() || accuracy.empty() || accuracy.size() % levels.size() != 0) return;
        const std::size_t seeds = accuracy.size() / levels.size();
        for (std::size_t l = 0; l < levels.size(); ++l) {
            double sum = 0;
            for (std::size_t s = 0; s < seeds; ++s) sum += accuracy[s * levels.size() + l];
            add(key(levels[l]), 100 * sum / double(seeds));
        }
    };
    add_level_means(read_doubles(file, readout + "occlusion_levels"), read_doubles(file, readout + "occluded_accuracy"),
                    percent_key);
    // The perturbations no rule trains on: "noise_0.2", "blur_1", "shift_2".
    for (const char* name : {"noise", "blur", "shift"}) {
        const std::string perturbed = readout + "perturbed/" + name + "/";
        add_level_means(read_doubles(file, perturbed + "levels"), read_doubles(file, perturbed + "accuracy"),
                        [&](double level) {
                            char key[48];
                            std::snprintf(key, sizeof key, "%s_%g", name, level);
                            return std::string(key);
                        });
    }
    const auto ks = read_doubles(file, group + "knn_readout/k");
    const auto knn = read_doubles(file, group + "knn_readout/accuracy");
    for (std::size_t i = 0; i < ks.size() && i < knn.size(); ++i)
        add("knn_" + std::to_string(std::int64_t(ks[i])), 100 * knn[i]);
    for (const char* name : {"reconstruction_error", "reconstruction_class_kept", "fid_reconstructions", "fid_samples",
                             "fid_floor"}) {
        const double value = read_number_attribute(file, group + "generated_images", name);
        add(name, std::string(name) == "reconstruction_class_kept" ? 100 * value : value);
    }
    // The dreams' Fréchet distance, one per sleeping state: "fid_dreams_rem".
    const std::string dreams = group + "generated_images/dreams";
    for (const auto& state : group_children(file, dreams))
        add("fid_dreams_" + state, read_number_attribute(file, dreams + "/" + state, "fid"));
    add("intra_inter_ratio", read_number_attribute(file, group + "latent_geometry", "intra_inter_ratio"));
    add("clean_occluded_ratio", read_number_attribute(file, group + "latent_geometry", "clean_occluded_ratio"));
    // Retention across days: each task's readout (mean over tasks and seeds), and the every-class one.
    auto retention = read_doubles(file, group + "retention/accuracy");
    if (!retention.empty()) add("retention_tasks", 100 * mean_of(retention));
    auto every = read_doubles(file, group + "retention/all_classes_accuracy");
    if (!every.empty()) add("retention_all_classes", 100 * mean_of(every));
    auto units = read_doubles(file, group + "overlap/units");
    auto kl = read_doubles(file, group + "overlap/kl");
    auto floor = read_doubles(file, group + "overlap/floor");
    for (std::size_t i = 0; i < units.size() && i < kl.size() && i < floor.size(); ++i) {
        const std::string k = std::to_string(std::int64_t(units[i]));
        add("overlap_kl_" + k, kl[i]);
        add("overlap_floor_" + k, floor[i]);
    }
}

// The log's identity: experiment, status, seed.
RunMetrics run_identity(hid_t file, const std::string& log) {
    RunMetrics m;
    m.path = log;
    {
        const Hdf5Handle root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose);
        m.experiment = read_attribute(root, "experiment");
        m.status = RunStatus::parse(read_attribute(root, "status"));
    }
    double seed = read_number_attribute(file, "/", "seed");
    m.seed = std::isnan(seed) ? -1 : std::int64_t(seed);
    if (m.experiment.empty()) throw InputError(log + ": not a somnus run log (no experiment attribute)");
    return m;
}

}  // namespace

RunMetrics read_run_metrics(const std::string& log) {
    const Hdf5Handle file = open_for_reading(log);
    RunMetrics m = run_identity(file, log);
    read_evaluation(file, "/eval/", m);
    // The run's retention matrices: the continual-learning summaries over its tests, of
    // each task's own readout and of the every-class readout on each task's images.
    const auto nights = read_doubles(file, "/retention/nights");
    for (const auto& [dataset, prefix] : {std::pair<const char*, std::string>{"accuracy", "retention_"},
                                          {"class_incremental_accuracy", "retention_class_incremental_"}}) {
        const auto matrix = read_doubles(file, std::string("/retention/") + dataset);
        if (nights.empty() || matrix.empty() || matrix.size() % nights.size() != 0) continue;
        const std::size_t tasks = matrix.size() / nights.size();
        std::vector<std::vector<double>> rows;
        std::vector<std::int64_t> slept;
        for (std::size_t i = 0; i < nights.size(); ++i) {
            rows.emplace_back(matrix.begin() + std::ptrdiff_t(i * tasks), matrix.begin() + std::ptrdiff_t((i + 1) * tasks));
            slept.push_back(std::int64_t(nights[i]));
        }
        const RetentionSummary r = summarize_retention(rows, slept);
        std::vector<std::pair<std::string, double>> summaries{{"forgetting", r.mean_forgetting},
                                                              {"backward_transfer", r.backward_transfer}};
        // The tasks' own readouts at the last test are retention_tasks already.
        if (std::string(dataset) != "accuracy") summaries.insert(summaries.begin(), {"average", r.average_accuracy});
        for (const auto& [key, value] : summaries)
            if (!std::isnan(value)) m.values.emplace_back(prefix + key, 100 * value);
    }
    auto wall = read_number_attribute(file, "/", "wall_seconds");
    if (!std::isnan(wall)) m.values.emplace_back("wall_seconds", wall);
    return m;
}

std::vector<RunMetrics> read_run_metrics_by_epoch(const std::string& log) {
    const Hdf5Handle file = open_for_reading(log);
    const RunMetrics identity = run_identity(file, log);
    std::vector<RunMetrics> out;
    for (const auto& g : group_children(file, "/eval")) {
        if (g.rfind("epoch_", 0) != 0) continue;
        RunMetrics m = identity;
        m.trained_epochs = std::stoll(g.substr(6));
        read_evaluation(file, "/eval/" + g + "/", m);
        out.push_back(std::move(m));
    }
    const double final_epochs = read_number_attribute(file, "/eval", "trained_epochs");
    if (!std::isnan(final_epochs)) {
        RunMetrics m = identity;
        m.trained_epochs = static_cast<std::int64_t>(final_epochs);
        read_evaluation(file, "/eval/", m);
        out.push_back(std::move(m));
    }
    return out;
}

void add_finished_run(const std::string& log, bool per_epoch, std::vector<RunMetrics>& runs,
                      std::vector<std::string>& unfinished) {
    RunMetrics run = read_run_metrics(log);
    if (run.status != RunStatus::finished) {
        unfinished.push_back(log + " (status: " + run.status.text() + ")");
        return;
    }
    if (!per_epoch) {
        runs.push_back(std::move(run));
        return;
    }
    for (auto& evaluation : read_run_metrics_by_epoch(log)) runs.push_back(std::move(evaluation));
}

std::vector<std::string> find_logs(const std::vector<std::string>& paths) {
    std::vector<std::string> logs;
    for (const auto& p : paths) {
        if (!fs::is_directory(p)) {
            logs.push_back(p);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& entry : fs::recursive_directory_iterator(p))
            if (entry.is_regular_file() && entry.path().extension() == ".h5") found.push_back(entry.path().string());
        std::sort(found.begin(), found.end());
        logs.insert(logs.end(), found.begin(), found.end());
    }
    return logs;
}

}  // namespace somnus
