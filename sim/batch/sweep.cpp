#include "sim/batch/sweep.hpp"

#include <glob.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "data/datasets.hpp"
#include "sim/base/files.hpp"
#include "sim/circuit/circuit.hpp"
#include "sim/run/schedule.hpp"
#include "sim/spec/data_check.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

namespace fs = std::filesystem;

namespace {

// Run names are folder names: keep letters, digits and . _ = + , -, and no / (nothing outside OUT).
// A name of dots alone ("." or "..") would name the folder itself or its parent:
// its dots become _ too, so every run's folder is inside the batch's OUT.
std::string safe_name(const std::string& text) {
    std::string out;
    for (char c : text)
        out += (std::isalnum(static_cast<unsigned char>(c)) || std::string("._=+,-").find(c) != std::string::npos)
                   ? c
                   : '_';
    if (out.find_first_not_of('.') == std::string::npos) std::replace(out.begin(), out.end(), '.', '_');
    return out;
}

// How a scalar value reads in a run name.
std::string value_name(const Json& value, const std::string& pointer) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer() || value.is_boolean()) return value.dump();
    if (value.is_number()) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%g", value.get<double>());
        return buffer;
    }
    throw SpecError(
        pointer,
        json_type_name(value) + " needs a name in the run names: give the values as an object, {\"name\": value, ...}");
}

// ---- the sweep file's keys, declared once: the reader below and `somnus schema --sweep` --

const ParameterSet& range_parameters() {
    static const ParameterSet set{
        "sweep.range",
        "evenly spaced values of an axis: from, to, and step or count",
        {number("from", 0, -1e300, 1e300, "the first value").must_be_given(),
         number("to", 0, -1e300, 1e300, "the last value (a step range: the last step at or below it)").must_be_given(),
         number("step", 0, 0, 1e300, "the spacing (linear ranges; give step or count)"),
         integer("count", 0, 2, 100000, "the number of values, ends included (give step or count)"),
         choice("scale", "linear", {"linear", "log"}, "log: values evenly spaced in log, from and to above 0")},
        Json{{"oneOf", Json::array({{{"required", {"step"}}}, {{"required", {"count"}}}})}}};
    return set;
}

const ParameterSet& axis_parameters() {
    static const Json values_schema = {
        {"oneOf", Json::array({{{"type", "array"}, {"minItems", 1}},
                               {{"type", "object"}, {"minProperties", 1}}})}};
    static const Json zip_schema = {{"type", "array"}, {"minItems", 2}, {"items", {{"type", "object"}}}};
    static const ParameterSet set{
        "sweep.axis",
        "one varied dimension: a key and its values (or range), or several axes zipped",
        {text("key", "", "the spec key path it varies, e.g. \"schedule.epochs\""),
         text("label", "", "its name in run names (default: the key's last part; a zip: its axes' labels joined by +)"),
         shaped("values", nullptr, "[value, ...] or {name: value, ...}", values_schema,
                "the values: a list (numbers and strings name themselves) or an object of named values"),
         object("range", range_parameters(), "the values as a range, in place of values"),
         shaped("zip", nullptr, "[axis, axis, ...]", zip_schema,
                "axes varied together, value by value (each {key, values | range}; all of one length)")},
        Json{{"oneOf", Json::array({{{"required", {"key"}}}, {{"required", {"zip"}}}})}}};
    return set;
}

const ParameterSet& slurm_parameters() {
    const SlurmSpec o;
    static const ParameterSet set{
        "sweep.slurm",
        "what each task of the Slurm job array asks for (somnus sweep --slurm)",
        {text("partition", o.partition, "sbatch --partition (\"\": the cluster's default)"),
         text("account", o.account, "sbatch --account (\"\": none)"),
         text("qos", o.qos, "sbatch --qos (\"\": none)"),
         text("time", o.time, "wall-time limit of each task, HH:MM:SS"),
         text("mem", o.mem, "memory of each task, e.g. \"4G\""),
         integer("cpus_per_task", o.cpus_per_task, 1, 4096, "cores of each task (the run's threads)"),
         integer("gpus", o.gpus, 0, 64, "GPUs of each task"),
         integer("max_parallel", o.max_parallel, 0, 1000000, "tasks running at once (0: as Slurm allows)"),
         strings("options", o.options, "further sbatch options, e.g. \"--constraint=avx2\"")}};
    return set;
}

