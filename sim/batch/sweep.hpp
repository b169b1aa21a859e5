// Sweeps: experiments run over a grid of spec values and training seeds
// (`somnus sweep`). A sweep file is a description; expand_sweep turns it into
// concrete specs, one per run, each validated before anything runs. The runs are
// then executed by the local batch runner (sim/batch/pool.hpp) or by a Slurm job
// array (slurm_script), and summarised from their logs (`somnus summarize`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "sim/results/manifest.hpp"
#include "sim/spec/reader.hpp"

namespace somnus {

// One varied dimension. Each point sets every key to its value: a plain axis has
// one key, a "zip" axis several keys varied together.
struct SweepAxis {
    std::vector<std::string> keys;  // --set paths, e.g. "conductor.doses.0.value"
    std::string label;              // in run names: "<label>=<point name>"
    struct Point {
        std::string name;                   // "0.5", or the name given to an object value
        std::vector<Json> values;           // one per key
        std::vector<std::string> pointers;  // of each value in the sweep file (a range: the range), for errors
    };
    std::vector<Point> points;
    std::string pointer;  // of the axis in the sweep file, for errors
};

// Resources of each array task when the sweep runs on a Slurm cluster.
struct SlurmSpec {
    std::string partition, account, qos;
    std::string time = "02:00:00";
    std::string mem = "4G";
    std::int64_t cpus_per_task = 2;
    std::int64_t gpus = 0;
    std::int64_t max_parallel = 0;     // array tasks running at once (0 = as Slurm allows)
    std::vector<std::string> options;  // further sbatch options, e.g. "--constraint=avx2"
};

struct SweepSpec {
    std::string command = "sweep";  // what made it, for messages: "sweep" or "replicate"
    std::string name;
    std::string description;
    std::string file;                // absolute path of the sweep file
    std::vector<std::string> bases;  // spec files (globs expanded), absolute
    std::vector<std::string> set;    // "key.path=value" applied to every run
    std::vector<SweepAxis> axes;
    std::vector<std::int64_t> seeds{0};
    std::string out;           // absolute; default runs/sweeps/<name>
    std::int64_t jobs = 0;     // local runs at a time; 0 = automatic_jobs() (one per core, memory permitting)
    std::int64_t threads = 0;  // per local run; 0 = cores / jobs
    SlurmSpec slurm;
};

// True for a document with a top-level "sweep" key (experiments/ holds both kinds).
bool is_sweep_document(const Json& document);

// The keys of a sweep file, declared once: load_sweep_file reads them, `somnus schema
// --sweep` (experiments/somnus.sweep.schema.json) is made from them.
const ParameterSet& sweep_file_parameters();

// Reads and checks a sweep file; SpecError pointers are into the sweep file.
SweepSpec load_sweep_file(const std::string& path);

struct SweepRun {
    std::string condition;  // the base spec's name, then "__<label>=<point>" per axis
    std::int64_t seed = 0;
    std::string base;                                             // the spec file it starts from
    std::vector<std::pair<std::string, std::string>> parameters;  // label -> point name
    Json spec;                                                    // the concrete spec (name, seed, record.path set)
    Json source;            // the same, checked, with its defaults filled in (ExperimentSpec::source)
    std::string spec_path;  // OUT/<condition>/seed_K.json
    std::string log_path;   // OUT/<condition>/seed_K.h5
};

// Every base × every point of every axis × every seed, in that order. Each spec
// is parsed and wired, and each base's data located; the first bad one throws
// SpecError at the sweep's pointer of the axis value (or base) behind it.
std::vector<SweepRun> expand_sweep(const SweepSpec& sweep);

// Writes OUT/<condition>/seed_K.json for every run and the manifest
// OUT/sweep.json (runs, their parameters, specs and logs).
void write_sweep(const SweepSpec& sweep, const std::vector<SweepRun>& runs);

// The files a sweep reads (its file and its base specs): nothing it writes may replace them.
std::vector<std::filesystem::path> sweep_inputs(const SweepSpec& sweep);

// The sbatch script running every run as one task of a job array: task K runs
// the K-th spec of OUT/slurm/specs.txt with `somnus run --continue`, so a
// resubmitted array skips finished runs and resumes interrupted ones.
std::string slurm_script(const SweepSpec& sweep, const std::vector<SweepRun>& runs, const std::string& program);

// Seeds from "4" (0..3), "0,5,7" or "10-13"; throws std::invalid_argument.
std::vector<std::int64_t> parse_seeds(const std::string& text);

// `somnus replicate`: every spec at every seed, as a sweep without axes (its
// runs in OUT/<spec's name>/seed_K.h5); jobs, threads and --set as for a sweep.
SweepSpec replicate_sweep(const std::vector<std::string>& specs, const std::vector<std::int64_t>& seeds,
                          const std::string& out);

}  // namespace somnus
