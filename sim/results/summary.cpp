#include "sim/results/summary.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

#include "sim/base/errors.hpp"
#include "sim/base/files.hpp"
#include "sim/results/manifest.hpp"

namespace somnus {

namespace fs = std::filesystem;

namespace {

std::string escape_xml(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '&')
            out += "&amp;";
        else if (c == '"')
            out += "&quot;";
        else
            out += c;
    }
    return out;
}

// About five round tick values covering [lo, hi].
std::vector<double> ticks(double lo, double hi) {
    const double span = hi - lo;
    const double raw = span / 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * magnitude >= raw) {
            step = m * magnitude;
            break;
        }
    std::vector<double> out;
    for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step)
        out.push_back(std::abs(t) < 1e-12 * span ? 0 : t);
    return out;
}

std::string number_text(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", x);
    return buffer;
}

const char* kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string unit_of(const std::string& metric) {
    for (const char* accuracy : {"readout", "occluded_", "noise_", "blur_", "shift_", "knn_"})
        if (metric.rfind(accuracy, 0) == 0) return "test accuracy (%)";
    if (metric == "wall_seconds") return "seconds";
    if (metric.rfind("overlap_", 0) == 0) return "nats";
    return "";
}

double value_of(const RunMetrics& run, const std::string& metric) {
    for (const auto& [k, v] : run.values)
        if (k == metric) return v;
    return std::nan("");
}

const MetricSummary* summary_of(const TableRow& row, const std::string& metric) {
    for (const auto& m : row.metrics)
        if (m.metric == metric && m.n > 0) return &m;
    return nullptr;
}

}  // namespace

namespace {

// One metric's plot, drawn in named steps: its conditions, the ranges its values
// span, the layout, then the frame and either one bar per condition (each seed a
// dot) or one line per condition over the evaluated epochs.
struct MetricPlot {
    MetricPlot(const std::string& metric, const std::vector<RunMetrics>& runs, const std::vector<TableRow>& rows,
               bool per_epoch)
        : metric(metric), runs(runs), rows(rows), per_epoch(per_epoch) {}
    const std::string& metric;
    const std::vector<RunMetrics>& runs;
    const std::vector<TableRow>& rows;
    bool per_epoch;
    std::vector<std::string> conditions;  // in table order
    double lo = INFINITY, hi = -INFINITY, x_lo = INFINITY, x_hi = -INFINITY;
    double left = 70, top = 46, plot_h = 260, plot_w = 0, label_room = 0, legend_w = 0, width = 0, height = 0;
    std::ostringstream s;

    void collect_conditions() {
        for (const auto& row : rows)
            if (std::find(conditions.begin(), conditions.end(), row.experiment) == conditions.end())
                conditions.push_back(row.experiment);
    }

    // The y range covers every seed and every mean ± SEM; false when nothing is plotted.
    bool find_ranges() {
        for (const auto& run : runs) {
            const double v = value_of(run, metric);
            if (!std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
        }
        for (const auto& row : rows)
            if (const auto* m = summary_of(row, metric)) {
                const double sem = std::isnan(m->sem) ? 0 : m->sem;
                lo = std::min(lo, m->mean - sem), hi = std::max(hi, m->mean + sem);
                x_lo = std::min(x_lo, double(row.trained_epochs)), x_hi = std::max(x_hi, double(row.trained_epochs));
            }
        if (!(lo <= hi)) return false;
        if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) lo -= 0.5, hi += 0.5;
        const double pad = 0.06 * (hi - lo);
        lo -= pad, hi += pad;
        if (!(x_lo < x_hi)) x_lo -= 1, x_hi += 1;
        return true;
    }

    void lay_out() {
        std::size_t longest = 0;
        for (const auto& c : conditions) longest = std::max(longest, c.size());
        label_room = per_epoch ? 50 : std::min(260.0, 12 + 6.2 * double(longest) * 0.72);
        plot_w = per_epoch ? 480 : std::max(360.0, 56.0 * double(conditions.size()));
        legend_w = per_epoch ? std::min(360.0, 30 + 7.0 * double(longest)) : 0;
        width = left + plot_w + 20 + legend_w, height = top + plot_h + label_room + 10;
    }

    double y_of(double v) const { return top + plot_h * (hi - v) / (hi - lo); }
    double x_of_epoch(double e) const { return left + plot_w * (e - x_lo) / (x_hi - x_lo); }
    double x_of_condition(std::size_t i) const {
        return left + plot_w * (double(i) + 0.5) / double(conditions.size());
    }