// "values": [..] or {"name": value, ..}; "range": {"from", "to", "step" | "count", "scale"}.
std::vector<SweepAxis::Point> read_points(ObjectReader& r) {
    const Json* values = r.child("values");
    const Json* range = r.child("range");
    if ((values != nullptr) == (range != nullptr))
        throw SpecError(r.where().to_string(),
                        "give either \"values\" (a list, or an object of named values) or \"range\"");
    std::vector<SweepAxis::Point> points;
    if (values) {
        const std::string at = r.at("values").to_string();
        if (values->is_array()) {
            for (std::size_t i = 0; i < values->size(); ++i)
                points.push_back({value_name((*values)[i], at + "/" + std::to_string(i)),
                                  {(*values)[i]},
                                  {at + "/" + std::to_string(i)}});
        } else if (values->is_object()) {
            for (const auto& [name, value] : values->items())
                points.push_back({name, {value}, {(r.at("values") / name).to_string()}});
        } else {
            throw SpecError(at, "expected a list or an object of named values, got " + json_type_name(*values));
        }
        if (points.empty()) throw SpecError(at, "no values: the sweep would run nothing");
        return points;
    }
    ObjectReader rr(*range, r.at("range"), range_parameters());
    const bool ends = rr.child("from") && rr.child("to");
    const double from = rr.number("from"), to = rr.number("to");
    const double step = rr.number("step");
    const std::int64_t count = rr.integer("count");
    const std::string scale = rr.choice("scale");
    rr.finish();
    const std::string at = rr.where().to_string();
    if (!ends) throw SpecError(at, "a range needs \"from\" and \"to\"");
    if ((step > 0) == (count > 0)) throw SpecError(at, "give either \"step\" (> 0) or \"count\" (>= 2)");
    if (scale == "log" && (from <= 0 || to <= 0)) throw SpecError(at, "a log range needs \"from\" and \"to\" above 0");
    if (scale == "log" && step > 0) throw SpecError(at, "a log range takes \"count\", not \"step\"");
    std::vector<double> xs;
    if (step > 0) {
        if (to < from) throw SpecError(at, "\"to\" is below \"from\"");
        const auto n = static_cast<std::int64_t>(std::floor((to - from) / step * (1 + 1e-12) + 1e-9));
        if (n > 100000) throw SpecError(at, "more than 100000 values");
        for (std::int64_t i = 0; i <= n; ++i) xs.push_back(from + double(i) * step);
    } else {
        for (std::int64_t i = 0; i < count; ++i) {
            const double t = double(i) / double(count - 1);
            xs.push_back(scale == "log" ? std::exp(std::log(from) + t * (std::log(to) - std::log(from)))
                                        : from + t * (to - from));
        }
    }
    const bool integral =
        scale == "linear" && from == std::floor(from) &&
        (step == 0 ? to == std::floor(to) && std::fmod(to - from, double(count - 1)) == 0 : step == std::floor(step));
    for (double x : xs) {
        Json value = integral ? Json(static_cast<std::int64_t>(std::llround(x))) : Json(x);
        points.push_back({value_name(value, at), {value}, {at}});
    }
    return points;
}

// The default label of a key: its last component ("schedule.epochs" -> "epochs").
std::string key_label(const std::string& key) {
    auto dot = key.rfind('.');
    return key.substr(dot == std::string::npos ? 0 : dot + 1);
}

void check_key(const std::string& key, const std::string& pointer) {
    if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos ||
        key.find('=') != std::string::npos)
        throw SpecError(pointer, "expected a spec key path such as \"schedule.epochs\", got \"" + key + "\"");
}

