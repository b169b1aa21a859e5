#include "sim/replicate.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "sim/batch.hpp"
#include "sim/hdf5_reading.hpp"

namespace somnus {

namespace fs = std::filesystem;

namespace {

double mean_of(const std::vector<double>& xs) {
    double sum = 0;
    for (double x : xs) sum += x;
    return xs.empty() ? std::nan("") : sum / double(xs.size());
}

std::string percent_key(double level) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "occluded_%g", 100 * level);
    return buffer;
}

}  // namespace

std::string metric_heading(const std::string& key) {
    if (key == "readout_last_epoch") return "readout %";
    if (key == "readout_last5") return "readout last-5 %";
    if (key.rfind("occluded_", 0) == 0) return key.substr(9) + " % occluded";
    if (key == "intra_inter_ratio") return "intra/inter";
    if (key == "clean_occluded_ratio") return "clean-occl./inter";
    if (key.rfind("overlap_kl_", 0) == 0) return "KL wake/sleep " + key.substr(11) + "+" + key.substr(11);
    if (key.rfind("overlap_floor_", 0) == 0) return "KL floor " + key.substr(14) + "+" + key.substr(14);
    if (key == "wall_seconds") return "wall s";
    return key;
}

namespace {

std::string cell(const MetricSummary& m) {
    char buffer[64];
    const bool ratio = m.metric.find("ratio") != std::string::npos || m.metric.rfind("overlap_", 0) == 0;
    if (m.n == 0) return "";
    if (m.n == 1 || std::isnan(m.sem))
        std::snprintf(buffer, sizeof buffer, ratio ? "%.4f" : "%.2f", m.mean);
    else
        std::snprintf(buffer, sizeof buffer, ratio ? "%.4f ± %.4f" : "%.2f ± %.2f", m.mean, m.sem);
    return buffer;
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

// The sweep parameters of the rows, in first-seen order.
std::vector<std::string> parameter_labels(const std::vector<TableRow>& rows) {
    std::vector<std::string> labels;
    for (const auto& row : rows)
        for (const auto& p : row.parameters)
            if (std::find(labels.begin(), labels.end(), p.first) == labels.end()) labels.push_back(p.first);
    return labels;
}

std::string parameter_value(const TableRow& row, const std::string& label) {
    for (const auto& p : row.parameters)
        if (p.first == label) return p.second;
    return "";
}

}  // namespace

namespace {

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
    auto levels = read_doubles(file, readout + "occlusion_levels");
    auto occluded = read_doubles(file, readout + "occluded_accuracy");  // (seed, level)
    if (!levels.empty() && !occluded.empty() && occluded.size() % levels.size() == 0) {
        const std::size_t seeds = occluded.size() / levels.size();
        for (std::size_t l = 0; l < levels.size(); ++l) {
            double sum = 0;
            for (std::size_t s = 0; s < seeds; ++s) sum += occluded[s * levels.size() + l];
            add(percent_key(levels[l]), 100 * sum / double(seeds));
        }
    }
    add("intra_inter_ratio", read_number_attribute(file, group + "latent_geometry", "intra_inter_ratio"));
    add("clean_occluded_ratio", read_number_attribute(file, group + "latent_geometry", "clean_occluded_ratio"));
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
    hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
    m.experiment = read_attribute(root, "experiment");
    m.status = read_attribute(root, "status");
    H5Gclose(root);
    double seed = read_number_attribute(file, "/", "seed");
    m.seed = std::isnan(seed) ? -1 : std::int64_t(seed);
    if (m.experiment.empty()) {
        H5Fclose(file);
        throw std::runtime_error(log + ": not a somnus run log (no experiment attribute)");
    }
    return m;
}

}  // namespace

RunMetrics read_run_metrics(const std::string& log) {
    hid_t file = open_for_reading(log);
    RunMetrics m = run_identity(file, log);
    read_evaluation(file, "/eval/", m);
    auto wall = read_number_attribute(file, "/", "wall_seconds");
    if (!std::isnan(wall)) m.values.emplace_back("wall_seconds", wall);
    H5Fclose(file);
    return m;
}

