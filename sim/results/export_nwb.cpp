#include "sim/results/export_nwb.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <vector>

#include "sim/base/errors.hpp"
#include "sim/base/files.hpp"
#include "sim/base/utc_time.hpp"
#include "sim/results/log_reading.hpp"
#include "sim/spec/reader.hpp"

namespace somnus {

namespace {

constexpr const char* kNwbVersion = "2.7.0";
// NCBI Taxonomy 32630, "synthetic construct": the subject is a model, not an animal.
constexpr const char* kSyntheticConstruct = "http://purl.obolibrary.org/obo/NCBITaxon_32630";
// The per-step groups of a state in the log (docs/log-format.md), in the order they are exported.
const char* const kStepGroups[] = {"losses",    "observables", "neuromodulators",
                                   "conductor", "plasticity",  "hippocampus"};

std::string uuid4() {
    static std::mt19937_64 bits{std::random_device{}()};
    const std::uint64_t hi = (bits() & 0xffffffffffff0fffULL) | 0x4000ULL;              // version 4
    const std::uint64_t lo = (bits() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
    char text[37];
    std::snprintf(text, sizeof text, "%08llx-%04llx-%04llx-%04llx-%012llx", (unsigned long long)(hi >> 32),
                  (unsigned long long)((hi >> 16) & 0xffff), (unsigned long long)(hi & 0xffff),
                  (unsigned long long)(lo >> 48), (unsigned long long)(lo & 0xffffffffffffULL));
    return text;
}

std::string dataset_attribute(hid_t file, const std::string& path, const char* name) {
    Hdf5Handle dataset(H5Oopen(file, path.c_str(), H5P_DEFAULT), H5Oclose);
    return dataset.valid() ? read_attribute(dataset, name) : "";
}

// The shape of the dataset at `path` (empty when there is none).
std::vector<hsize_t> dataset_shape(hid_t file, const std::string& path) {
    if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) return {};
    Hdf5Handle dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset.valid()) return {};
    Hdf5Handle space(H5Dget_space(dataset), H5Sclose);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(0, H5Sget_simple_extent_ndims(space))));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    return dims;
}

// NWB's VectorData holds at most 4 dimensions: a dataset's dimensions from `keep` on
// become one (C order), (rows, ..., units).
std::vector<hsize_t> rows_by(const std::vector<hsize_t>& dims, std::size_t keep) {
    std::vector<hsize_t> out(dims.begin(), dims.begin() + std::min(keep, dims.size()));
    if (dims.size() <= keep) return out;
    hsize_t n = 1;
    for (std::size_t k = keep; k < dims.size(); ++k) n *= dims[k];
    out.push_back(n);
    return out;
}

// How rows_by flattened: "a vector of 256", or "(1, 32, 32) flattened in C order".
std::string flattened(const std::vector<hsize_t>& dims, std::size_t keep) {
    if (dims.size() <= keep + 1) return "a vector of " + std::to_string(dims.size() > keep ? dims[keep] : 1);
    std::string shape;
    for (std::size_t k = keep; k < dims.size(); ++k) shape += (shape.empty() ? "" : ", ") + std::to_string(dims[k]);
    return "(" + shape + ") flattened in C order";
}

// The time (seconds since the run started) of each of `steps` in the state's per-step
// series; 0 for a step before the first ("initial", step -1).
std::vector<double> times_of_steps(hid_t file, const std::string& state, const std::vector<double>& steps) {
    const auto all_steps = read_doubles(file, "/states/" + state + "/step");
    const auto all_times = read_doubles(file, "/states/" + state + "/time");
    std::vector<double> out;
    for (double step : steps) {
        double t = 0.0;
        for (std::size_t i = 0; i < all_steps.size() && i < all_times.size(); ++i)
            if (all_steps[i] == step) t = all_times[i];
        out.push_back(t);
    }
    return out;
}

// The NWB file being written: groups, datasets and attributes with the types
// NWB's schema gives them (text as variable-length UTF-8), each typed object
// with its namespace, neurodata_type and a fresh object_id.
class NwbWriter {
public:
    // Writes the file `path`; errors name `target`, the file it becomes.
    NwbWriter(const std::string& path, std::string target) : path_(std::move(target)) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        file_ = Hdf5Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
        if (!file_.valid())
            throw OutputError(path_ + ": cannot create the NWB file (check that the folder is writable)");
        text_type_ = Hdf5Handle(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(text_type_, H5T_VARIABLE);
        H5Tset_cset(text_type_, H5T_CSET_UTF8);
    }