SweepAxis read_axis(const Json& object, const JsonPointer& where) {
    ObjectReader r(object, where, axis_parameters());
    SweepAxis axis;
    axis.pointer = where.to_string();
    if (const Json* zip = r.child("zip")) {
        if (!zip->is_array() || zip->size() < 2)
            throw SpecError(r.at("zip").to_string(),
                            "expected a list of two or more {\"key\", \"values\"} axes varied together");
        std::vector<SweepAxis> members;
        for (std::size_t i = 0; i < zip->size(); ++i) members.push_back(read_axis((*zip)[i], r.at("zip") / i));
        axis.label = r.string("label");
        r.finish();
        std::string labels;
        for (std::size_t i = 0; i < members.size(); ++i) {
            const auto& m = members[i];
            if (m.points.size() != members[0].points.size())
                throw SpecError((r.at("zip") / i).to_string(), "has " + std::to_string(m.points.size()) +
                                                                   " values, the first has " +
                                                                   std::to_string(members[0].points.size()) +
                                                                   ": zipped axes vary together, value by value");
            axis.keys.push_back(m.keys[0]);
            labels += (labels.empty() ? "" : "+") + m.label;
        }
        if (axis.label.empty()) axis.label = labels;
        for (std::size_t p = 0; p < members[0].points.size(); ++p) {
            SweepAxis::Point point;
            for (const auto& m : members) {
                point.name += (point.name.empty() ? "" : "+") + m.points[p].name;
                point.values.push_back(m.points[p].values[0]);
                point.pointers.push_back(m.points[p].pointers[0]);
            }
            axis.points.push_back(point);
        }
        return axis;
    }
    const std::string key = r.string("key");
    if (key.empty())
        throw SpecError(where.to_string(),
                        "an axis needs \"key\" (a spec key path) and \"values\" or \"range\", or \"zip\"");
    check_key(key, r.at("key").to_string());
    axis.keys = {key};
    axis.label = r.string("label", key_label(key));
    axis.points = read_points(r);
    r.finish();
    return axis;
}

std::vector<std::string> expand_glob(const std::string& pattern, const std::string& pointer) {
    if (pattern.find_first_of("*?[") == std::string::npos) {
        if (!fs::exists(pattern)) throw SpecError(pointer, pattern + ": file not found");
        return {pattern};
    }
    glob_t found{};
    std::vector<std::string> files;
    if (glob(pattern.c_str(), 0, nullptr, &found) == 0)
        for (std::size_t i = 0; i < found.gl_pathc; ++i) files.push_back(found.gl_pathv[i]);
    globfree(&found);
    if (files.empty()) throw SpecError(pointer, "no file matches " + pattern);
    std::sort(files.begin(), files.end());
    return files;
}

// Whether a spec JSON pointer lies at or under a --set key path.
bool inside(const std::string& pointer, const std::string& key) {
    std::string as_pointer = "/" + key;
    std::replace(as_pointer.begin(), as_pointer.end(), '.', '/');
    return pointer == as_pointer || pointer.rfind(as_pointer + "/", 0) == 0;
}

}  // namespace

bool is_sweep_document(const Json& document) { return document.is_object() && document.contains("sweep"); }

const ParameterSet& sweep_file_parameters() {
    const SweepSpec s;
    static const Json base_schema = {
        {"oneOf", Json::array({{{"type", "string"}},
                               {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}}}}})}};
    static const Json set_schema = {{"type", "object"}, {"propertyNames", {{"pattern", "^[^.=][^=]*[^.=]$|^[^.=]$"}}}};
    static const Json seeds_schema = {
        {"oneOf", Json::array({{{"type", "integer"}, {"minimum", 1}},
                               {{"type", "string"}, {"pattern", "^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$"}},
                               {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "integer"}, {"minimum", 0}}}}})}};
    static const ParameterSet set{
        "sweep",
        "a sweep file (somnus sweep): the runs' base specs, the values they share, the axes varied, the seeds",
        {text("$schema", "", "the JSON Schema an editor checks this sweep against (experiments/somnus.sweep.schema.json)"),
         text("sweep", "", "the sweep's name (letters, digits, . _ = + , -): its out folder's default name")
             .must_be_given(),
         text("description", s.description, "what the sweep is for; shown by somnus sweep --dry-run"),
         shaped("base", nullptr, "\"file\" or [\"file\", ...]", base_schema,
                "the spec files every run starts from, relative to this file; globs allowed")
             .must_be_given(),
         shaped("set", Json::object(), "{\"key.path\": value, ...}", set_schema,
                "values set in every run, as --set key.path=value"),
         objects("vary", axis_parameters(), "the axes: every run is one point of each (their product)"),
         shaped("seeds", s.seeds, "N, \"A-B,C\" or [seed, ...]", seeds_schema,
                "training seeds of every condition: a count (0 .. N-1), ranges or a list"),
         text("out", "", "the folder of the runs' logs (\"\": runs/sweeps/<sweep>), relative to the working folder"),
         integer("jobs", s.jobs, 0, 1024, "local runs at a time (0: one per core, memory permitting)"),
         integer("threads", s.threads, 0, 4096, "LibTorch threads of each local run (0: cores / jobs)"),
         object("slurm", slurm_parameters(), "what each task asks of a Slurm cluster (somnus sweep --slurm)")}};
    return set;
}