std::vector<RunMetrics> read_run_metrics_by_epoch(const std::string& log) {
    hid_t file = open_for_reading(log);
    const RunMetrics identity = run_identity(file, log);
    std::vector<RunMetrics> out;
    std::vector<std::string> groups;
    if (H5Lexists(file, "/eval", H5P_DEFAULT) > 0) {
        hid_t eval = H5Gopen2(file, "/eval", H5P_DEFAULT);
        H5Literate(eval, H5_INDEX_NAME, H5_ITER_INC, nullptr,
                   [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
                       if (std::string(name).rfind("epoch_", 0) == 0) static_cast<std::vector<std::string>*>(data)->push_back(name);
                       return 0;
                   },
                   &groups);
        H5Gclose(eval);
    }
    for (const auto& g : groups) {
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
    H5Fclose(file);
    return out;
}

void add_finished_run(const std::string& log, bool per_epoch, std::vector<RunMetrics>& runs,
                      std::vector<std::string>& unfinished) {
    RunMetrics run = read_run_metrics(log);
    if (run.status != "finished") {
        unfinished.push_back(log + " (status: " + run.status + ")");
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

std::vector<TableRow> summarize_runs(const std::vector<RunMetrics>& runs) {
    std::vector<TableRow> rows;
    std::vector<std::string> keys;  // every metric, in first-seen order
    for (const auto& r : runs)
        for (const auto& [key, value] : r.values)
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    std::stable_partition(keys.begin(), keys.end(), [](const std::string& k) { return k != "wall_seconds"; });  // last column
    auto same_row = [](const TableRow& t, const RunMetrics& r) { return t.experiment == r.experiment && t.trained_epochs == r.trained_epochs; };
    for (const auto& r : runs) {
        auto row = std::find_if(rows.begin(), rows.end(), [&](const TableRow& t) { return same_row(t, r); });
        if (row == rows.end()) {
            rows.push_back({r.experiment, r.trained_epochs, 0, {}, {}, {}});
            row = rows.end() - 1;
        }
        ++row->runs;
        row->seeds.push_back(r.seed);
    }
    // Within an experiment, evaluations in the order of training.
    std::vector<std::string> order;
    for (const auto& row : rows)
        if (std::find(order.begin(), order.end(), row.experiment) == order.end()) order.push_back(row.experiment);
    std::stable_sort(rows.begin(), rows.end(), [&](const TableRow& a, const TableRow& b) {
        auto ia = std::find(order.begin(), order.end(), a.experiment), ib = std::find(order.begin(), order.end(), b.experiment);
        return ia != ib ? ia < ib : a.trained_epochs < b.trained_epochs;
    });
    for (auto& row : rows)
        for (const auto& key : keys) {
            std::vector<double> xs;
            for (const auto& r : runs) {
                if (!same_row(row, r)) continue;
                for (const auto& [k, v] : r.values)
                    if (k == key) xs.push_back(v);
            }
            MetricSummary s{key, std::int64_t(xs.size()), mean_of(xs), std::nan("")};
            if (xs.size() > 1) {
                double var = 0;
                for (double x : xs) var += (x - s.mean) * (x - s.mean);
                s.sem = std::sqrt(var / double(xs.size() - 1)) / std::sqrt(double(xs.size()));
            }
            row.metrics.push_back(s);
        }
    return rows;
}

std::string table_markdown(const std::vector<TableRow>& rows) {
    if (rows.empty()) return "(no runs)\n";
    std::vector<std::vector<std::string>> cells;
    const bool by_epoch = std::any_of(rows.begin(), rows.end(), [](const TableRow& r) { return r.trained_epochs >= 0; });
    const auto labels = parameter_labels(rows);
    std::vector<std::string> head{"experiment"};
    head.insert(head.end(), labels.begin(), labels.end());
    if (by_epoch) head.push_back("epochs");
    head.push_back("runs");
    for (const auto& m : rows[0].metrics) head.push_back(metric_heading(m.metric));
    cells.push_back(head);
    for (const auto& row : rows) {
        std::vector<std::string> line{row.experiment};
        for (const auto& label : labels) line.push_back(parameter_value(row, label));
        if (by_epoch) line.push_back(std::to_string(row.trained_epochs));
        line.push_back(std::to_string(row.runs));
        for (const auto& m : row.metrics) line.push_back(cell(m));
        cells.push_back(line);
    }
    std::vector<std::size_t> width(head.size(), 3);
    auto length = [](const std::string& s) {  // display width: "±" is one column, two bytes
        std::size_t n = 0;
        for (unsigned char c : s) n += (c & 0xC0) != 0x80;
        return n;
    };
    for (const auto& line : cells)
        for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], length(line[i]));
    std::ostringstream out;
    auto print = [&](const std::vector<std::string>& line) {
        out << "|";
        for (std::size_t i = 0; i < line.size(); ++i)
            out << " " << line[i] << std::string(width[i] - length(line[i]), ' ') << " |";
        out << "\n";
    };
    print(cells[0]);
    out << "|";
    const std::size_t left = 1 + labels.size();  // text columns align left, numbers right
    for (std::size_t i = 0; i < width.size(); ++i) out << (i < left ? ":" : "") << std::string(width[i] + 1, '-') << (i < left ? "" : ":") << "|";
    out << "\n";
    for (std::size_t r = 1; r < cells.size(); ++r) print(cells[r]);
    return out.str();
}

std::string table_csv(const std::vector<TableRow>& rows) {
    std::ostringstream out;
    const bool by_epoch = std::any_of(rows.begin(), rows.end(), [](const TableRow& r) { return r.trained_epochs >= 0; });
    const auto labels = parameter_labels(rows);
    out << "experiment,";
    for (const auto& label : labels) out << csv_field(label) << ",";
    out << (by_epoch ? "epochs," : "") << "runs,seeds";
    if (!rows.empty())
        for (const auto& m : rows[0].metrics) out << "," << m.metric << "_mean," << m.metric << "_sem," << m.metric << "_n";
    out << "\n";
    out.precision(10);
    for (const auto& row : rows) {
        std::string seeds;
        for (auto s : row.seeds) seeds += (seeds.empty() ? "" : " ") + std::to_string(s);
        out << csv_field(row.experiment) << ",";
        for (const auto& label : labels) out << csv_field(parameter_value(row, label)) << ",";
        out << (by_epoch ? std::to_string(row.trained_epochs) + "," : "") << row.runs << "," << seeds;
        for (const auto& m : row.metrics) {
            out << ",";
            if (m.n > 0) out << m.mean;
            out << ",";
            if (!std::isnan(m.sem)) out << m.sem;
            out << "," << m.n;
        }
        out << "\n";
    }
    return out.str();
}

std::vector<std::int64_t> parse_seeds(const std::string& text) {
    auto number = [&](const std::string& s) {
        std::size_t used = 0;
        long long v = -1;
        try {
            v = std::stoll(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != s.size() || s.empty() || v < 0) throw std::invalid_argument("bad seed \"" + s + "\" in \"" + text + "\"");
        return std::int64_t(v);
    };
    std::vector<std::int64_t> seeds;
    if (text.find(',') != std::string::npos) {
        std::stringstream in(text);
        for (std::string part; std::getline(in, part, ',');) seeds.push_back(number(part));
    } else if (auto dash = text.find('-'); dash != std::string::npos) {
        std::int64_t first = number(text.substr(0, dash)), last = number(text.substr(dash + 1));
        if (last < first) throw std::invalid_argument("empty seed range \"" + text + "\"");
        for (std::int64_t s = first; s <= last; ++s) seeds.push_back(s);
    } else {
        std::int64_t n = number(text);
        if (n == 0) throw std::invalid_argument("--seeds 0 runs nothing");
        for (std::int64_t s = 0; s < n; ++s) seeds.push_back(s);
    }
    return seeds;
}

std::vector<std::string> replicate(const ReplicateOptions& o, std::ostream& out, int& failures,
                                   const std::atomic<bool>* stop) {
    std::vector<BatchRun> runs;
    std::vector<std::string> order;  // every log, spec by spec, seed by seed
    std::set<std::string> finished;
    for (const auto& job : o.specs)
        for (std::int64_t seed : o.seeds) {
            const std::string name = job.experiment + "/seed_" + std::to_string(seed);
            std::string log = (fs::path(o.out) / (name + ".h5")).string();
            order.push_back(log);
            bool done = false;
            if (fs::exists(log)) try {
                    done = read_run_metrics(log).status == "finished";
                } catch (const std::exception&) {
                }
            if (done) {
                finished.insert(log);
                out << "kept     " << log << " (finished earlier)\n";
                continue;
            }
            // --continue: an interrupted run resumes from its checkpoint, a broken one starts over.
            BatchRun run{name, {"run", job.spec, "--set", "seed=" + std::to_string(seed), "--out", log, "--continue"}, log};
            for (const auto& set : o.overrides) run.args.insert(run.args.end(), {"--set", set});
            if (!o.device.empty()) run.args.insert(run.args.end(), {"--device", o.device});
            runs.push_back(std::move(run));
        }
    out.flush();
    BatchOptions options;
    options.jobs = o.jobs;
    options.threads = o.threads;
    BatchResult result = run_batch(runs, options, out, stop);
    failures = result.failures;
    finished.insert(result.finished.begin(), result.finished.end());
    std::vector<std::string> logs;
    for (const auto& log : order)
        if (finished.count(log)) logs.push_back(log);
    return logs;
}

}  // namespace somnus