    // Title, subtitle, the y grid with its ticks, the unit and the plot's box.
    void draw_frame() {
        s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
          << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
          << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
          << "<text x=\"" << left << "\" y=\"20\" font-size=\"15\">" << escape_xml(metric_heading(metric)) << "</text>\n"
          << "<text x=\"" << left << "\" y=\"36\" fill=\"#555\">"
          << (per_epoch ? "mean ± SEM over seeds, after each evaluated epoch"
                        : "mean ± SEM over seeds (bars); each seed (dots)")
          << "</text>\n";
        for (double t : ticks(lo, hi)) {
            const double y = y_of(t);
            s << "<line x1=\"" << left << "\" x2=\"" << left + plot_w << "\" y1=\"" << y << "\" y2=\"" << y
              << "\" stroke=\"#e4e4e4\"/>\n"
              << "<text x=\"" << left - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << number_text(t)
              << "</text>\n";
        }
        if (!unit_of(metric).empty())
            s << "<text transform=\"translate(16," << top + plot_h / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
              << unit_of(metric) << "</text>\n";
        s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plot_w << "\" height=\"" << plot_h
          << "\" fill=\"none\" stroke=\"#444\"/>\n";
    }

    // A mean (a dot) and its ± SEM (a bar with end ticks, when there is one).
    void draw_error_bar(double x, double mean, double sem, const char* colour) {
        if (!std::isnan(sem) && sem > 0) {
            s << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << y_of(mean - sem) << "\" y2=\""
              << y_of(mean + sem) << "\" stroke=\"" << colour << "\" stroke-width=\"1.5\"/>\n";
            for (double v : {mean - sem, mean + sem})
                s << "<line x1=\"" << x - 6 << "\" x2=\"" << x + 6 << "\" y1=\"" << y_of(v) << "\" y2=\"" << y_of(v)
                  << "\" stroke=\"" << colour << "\" stroke-width=\"1.5\"/>\n";
        }
        s << "<circle cx=\"" << x << "\" cy=\"" << y_of(mean) << "\" r=\"4.5\" fill=\"" << colour << "\"/>\n";
    }

    // One column per condition: each seed a grey dot beside the mean ± SEM, the name below.
    void draw_conditions() {
        for (std::size_t i = 0; i < conditions.size(); ++i) {
            const double x = x_of_condition(i);
            std::size_t k = 0;
            for (const auto& run : runs) {
                if (run.experiment != conditions[i]) continue;
                const double v = value_of(run, metric);
                if (std::isnan(v)) continue;
                const double jitter = 10.0 * (double(k++ % 5) - 2.0) / 2.0;
                s << "<circle cx=\"" << x + 14 + jitter * 0.4 << "\" cy=\"" << y_of(v)
                  << "\" r=\"2.5\" fill=\"#999\"/>\n";
            }
            for (const auto& row : rows)
                if (row.experiment == conditions[i])
                    if (const auto* m = summary_of(row, metric)) draw_error_bar(x, m->mean, m->sem, "#222");
            const double ly = top + plot_h + 14;
            s << "<text transform=\"translate(" << x << "," << ly << ") rotate(-40)\" text-anchor=\"end\">"
              << escape_xml(conditions[i]) << "</text>\n";
        }
    }

    // The epoch axis, then one coloured line of means ± SEM per condition and its legend entry.
    void draw_epochs() {
        for (double t : ticks(x_lo, x_hi))
            if (std::abs(t - std::round(t)) < 1e-9)
                s << "<text x=\"" << x_of_epoch(t) << "\" y=\"" << top + plot_h + 16 << "\" text-anchor=\"middle\">"
                  << number_text(t) << "</text>\n";
        s << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << top + plot_h + 36
          << "\" text-anchor=\"middle\">epochs trained</text>\n";
        for (std::size_t i = 0; i < conditions.size(); ++i) {
            const char* colour = kColours[i % 10];
            std::string points;
            for (const auto& row : rows)
                if (row.experiment == conditions[i])
                    if (const auto* m = summary_of(row, metric))
                        points += number_text(x_of_epoch(double(row.trained_epochs))) + "," +
                                  number_text(y_of(m->mean)) + " ";
            s << "<polyline points=\"" << points << "\" fill=\"none\" stroke=\"" << colour
              << "\" stroke-width=\"1.5\"/>\n";
            for (const auto& row : rows)
                if (row.experiment == conditions[i])
                    if (const auto* m = summary_of(row, metric))
                        draw_error_bar(x_of_epoch(double(row.trained_epochs)), m->mean, m->sem, colour);
            const double ly = top + 10 + 18.0 * double(i);
            s << "<rect x=\"" << left + plot_w + 14 << "\" y=\"" << ly - 9 << "\" width=\"12\" height=\"12\" fill=\""
              << colour << "\"/>\n"
              << "<text x=\"" << left + plot_w + 32 << "\" y=\"" << ly + 1 << "\">" << escape_xml(conditions[i])
              << "</text>\n";
        }
    }
};

}  // namespace