SweepSpec load_sweep_file(const std::string& path) {
    const Json document = load_spec_file(path);
    ObjectReader r(document, JsonPointer(), sweep_file_parameters());
    r.schema_reference("../somnus.sweep.schema.json");
    SweepSpec s;
    s.file = fs::absolute(path).lexically_normal().string();
    s.name = r.string("sweep");
    if (s.name.empty() || safe_name(s.name) != s.name)
        throw SpecError("/sweep", "expected the sweep's name (letters, digits, . _ = + , -), got \"" + s.name + "\"");
    s.description = r.string("description");
    const fs::path folder = fs::path(s.file).parent_path();
    std::vector<std::string> bases;
    if (const Json* base = r.child("base")) {
        if (base->is_string())
            bases.push_back(base->get<std::string>());
        else
            bases = r.strings("base", {});  // the shaped key's list of files
    }
    if (bases.empty())
        throw SpecError("/base", "expected the spec file (or a list of them, globs allowed) the runs start from");
    for (std::size_t i = 0; i < bases.size(); ++i) {
        const std::string pointer = document["base"].is_array() ? "/base/" + std::to_string(i) : "/base";
        for (const auto& file : expand_glob((folder / bases[i]).lexically_normal().string(), pointer)) {
            const Json base_document = load_spec_file(file);
            if (is_sweep_document(base_document)) continue;  // a glob over a folder that also holds sweeps
            s.bases.push_back(file);
        }
    }
    if (s.bases.empty()) throw SpecError("/base", "matches only sweep files, no experiment spec");
    if (const Json* set = r.child("set")) {
        ObjectReader sr(*set, r.at("set"));
        for (const auto& [key, value] : set->items()) {
            check_key(key, sr.at(key).to_string());
            s.set.push_back(key + "=" + value.dump());
            sr.child(key);
        }
        sr.finish();
    }
    if (const Json* vary = r.child("vary")) {
        if (!vary->is_array()) throw SpecError("/vary", "expected a list of axes, got " + json_type_name(*vary));
        std::set<std::string> keys;
        for (std::size_t i = 0; i < vary->size(); ++i) {
            s.axes.push_back(read_axis((*vary)[i], r.at("vary") / i));
            for (const auto& key : s.axes.back().keys)
                if (!keys.insert(key).second)
                    throw SpecError("/vary/" + std::to_string(i), "\"" + key + "\" is varied twice");
        }
    }
    if (const Json* seeds = r.child("seeds")) {
        try {
            if (seeds->is_number_integer())
                s.seeds = parse_seeds(std::to_string(seeds->get<std::int64_t>()));
            else if (seeds->is_string())
                s.seeds = parse_seeds(seeds->get<std::string>());
            else
                s.seeds = r.integers("seeds", {}, 0, std::int64_t(1) << 62);  // the shaped key's list
        } catch (const std::invalid_argument& e) {
            throw SpecError("/seeds", e.what());
        }
        if (s.seeds.empty()) throw SpecError("/seeds", "no seeds: the sweep would run nothing");
    }
    s.out = r.string("out");
    if (s.out.empty()) s.out = "runs/sweeps/" + s.name;
    s.out = fs::absolute(s.out).lexically_normal().string();
    s.jobs = r.integer("jobs");  // 0: automatic_jobs() (sim/batch/pool.hpp)
    s.threads = r.integer("threads");
    {
        ObjectReader sr = r.object("slurm");  // left out: its defaults
        SlurmSpec& o = s.slurm;
        o.partition = sr.string("partition");
        o.account = sr.string("account");
        o.qos = sr.string("qos");
        o.time = sr.string("time");
        o.mem = sr.string("mem");
        o.cpus_per_task = sr.integer("cpus_per_task");
        o.gpus = sr.integer("gpus");
        o.max_parallel = sr.integer("max_parallel");
        o.options = sr.strings("options");
        sr.finish();
    }
    r.finish();
    return s;
}