    hid_t root() const { return file_; }

    Hdf5Handle group(hid_t parent, const std::string& name) {
        Hdf5Handle g(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
        check(g.valid(), name);
        return g;
    }

    void typed(hid_t object, const char* ns, const char* type) {
        text_attribute(object, "namespace", ns);
        text_attribute(object, "neurodata_type", type);
        text_attribute(object, "object_id", uuid4());
    }

    void text_attribute(hid_t object, const char* name, const std::string& value) {
        Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        Hdf5Handle attr(H5Acreate2(object, name, text_type_, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        const char* data = value.c_str();
        check(attr.valid() && H5Awrite(attr, text_type_, &data) >= 0, name);
    }

    void texts_attribute(hid_t object, const char* name, const std::vector<std::string>& values) {
        const hsize_t n = values.size();
        Hdf5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        Hdf5Handle attr(H5Acreate2(object, name, text_type_, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        std::vector<const char*> data;
        for (const auto& v : values) data.push_back(v.c_str());
        check(attr.valid() && H5Awrite(attr, text_type_, data.data()) >= 0, name);
    }

    template <class T>
    void number_attribute(hid_t object, const char* name, T value, hid_t type) {
        Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        Hdf5Handle attr(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        check(attr.valid() && H5Awrite(attr, type, &value) >= 0, name);
    }

    Hdf5Handle text(hid_t parent, const std::string& name, const std::string& value) {
        Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        Hdf5Handle set(H5Dcreate2(parent, name.c_str(), text_type_, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
        const char* data = value.c_str();
        check(set.valid() && H5Dwrite(set, text_type_, H5S_ALL, H5S_ALL, H5P_DEFAULT, &data) >= 0, name);
        return set;
    }

    Hdf5Handle texts(hid_t parent, const std::string& name, const std::vector<std::string>& values) {
        const hsize_t n = values.size();
        Hdf5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        Hdf5Handle set(H5Dcreate2(parent, name.c_str(), text_type_, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
        std::vector<const char*> data;
        for (const auto& v : values) data.push_back(v.c_str());
        check(set.valid() && H5Dwrite(set, text_type_, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0, name);
        return set;
    }

    template <class T>
    Hdf5Handle array(hid_t parent, const std::string& name, const std::vector<T>& values, hid_t type) {
        const hsize_t n = values.size();
        Hdf5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        Hdf5Handle set(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
        check(set.valid() && (n == 0 || H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0), name);
        return set;
    }

    template <class T>
    Hdf5Handle block(hid_t parent, const std::string& name, const std::vector<T>& values,
                     const std::vector<hsize_t>& dims, hid_t type) {
        Hdf5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
        Hdf5Handle set(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
        check(set.valid() && (values.empty() || H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0),
              name);
        return set;
    }

    void close() { check(file_.close() >= 0, "the file's last writes"); }

private:
    void check(bool ok, const std::string& what) const {
        if (!ok) throw OutputError(path_ + ": writing " + what + " failed (a full disk or a file-size limit?)");
    }

    std::string path_;
    Hdf5Handle file_;
    Hdf5Handle text_type_;
};

// A core ProcessingModule under /processing.
Hdf5Handle processing_module(NwbWriter& nwb, const std::string& name, const std::string& description) {
    Hdf5Handle module = nwb.group(nwb.root(), "processing/" + name);
    nwb.typed(module, "core", "ProcessingModule");
    nwb.text_attribute(module, "description", description);
    return module;
}

// A core TimeSeries of one per-step series of the log: its values, in the log's
// unit, at the steps' times (seconds since the run started).
void write_time_series(NwbWriter& nwb, hid_t module, const std::string& name, const std::vector<double>& values,
                       const std::vector<double>& seconds, const std::string& description, const std::string& unit,
                       const std::string& source) {
    Hdf5Handle series = nwb.group(module, name);
    nwb.typed(series, "core", "TimeSeries");
    nwb.text_attribute(series, "description", description.empty() ? "(no description)" : description);
    nwb.text_attribute(series, "comments", "somnus log: " + source);
    Hdf5Handle data = nwb.array(series, "data", values, H5T_NATIVE_DOUBLE);
    nwb.number_attribute(data, "conversion", 1.0, H5T_NATIVE_DOUBLE);
    nwb.number_attribute(data, "offset", 0.0, H5T_NATIVE_DOUBLE);
    nwb.number_attribute(data, "resolution", -1.0, H5T_NATIVE_DOUBLE);
    nwb.text_attribute(data, "unit", unit.empty() ? "n.a." : unit);
    Hdf5Handle timestamps = nwb.array(series, "timestamps", seconds, H5T_NATIVE_DOUBLE);
    nwb.number_attribute(timestamps, "interval", std::int32_t{1}, H5T_NATIVE_INT32);
    nwb.text_attribute(timestamps, "unit", "seconds");
}

// An hdmf-common DynamicTable of numeric columns, one row per entry.
struct Column {
    std::string name, description;
    std::vector<double> values;
    bool integer = false;
    std::vector<std::string> texts = {};  // a text column instead, when given
    std::vector<hsize_t> dims = {};       // a block column (one array per row, float32) instead, when given
};

void write_table(NwbWriter& nwb, hid_t module, const std::string& name, const std::string& description,
                 const std::vector<Column>& columns) {
    Hdf5Handle table = nwb.group(module, name);
    nwb.typed(table, "hdmf-common", "DynamicTable");
    nwb.text_attribute(table, "description", description);
    std::vector<std::string> names;
    for (const auto& c : columns) names.push_back(c.name);
    nwb.texts_attribute(table, "colnames", names);
    const Column& first = columns.front();
    const std::size_t rows = !first.dims.empty()    ? first.dims[0]
                             : !first.texts.empty() ? first.texts.size()
                                                    : first.values.size();
    std::vector<std::int64_t> ids(rows);
    for (std::size_t i = 0; i < rows; ++i) ids[i] = static_cast<std::int64_t>(i);
    Hdf5Handle id = nwb.array(table, "id", ids, H5T_NATIVE_INT64);
    nwb.typed(id, "hdmf-common", "ElementIdentifiers");
    for (const auto& c : columns) {
        Hdf5Handle column;
        if (!c.dims.empty()) {
            std::vector<float> values(c.values.begin(), c.values.end());
            column = nwb.block(table, c.name, values, c.dims, H5T_NATIVE_FLOAT);
        } else if (!c.texts.empty()) {
            column = nwb.texts(table, c.name, c.texts);
        } else if (c.integer) {
            std::vector<std::int64_t> values(c.values.begin(), c.values.end());
            column = nwb.array(table, c.name, values, H5T_NATIVE_INT64);
        } else {
            column = nwb.array(table, c.name, c.values, H5T_NATIVE_DOUBLE);
        }
        nwb.typed(column, "hdmf-common", "VectorData");
        nwb.text_attribute(column, "description", c.description);
    }
}

// The evaluations of the log ("eval/epoch_NNN" and the final "eval"), in training order.
std::vector<std::pair<std::string, double>> evaluation_groups(hid_t file) {
    std::vector<std::pair<std::string, double>> found;
    std::vector<std::string> groups;
    for (const auto& name : group_children(file, "/eval"))
        if (name.rfind("epoch_", 0) == 0) groups.push_back("/eval/" + name);
    groups.push_back("/eval");
    for (const auto& g : groups) {
        const double trained = read_number_attribute(file, g, "trained_epochs");
        if (!std::isnan(trained)) found.emplace_back(g, trained);
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    return found;
}

// The run's retention matrix (log: /retention, eval.retention): one row per test and task.
std::size_t write_retention(NwbWriter& nwb, hid_t file, hid_t module) {
    const auto nights = read_doubles(file, "/retention/nights");
    const auto days = read_doubles(file, "/retention/days_trained");
    const auto accuracy = read_doubles(file, "/retention/accuracy");
    const auto incremental = read_doubles(file, "/retention/class_incremental_accuracy");
    const auto error = read_doubles(file, "/retention/reconstruction_error");
    const auto every = read_doubles(file, "/retention/all_classes_accuracy");
    const auto shape = dataset_shape(file, "/retention/tasks");
    const auto classes = read_doubles(file, "/retention/tasks");
    if (nights.empty() || shape.size() != 2 || shape[0] == 0) return 0;
    const std::size_t tasks = shape[0], widest = shape[1];
    if (accuracy.size() != nights.size() * tasks || days.size() != nights.size() || every.size() != nights.size())
        return 0;
    std::vector<std::string> names;
    for (std::size_t t = 0; t < tasks; ++t) {
        std::string name;
        for (std::size_t k = 0; k < widest; ++k)
            if (const double c = classes[t * widest + k]; c >= 0)
                name += (name.empty() ? "" : ",") + std::to_string(std::int64_t(c));
        names.push_back(name);
    }
    Column test{"test", "the retention test's place in the run (0, 1, ... in the order they ran)", {}, true};
    Column trained{"days_trained", "days of training behind the test", {}, true};
    Column slept{"nights", "nights behind the test, slept or deprived (0: after day 1's Wake, before its night)", {}, true};
    Column task{"task", "the task's index (log: /retention/tasks)", {}, true};
    Column named{"classes", "the task's classes", {}, false, {}};
    Column acc{"accuracy", "test accuracy of the task's own readout, mean over classifier seeds, a fraction", {}, false};
    Column ci{"class_incremental_accuracy",
              "accuracy of the every-class readout on the task's test images, mean over classifier seeds", {}, false};
    Column recon{"reconstruction_error", "mean squared error of G(E(x)) on the task's test images", {}, false};
    Column all{"all_classes_accuracy", "test accuracy of the every-class readout at this test, a fraction", {}, false};
    for (std::size_t i = 0; i < nights.size(); ++i)
        for (std::size_t t = 0; t < tasks; ++t) {
            test.values.push_back(double(i));
            trained.values.push_back(days[i]);
            slept.values.push_back(nights[i]);
            task.values.push_back(double(t));
            named.texts.push_back(names[t]);
            acc.values.push_back(accuracy[i * tasks + t]);
            ci.values.push_back(incremental.size() == accuracy.size() ? incremental[i * tasks + t] : std::nan(""));
            recon.values.push_back(error.size() == accuracy.size() ? error[i * tasks + t] : std::nan(""));
            all.values.push_back(every[i]);
        }
    write_table(nwb, module, "retention",
                "retention across days (log: /retention): each task's readout, trained and tested on its classes "
                "alone, after day 1's Wake and after every night; one row per test and task "
                "(docs/memory-across-days.md)",
                {test, trained, slept, task, named, acc, ci, recon, all});
    return 1;
}

// The readout under perturbations no rule trains on (log: eval/.../linear_readout/perturbed):
// one row per evaluation, classifier seed, perturbation and level.
std::size_t write_perturbed_readout(NwbWriter& nwb, hid_t file, hid_t module,
                                    const std::vector<std::pair<std::string, double>>& evaluations) {
    Column trained{"trained_epochs", "epochs of training before this evaluation", {}, true};
    Column seed{"seed", "seed of the linear classifier", {}, true};
    Column perturbation{"perturbation", "noise (Gaussian pixel noise), blur (Gaussian blur) or shift (translation)", {}, false, {}};
    Column level{"level", "noise: sigma in pixel intensity [0, 1]; blur: sigma in pixels; shift: pixels", {}, false};
    Column accuracy{"accuracy", "test accuracy of the linear readout on the perturbed test images, a fraction", {}, false};
    for (const auto& [group, epochs] : evaluations) {
        const std::string r = group + "/linear_readout";
        const auto seeds = read_doubles(file, r + "/seeds");
        for (const char* name : {"noise", "blur", "shift"}) {
            const auto levels = read_doubles(file, r + "/perturbed/" + name + "/levels");
            const auto values = read_doubles(file, r + "/perturbed/" + name + "/accuracy");  // (seed, level)
            if (levels.empty() || values.size() != seeds.size() * levels.size()) continue;
            for (std::size_t i = 0; i < seeds.size(); ++i)
                for (std::size_t j = 0; j < levels.size(); ++j) {
                    trained.values.push_back(epochs);
                    seed.values.push_back(seeds[i]);
                    perturbation.texts.push_back(name);
                    level.values.push_back(levels[j]);
                    accuracy.values.push_back(values[i * levels.size() + j]);
                }
        }
    }
    if (trained.values.empty()) return 0;
    write_table(nwb, module, "perturbed_readout",
                "linear readout of the latents of perturbed test images (log: eval/.../linear_readout/perturbed), one "
                "row per evaluation, classifier seed, perturbation and level (docs/evaluations.md)",
                {trained, seed, perturbation, level, accuracy});
    return 1;
}

// The k-nearest-neighbour readout (log: eval/.../knn_readout): one row per evaluation and k.
std::size_t write_knn_readout(NwbWriter& nwb, hid_t file, hid_t module,
                              const std::vector<std::pair<std::string, double>>& evaluations) {
    Column trained{"trained_epochs", "epochs of training before this evaluation", {}, true};
    Column k{"k", "neighbours that vote", {}, true};
    Column accuracy{"accuracy", "test accuracy of the k-nearest-neighbour readout, a fraction", {}, false};
    for (const auto& [group, epochs] : evaluations) {
        const auto ks = read_doubles(file, group + "/knn_readout/k");
        const auto values = read_doubles(file, group + "/knn_readout/accuracy");
        for (std::size_t i = 0; i < ks.size() && i < values.size(); ++i) {
            trained.values.push_back(epochs);
            k.values.push_back(ks[i]);
            accuracy.values.push_back(values[i]);
        }
    }
    if (trained.values.empty()) return 0;
    write_table(nwb, module, "knn_readout",
                "k-nearest-neighbour readout of the latents (log: eval/.../knn_readout), one row per evaluation and k "
                "(docs/evaluations.md)",
                {trained, k, accuracy});
    return 1;
}

// A table of one evaluation part's number attributes (log: eval/.../<part>), one row per
// evaluation that has the part, one column per attribute some row has.
std::size_t write_attribute_table(NwbWriter& nwb, hid_t file, hid_t module,
                                  const std::vector<std::pair<std::string, double>>& evaluations,
                                  const std::string& part, const std::string& prefix,
                                  const std::vector<const char*>& names, const std::string& description) {
    std::vector<Column> columns{{"trained_epochs", "epochs of training before this evaluation", {}, true}};
    for (const char* name : names)
        columns.push_back({name, prefix + name + " (log: eval/.../" + part + ")", {}, false});
    for (const auto& [group, epochs] : evaluations) {
        const std::string g = group + "/" + part;
        if (H5Lexists(file, g.c_str(), H5P_DEFAULT) <= 0) continue;
        columns[0].values.push_back(epochs);
        for (std::size_t k = 1; k < columns.size(); ++k)
            columns[k].values.push_back(read_number_attribute(file, g, columns[k].name.c_str()));
    }
    if (columns[0].values.empty()) return 0;
    std::vector<Column> present{columns[0]};
    for (std::size_t k = 1; k < columns.size(); ++k)
        if (std::any_of(columns[k].values.begin(), columns[k].values.end(), [](double v) { return !std::isnan(v); }))
            present.push_back(columns[k]);
    write_table(nwb, module, part, description, present);
    return 1;
}

std::size_t write_evaluations(NwbWriter& nwb, hid_t file) {
    const auto evaluations = evaluation_groups(file);
    if (evaluations.empty()) return 0;
    Hdf5Handle module =
        processing_module(nwb, "evaluation",
                          "evaluations of the encoder during and after training (somnus eval section): linear readout "
                          "accuracy by classifier seed and occlusion level, latent geometry");
    std::size_t tables = 0;
    Column trained{"trained_epochs", "epochs of training before this evaluation", {}, true};
    Column seed{"seed", "seed of the linear classifier", {}, true};
    Column occlusion{"occlusion", "fraction of each test image occluded (0 = clean images)", {}, false};
    Column accuracy{"accuracy", "test accuracy of the linear readout, a fraction", {}, false};
    for (const auto& [group, epochs] : evaluations) {
        const std::string r = group + "/linear_readout";
        const auto seeds = read_doubles(file, r + "/seeds");
        // The classifier each seed reports: its best validation epoch's when trained to convergence.
        auto clean = read_doubles(file, r + "/validated_accuracy");
        if (clean.empty()) clean = read_doubles(file, r + "/last_epoch_accuracy");
        const auto levels = read_doubles(file, r + "/occlusion_levels");
        const auto occluded = read_doubles(file, r + "/occluded_accuracy");
        for (std::size_t i = 0; i < seeds.size() && i < clean.size(); ++i) {
            auto row = [&](double level, double value) {
                trained.values.push_back(epochs);
                seed.values.push_back(seeds[i]);
                occlusion.values.push_back(level);
                accuracy.values.push_back(value);
            };
            row(0.0, clean[i]);
            for (std::size_t j = 0; j < levels.size() && (i + 1) * levels.size() <= occluded.size(); ++j)
                row(levels[j], occluded[i * levels.size() + j]);
        }
    }
    if (!trained.values.empty()) {
        write_table(nwb, module, "linear_readout",
                    "linear readout of the latents (log: eval/.../linear_readout), one row per evaluation, classifier "
                    "seed and occlusion level",
                    {trained, seed, occlusion, accuracy});
        ++tables;
    }
    tables += write_perturbed_readout(nwb, file, module, evaluations) + write_knn_readout(nwb, file, module, evaluations);
    tables += write_attribute_table(
        nwb, file, module, evaluations, "latent_geometry", "latent geometry: ",
        {"intra_inter_ratio", "clean_occluded_ratio", "intra_class_distance", "inter_class_distance",
         "clean_occluded_distance"},
        "distances between latents of test images, one row per evaluation (docs/log-format.md)");
    tables += write_attribute_table(
        nwb, file, module, evaluations, "generated_images", "generated images: ",
        {"reconstruction_error", "reconstruction_class_kept", "classifier_accuracy", "fid_reconstructions",
         "fid_samples", "fid_floor"},
        "reconstructions and samples from the prior judged by a fixed image classifier, one row per evaluation "
        "(docs/evaluations.md)");
    return tables + write_retention(nwb, file, module);
}

// The probe images and, per state, module and layer, the activity on them: a table
// with one row per sample (its step, epoch, iteration, time and the activity array).
std::size_t write_activity(NwbWriter& nwb, hid_t file) {
    const auto states = group_children(file, "/activity");
    if (states.empty()) return 0;
    Hdf5Handle module =
        processing_module(nwb, "activity",
                          "activity of the cortical areas on fixed probe images (the first test images), sampled after "
                          "brain states' steps (somnus log /probe and /activity)");
    std::size_t tables = 0;
    const auto image_dims = dataset_shape(file, "/probe/images");
    if (!image_dims.empty()) {
        Column index{"test_index", "index of the probe image in the test set", read_doubles(file, "/probe/indices"),
                     true};
        Column label{"label", "class label of the probe image", read_doubles(file, "/probe/labels"), true};
        Column image{"image",
                     "the probe image, normalised as the network sees it (C, H, W)",
                     read_doubles(file, "/probe/images"),
                     false,
                     {},
                     image_dims};
        write_table(nwb, module, "probe_images", "the probe images, in the order of every activity array's image axis",
                    {index, label, image});
        ++tables;
    }
    for (const auto& state : states)
        for (const auto& area : group_children(file, "/activity/" + state)) {
            const std::string group = "/activity/" + state + "/" + area;
            if (dataset_shape(file, group).size() == 1) continue;  // step, epoch, iteration
            for (const auto& layer : group_children(file, group)) {
                const std::string path = group + "/" + layer;
                const auto steps = read_doubles(file, "/activity/" + state + "/step");
                Column step{"step", "run step of the sample (-1: before training)", steps, true};
                Column epoch{"epoch", "epoch of the sample (-1: before training)",
                             read_doubles(file, "/activity/" + state + "/epoch"), true};
                Column iteration{"iteration", "mini-batch within the epoch (-1: before training)",
                                 read_doubles(file, "/activity/" + state + "/iteration"), true};
                Column time{"time", "seconds since the run started (the end of the step)",
                            times_of_steps(file, state, steps), false};
                Column activity{"activity",
                                dataset_attribute(file, path, "description") + " [" +
                                    dataset_attribute(file, path, "unit") + "]; per probe image " +
                                    flattened(dataset_shape(file, path), 2),
                                read_doubles(file, path),
                                false,
                                {},
                                rows_by(dataset_shape(file, path), 2)};
                write_table(nwb, module, "activity_" + state + "_" + area + "_" + layer,
                            "activity of " + area + " " + layer + " on the probe images after " + state +
                                " steps (log: " + path + "); one row per sample",
                            {step, epoch, iteration, time, activity});
                ++tables;
            }
        }
    return tables;
}

// Each state's samples of its own mini-batch (Wake input and reconstruction, NREM dreams
// plain and occluded, REM dreams, the discriminator's outputs): a table per state with
// one row per sample (its step, epoch, iteration, time and the images).
std::size_t write_dreams(NwbWriter& nwb, hid_t file) {
    std::size_t written = 0;
    Hdf5Handle module;
    for (const auto& state : group_children(file, "/dreams")) {
        const std::string base = "/dreams/" + state;
        const auto steps = read_doubles(file, base + "/step");
        std::vector<Column> columns{
            {"step", "run step of the sample", steps, true},
            {"epoch", "epoch of the sample", read_doubles(file, base + "/epoch"), true},
            {"iteration", "mini-batch within the epoch", read_doubles(file, base + "/iteration"), true},
            {"time", "seconds since the run started (the end of the step)", times_of_steps(file, state, steps), false}};
        for (const auto& name : group_children(file, base)) {
            const std::string path = base + "/" + name;
            const auto dims = dataset_shape(file, path);  // (samples, images, ...)
            if (dims.size() < 2) continue;                // step, epoch, iteration
            columns.push_back({name,
                               dataset_attribute(file, path, "description") + " [" +
                                   dataset_attribute(file, path, "unit") + "]; per image " + flattened(dims, 2),
                               read_doubles(file, path),
                               false,
                               {},
                               rows_by(dims, 2)});
        }
        if (columns.size() == 4 || steps.empty()) continue;
        if (!module.valid()) {
            module =
                processing_module(nwb, "dreams",
                                  "samples of each brain state's own mini-batch (somnus log /dreams): Wake input and "
                                  "reconstruction, NREM dreams (plain and occluded), REM dreams, the discriminator's "
                                  "outputs");
        }
        write_table(
            nwb, module, "dreams_" + state,
            "the first images of the " + state + " mini-batch at chosen steps (log: " + base + "); one row per sample",
            columns);
        ++written;
    }
    return written;
}

// The hippocampus' replay record: one row per step that replayed an episode.
std::size_t write_replay(NwbWriter& nwb, hid_t file, hid_t module) {
    Column state{"state", "brain state of the step", {}, false};
    std::vector<Column> columns{{"step", "run step", {}, true}, {"time", "seconds since the run started", {}, false}};
    const char* const fields[] = {"replayed_episode",  "replayed_age",      "partner_episode", "partner_age",
                                  "replayed_memories", "replayed_salience", "episodes_stored", "occupancy"};
    for (const char* f : fields)
        columns.push_back({f, std::string("hippocampus: ") + f + " (log: /states/S/hippocampus/" + f + ")", {}, false});
    for (const auto& s : group_children(file, "/states")) {
        const std::string base = "/states/" + s;
        const auto episode = read_doubles(file, base + "/hippocampus/replayed_episode");
        const auto steps = read_doubles(file, base + "/step");
        const auto times = read_doubles(file, base + "/time");
        std::vector<std::vector<double>> values;
        for (const char* f : fields) values.push_back(read_doubles(file, base + "/hippocampus/" + f));
        for (std::size_t i = 0; i < episode.size() && i < steps.size() && i < times.size(); ++i) {
            if (!(episode[i] >= 0)) continue;  // no replay in this step
            state.texts.push_back(s);
            columns[0].values.push_back(steps[i]);
            columns[1].values.push_back(times[i]);
            for (std::size_t k = 0; k < values.size(); ++k)
                columns[k + 2].values.push_back(i < values[k].size() ? values[k][i] : std::nan(""));
        }
    }
    if (state.texts.empty()) return 0;
    columns.insert(columns.begin(), state);
    write_table(nwb, module, "hippocampus_replay",
                "the hippocampus' replay record: one row per step that replayed a stored episode (its age in epochs, "
                "the episode mixed in and its age; -1 = none)",
                columns);
    return 1;
}

}  // namespace

NwbExport export_nwb(const std::string& log_path, const std::string& nwb_path, const NwbPeople& people) {
    const Hdf5Handle file = open_for_reading(log_path);
    const std::string spec_text = read_attribute(file, "spec");
    if (spec_text.empty()) throw InputError(log_path + ": not a somnus run log (no \"spec\" attribute)");
    const Json spec = Json::parse(spec_text, nullptr, false);
    const std::string experiment = read_attribute(file, "experiment");
    const std::string seed = read_attribute(file, "seed");
    std::string started = read_attribute(file, "started");
    if (started.empty()) started = read_attribute(file, "created");

    PartialFile out(nwb_path);  // removed on any failure; a file already at nwb_path stays as it was
    NwbExport done;
    {
        NwbWriter nwb(out.path().string(), nwb_path);
        const hid_t root = nwb.root();
        nwb.typed(root, "core", "NWBFile");
        nwb.text_attribute(root, "nwb_version", kNwbVersion);
        nwb.texts(root, "file_create_date", {utc_now_iso8601()});
        nwb.text(root, "identifier", uuid4());
        const std::string description =
            spec.is_object() && spec.contains("description") && spec["description"].is_string()
                ? spec["description"].get<std::string>()
                : "somnus run of the experiment " + experiment;
        nwb.text(root, "session_description", "somnus simulation: " + experiment + ", seed " + seed);
        nwb.text(root, "session_start_time", started);
        nwb.text(root, "timestamps_reference_time", started);
        for (const char* g :
             {"acquisition", "analysis", "processing", "stimulus", "stimulus/presentation", "stimulus/templates"})
            nwb.group(root, g);

        Hdf5Handle general = nwb.group(root, "general");
        nwb.text(general, "experiment_description", description);
        nwb.text(general, "notes", spec_text);
        nwb.text(general, "session_id", experiment + "-seed" + seed);
        nwb.text(general, "data_collection",
                 "simulated by somnus: status " + read_attribute(file, "status") + ", " +
                     read_attribute(file, "epochs_finished") + " of " + read_attribute(file, "epochs_planned") +
                     " epochs, " + read_attribute(file, "train_images") + " training images, device " +
                     read_attribute(file, "device") + "; general/notes holds the resolved spec (JSON)");
        Hdf5Handle script =
            nwb.text(general, "source_script",
                     "somnus " + read_attribute(file, "somnus_version") + " (LibTorch " +
                         read_attribute(file, "torch_version") + ", HDF5 " + read_attribute(file, "hdf5_version") +
                         "), command: somnus " + read_attribute(file, "command") + ", log: " + log_path);
        nwb.text_attribute(script, "file_name", "somnus");
        nwb.texts(general, "keywords", {"sleep", "dreaming", "computational model", "somnus"});
        if (!people.experimenters.empty()) nwb.texts(general, "experimenter", people.experimenters);
        if (!people.institution.empty()) nwb.text(general, "institution", people.institution);
        if (!people.lab.empty()) nwb.text(general, "lab", people.lab);
        Hdf5Handle subject = nwb.group(general, "subject");
        nwb.typed(subject, "core", "Subject");
        nwb.text(subject, "subject_id", experiment + "-seed" + seed);
        nwb.text(subject, "description",
                 "a cortical model (encoder, generator, hippocampus, neuromodulators) simulated by somnus; no animal");
        nwb.text(subject, "species", kSyntheticConstruct);
        nwb.text(subject, "sex", "U");
        Hdf5Handle age = nwb.text(subject, "age", "P0D");  // a model has no age
        nwb.text_attribute(age, "reference", "birth");

        Hdf5Handle training =
            processing_module(nwb, "training",
                              "per-step series of each brain state (somnus log /states): losses, observables, "
                              "neuromodulator levels, the conductor's outputs, plasticity norms, hippocampus");
        for (const auto& state : group_children(file, "/states")) {
            const std::string base = "/states/" + state;
            const auto seconds = read_doubles(file, base + "/time");
            for (const char* group : kStepGroups)
                for (const auto& name : group_children(file, base + "/" + group)) {
                    const std::string path = base + "/" + group + "/" + name;
                    const auto values = read_doubles(file, path);
                    if (values.size() != seconds.size()) continue;  // not a per-step series
                    write_time_series(nwb, training, state + "_" + group + "_" + name, values, seconds,
                                      dataset_attribute(file, path, "description") + " (" + state + ")",
                                      dataset_attribute(file, path, "unit"), path);
                    ++done.time_series;
                }
        }
        done.tables = write_replay(nwb, file, training) + write_evaluations(nwb, file) + write_activity(nwb, file) +
                      write_dreams(nwb, file);
        nwb.close();
    }
    out.commit();
    return done;
}

}  // namespace somnus