std::string metric_plot_svg(const std::string& metric, const std::vector<RunMetrics>& runs,
                            const std::vector<TableRow>& rows, bool per_epoch) {
    MetricPlot plot(metric, runs, rows, per_epoch);
    plot.collect_conditions();
    if (!plot.find_ranges()) return "";
    plot.lay_out();
    plot.s.precision(6);
    plot.draw_frame();
    if (per_epoch)
        plot.draw_epochs();
    else
        plot.draw_conditions();
    plot.s << "</svg>\n";
    return plot.s.str();
}

std::string summary_text(const Summary& s) {
    std::ostringstream out;
    const bool per_epoch =
        std::any_of(s.rows.begin(), s.rows.end(), [](const TableRow& r) { return r.trained_epochs >= 0; });
    out << table_markdown(s.rows) << "(mean ± SEM over the training seeds of each condition"
        << (per_epoch ? ", after each evaluated epoch" : "") << "; readout and occlusion in % test accuracy)\n"
        << "summary: " << s.markdown_path << ", " << s.csv_path << ", " << s.plot_paths.size()
        << (s.plot_paths.size() == 1 ? " plot in " : " plots in ")
        << (fs::path(s.markdown_path).parent_path() / "plots").string() << "\n";
    for (const auto& skipped : s.skipped) out << "  left out " << skipped << "\n";
    return out.str();
}

Summary summarize_folder(const std::string& dir, bool per_epoch, bool plots) {
    if (!fs::is_directory(dir)) throw InputError(dir + ": not a folder");
    Summary summary;
    // The logs, and each condition's parameters when a sweep manifest names them.
    std::vector<std::string> logs;
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> parameters;
    const fs::path manifest = fs::path(dir) / "sweep.json";
    if (fs::exists(manifest)) {
        for (const auto& run : read_manifest(manifest.string())) {
            if (fs::exists(run.log))
                logs.push_back(run.log);
            else
                summary.skipped.push_back(run.log + " (not run yet)");
            parameters[run.condition] = run.parameters;
        }
    } else {
        logs = find_logs({dir});
    }
    std::vector<RunMetrics> runs;
    for (const auto& log : logs) {
        try {
            add_finished_run(log, per_epoch, runs, summary.skipped);
        } catch (const std::exception& e) {
            summary.skipped.push_back(log + " (" + e.what() + ")");
        }
    }
    if (runs.empty()) throw InputError(dir + ": no log of a finished run" + (logs.empty() ? " (none found)" : ""));
    summary.rows = summarize_runs(runs);
    for (auto& row : summary.rows)
        if (auto it = parameters.find(row.experiment); it != parameters.end()) row.parameters = it->second;
    const std::string stem = per_epoch ? "summary_per_epoch" : "summary";
    summary.markdown_path = (fs::path(dir) / (stem + ".md")).string();
    summary.csv_path = (fs::path(dir) / (stem + ".csv")).string();
    // Files this command keeps current in the folder: refreshed on every call, never over an input.
    std::vector<fs::path> inputs(logs.begin(), logs.end());
    if (fs::exists(manifest)) inputs.push_back(manifest);
    const auto refresh = [&](const fs::path& path, const std::string& text, const std::string& what) {
        check_output(path, inputs, Replace::always, false, what);
        write_text_file(path, text);
    };
    refresh(summary.markdown_path, table_markdown(summary.rows), "the Markdown summary");
    refresh(summary.csv_path, table_csv(summary.rows), "the CSV summary");
    if (plots)
        for (const auto& m : summary.rows.front().metrics) {
            const std::string svg = metric_plot_svg(m.metric, runs, summary.rows, per_epoch);
            if (svg.empty()) continue;
            const fs::path path = fs::path(dir) / "plots" / (m.metric + (per_epoch ? "_per_epoch" : "") + ".svg");
            refresh(path, svg, "a plot");
            summary.plot_paths.push_back(path.string());
        }
    return summary;
}

}  // namespace somnus