std::vector<SweepRun> expand_sweep(const SweepSpec& sweep) {
    std::vector<SweepRun> runs;
    std::set<std::string> conditions;
    std::vector<std::size_t> index(sweep.axes.size(), 0);  // the current point of every axis
    for (std::size_t b = 0; b < sweep.bases.size(); ++b) {
        Json base = load_spec_file(sweep.bases[b]);
        for (const auto& assignment : sweep.set) {
            try {
                apply_override(base, assignment);
            } catch (const SpecError& e) {
                throw SpecError("/set", sweep.bases[b] + ": " + e.what());
            }
        }
        std::fill(index.begin(), index.end(), 0);
        while (true) {
            Json document = base;
            std::vector<std::pair<std::string, std::string>> parameters;
            std::string condition = document.value("name", fs::path(sweep.bases[b]).stem().string());
            for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
                const auto& axis = sweep.axes[a];
                const auto& point = axis.points[index[a]];
                for (std::size_t k = 0; k < axis.keys.size(); ++k) {
                    try {
                        apply_override(document, axis.keys[k] + "=" + point.values[k].dump());
                    } catch (const SpecError& e) {
                        throw SpecError(axis.pointer, sweep.bases[b] + ": " + e.what());
                    }
                }
                parameters.emplace_back(axis.label, point.name);
                condition += "__" + axis.label + "=" + point.name;
            }
            condition = safe_name(condition);
            if (!conditions.insert(condition).second)
                throw SpecError("/base", "two runs are both named \"" + condition +
                                             "\" (two base specs with one name?); their logs would share a folder");
            document["name"] = condition;
            for (std::int64_t seed : sweep.seeds) {
                SweepRun run;
                run.condition = condition;
                run.seed = seed;
                run.base = sweep.bases[b];
                run.parameters = parameters;
                run.spec = document;
                run.spec["seed"] = seed;
                const fs::path folder = fs::path(sweep.out) / condition;
                run.spec_path = (folder / ("seed_" + std::to_string(seed) + ".json")).string();
                run.log_path = (folder / ("seed_" + std::to_string(seed) + ".h5")).string();
                if (!run.spec.contains("record") || !run.spec["record"].is_object())
                    run.spec["record"] = Json::object();
                run.spec["record"]["path"] = run.log_path;
                try {
                    ExperimentSpec parsed = parse_spec(run.spec);
                    check_data(parsed);   // its data is there and big enough (file headers only)
                    timeline_of(parsed);  // and no epoch is left empty
                    run.source = std::move(parsed.source);
                } catch (const SpecError& e) {
                    // Blame the axis value behind the bad key, else the base spec.
                    std::string blame = "/base";
                    for (std::size_t a = 0; a < sweep.axes.size(); ++a)
                        for (std::size_t k = 0; k < sweep.axes[a].keys.size(); ++k)
                            if (inside(e.pointer(), sweep.axes[a].keys[k]))
                                blame = sweep.axes[a].points[index[a]].pointers[k];
                    throw SpecError(blame, "run " + condition + " (" + sweep.bases[b] + "): " + e.what());
                }
                runs.push_back(std::move(run));
            }
            // Next grid point: the last axis varies fastest.
            std::size_t a = sweep.axes.size();
            while (a > 0 && ++index[a - 1] == sweep.axes[a - 1].points.size()) index[--a] = 0;
            if (a == 0) break;
        }
    }
    return runs;
}

