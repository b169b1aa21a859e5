#include "sim/results/tables.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace somnus {

std::string metric_heading(const std::string& key) {
    if (key == "readout_last_epoch") return "readout %";
    if (key == "readout_last5") return "readout last-5 %";
    if (key == "readout_validated") return "readout converged %";
    if (key.rfind("occluded_", 0) == 0) return key.substr(9) + " % occluded";
    if (key.rfind("noise_", 0) == 0) return "noise σ " + key.substr(6) + " %";
    if (key.rfind("blur_", 0) == 0) return "blur σ " + key.substr(5) + " px %";
    if (key.rfind("shift_", 0) == 0) return "shift " + key.substr(6) + " px %";
    if (key.rfind("knn_", 0) == 0) return "kNN k=" + key.substr(4) + " %";
    if (key == "reconstruction_error") return "reconstruction MSE";
    if (key == "reconstruction_class_kept") return "class kept %";
    if (key == "fid_reconstructions") return "FID reconstructions";
    if (key == "fid_samples") return "FID samples";
    if (key == "fid_floor") return "FID floor";
    if (key.rfind("fid_dreams_", 0) == 0) return "FID " + key.substr(11) + " dreams";
    if (key == "intra_inter_ratio") return "intra/inter";
    if (key == "clean_occluded_ratio") return "clean-occl./inter";
    if (key.rfind("overlap_kl_", 0) == 0) return "KL wake/sleep " + key.substr(11) + "+" + key.substr(11);
    if (key.rfind("overlap_floor_", 0) == 0) return "KL floor " + key.substr(14) + "+" + key.substr(14);
    if (key == "retention_tasks") return "per-task readout %";  // at the last test: their average accuracy
    if (key == "retention_all_classes") return "all-class readout %";
    if (key == "retention_forgetting") return "forgetting %";
    if (key == "retention_backward_transfer") return "backward transfer %";
    if (key == "retention_class_incremental_average") return "class-incr. average %";
    if (key == "retention_class_incremental_forgetting") return "class-incr. forgetting %";
    if (key == "retention_class_incremental_backward_transfer") return "class-incr. backward transfer %";
    if (key == "wall_seconds") return "wall s";
    return key;
}

namespace {

std::string cell(const MetricSummary& m) {
    char buffer[64];
    const bool ratio = m.metric.find("ratio") != std::string::npos || m.metric.rfind("overlap_", 0) == 0 ||
                       m.metric == "reconstruction_error";
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

std::vector<TableRow> summarize_runs(const std::vector<RunMetrics>& runs) {
    std::vector<TableRow> rows;
    std::vector<std::string> keys;  // every metric, in first-seen order
    for (const auto& r : runs)
        for (const auto& [key, value] : r.values)
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    std::stable_partition(keys.begin(), keys.end(),
                          [](const std::string& k) { return k != "wall_seconds"; });  // last column
    auto same_row = [](const TableRow& t, const RunMetrics& r) {
        return t.experiment == r.experiment && t.trained_epochs == r.trained_epochs;
    };
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
        auto ia = std::find(order.begin(), order.end(), a.experiment),
             ib = std::find(order.begin(), order.end(), b.experiment);
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
    const bool by_epoch =
        std::any_of(rows.begin(), rows.end(), [](const TableRow& r) { return r.trained_epochs >= 0; });
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
    for (std::size_t i = 0; i < width.size(); ++i)
        out << (i < left ? ":" : "") << std::string(width[i] + 1, '-') << (i < left ? "" : ":") << "|";
    out << "\n";
    for (std::size_t r = 1; r < cells.size(); ++r) print(cells[r]);
    return out.str();
}

std::string table_csv(const std::vector<TableRow>& rows) {
    std::ostringstream out;
    const bool by_epoch =
        std::any_of(rows.begin(), rows.end(), [](const TableRow& r) { return r.trained_epochs >= 0; });
    const auto labels = parameter_labels(rows);
    out << "experiment,";
    for (const auto& label : labels) out << csv_field(label) << ",";
    out << (by_epoch ? "epochs," : "") << "runs,seeds";
    if (!rows.empty())
        for (const auto& m : rows[0].metrics)
            out << "," << m.metric << "_mean," << m.metric << "_sem," << m.metric << "_n";
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

}  // namespace somnus