void write_sweep(const SweepSpec& sweep, const std::vector<SweepRun>& runs) {
    Json manifest;
    manifest["sweep"] = sweep.name;
    manifest["file"] = sweep.file;
    Json labels = Json::array();
    for (const auto& axis : sweep.axes) labels.push_back(axis.label);
    manifest["parameters"] = labels;
    manifest["runs"] = Json::array();
    const auto inputs = sweep_inputs(sweep);
    for (const auto& run : runs) {
        check_output(run.spec_path, inputs, Replace::always, false, "a run's spec");
        write_text_file(run.spec_path, run.spec.dump(2) + "\n");
        Json entry{{"condition", run.condition},
                   {"seed", run.seed},
                   {"base", run.base},
                   {"spec", run.spec_path},
                   {"log", run.log_path}};
        entry["parameters"] = Json::object();
        for (const auto& [label, value] : run.parameters) entry["parameters"][label] = value;
        manifest["runs"].push_back(entry);
    }
    const fs::path manifest_path = fs::path(sweep.out) / "sweep.json";
    check_output(manifest_path, inputs, Replace::always, false, "the sweep's manifest");
    write_text_file(manifest_path, manifest.dump(2) + "\n");
}

std::vector<fs::path> sweep_inputs(const SweepSpec& sweep) {
    std::vector<fs::path> inputs(sweep.bases.begin(), sweep.bases.end());
    if (!sweep.file.empty()) inputs.emplace_back(sweep.file);
    return inputs;
}

std::string slurm_script(const SweepSpec& sweep, const std::vector<SweepRun>& runs, const std::string& program) {
    const SlurmSpec& o = sweep.slurm;
    const fs::path slurm = fs::path(sweep.out) / "slurm";
    std::ostringstream s;
    s << "#!/bin/bash\n"
      << "# somnus sweep \"" << sweep.name << "\": " << runs.size() << " runs, one per task of this job array.\n"
      << "# Written by `somnus sweep " << sweep.file << " --slurm`; submit with `sbatch "
      << (slurm / "sweep.sbatch").string() << "`.\n"
      << "# Submitting again skips finished runs and resumes interrupted ones (e.g. at the time limit).\n"
      << "#SBATCH --job-name=somnus-" << sweep.name << "\n"
      << "#SBATCH --array=0-" << runs.size() - 1;
    if (o.max_parallel > 0) s << "%" << o.max_parallel;
    s << "\n#SBATCH --cpus-per-task=" << o.cpus_per_task << "\n"
      << "#SBATCH --mem=" << o.mem << "\n"
      << "#SBATCH --time=" << o.time << "\n"
      << "#SBATCH --output=" << (slurm / "task_%a.out").string() << "\n"
      << "#SBATCH --signal=B:TERM@120\n";  // somnus is the batch shell (exec): a checkpoint before the time limit
    if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
    if (!o.account.empty()) s << "#SBATCH --account=" << o.account << "\n";
    if (!o.qos.empty()) s << "#SBATCH --qos=" << o.qos << "\n";
    if (o.gpus > 0) s << "#SBATCH --gpus=" << o.gpus << "\n";
    for (const auto& option : o.options) s << "#SBATCH " << option << "\n";
    s << "set -euo pipefail\n"
      << "spec=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" " << (slurm / "specs.txt").string() << ")\n"
      << "echo \"task $SLURM_ARRAY_TASK_ID on $(hostname): $spec\"\n"
      << "exec " << program << " run \"$spec\" --continue --threads \"${SLURM_CPUS_PER_TASK:-" << o.cpus_per_task
      << "}\"" << (o.gpus > 0 ? "" : " --device cpu") << " >> \"${spec%.json}.txt\" 2>&1\n";
    return s.str();
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
        if (used != s.size() || s.empty() || v < 0)
            throw std::invalid_argument("bad seed \"" + s + "\" in \"" + text + "\"");
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

SweepSpec replicate_sweep(const std::vector<std::string>& specs, const std::vector<std::int64_t>& seeds,
                          const std::string& out) {
    SweepSpec sweep;
    sweep.command = "replicate";
    sweep.name = "replicate";
    sweep.description = "every spec at every seed (somnus replicate)";
    for (const auto& spec : specs) sweep.bases.push_back(fs::absolute(spec).lexically_normal().string());
    sweep.seeds = seeds;
    sweep.out = fs::absolute(out).lexically_normal().string();
    return sweep;
}

}  // namespace somnus
