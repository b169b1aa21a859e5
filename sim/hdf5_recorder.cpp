#include "sim/hdf5_recorder.hpp"

#include <H5Cpp.h>
#include <torch/version.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <stdexcept>

namespace somnus {

namespace {

std::string now_iso8601() {
    std::time_t t = std::time(nullptr);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buffer;
}

H5::StrType utf8_string() {
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    return type;
}

template <class Location>
void set_attribute(Location& where, const std::string& name, const std::string& value) {
    if (where.attrExists(name)) where.removeAttr(name);
    auto type = utf8_string();
    where.createAttribute(name, type, H5::DataSpace(H5S_SCALAR)).write(type, value);
}

template <class Location>
void set_attribute(Location& where, const std::string& name, double value) {
    if (where.attrExists(name)) where.removeAttr(name);
    where.createAttribute(name, H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR))
        .write(H5::PredType::NATIVE_DOUBLE, &value);
}

// Human-readable meaning and unit of a dataset, from its name.
std::pair<std::string, std::string> describe(const std::string& path) {
    auto leaf = path.substr(path.rfind('/') + 1);
    if (leaf == "step") return {"mini-batch index since the start of the run", "iteration"};
    if (leaf == "epoch") return {"training epoch, 0-based", "epoch"};
    if (leaf == "iteration") return {"mini-batch index within the epoch, 0-based", "iteration"};
    if (leaf == "ach") return {"acetylcholine level set by the conductor", "fraction of maximum"};
    if (leaf == "na") return {"noradrenaline level set by the conductor", "fraction of maximum"};
    if (leaf == "discriminator_gate") return {"weight of the discriminator teaching signal (0 = gated off)", "1"};
    if (leaf == "discriminator_target") return {"discriminator target: 1 = real/external, 0 = fake/internal", "1"};
    if (leaf == "feedforward_sign") return {"plasticity sign of the feedforward pathway (encoder)", "1"};
    if (leaf == "feedback_sign") return {"plasticity sign of the feedback pathway (generator)", "1"};
    if (path.find("/losses/") != std::string::npos) return {"loss term " + leaf + " of this state's step", "1"};
    if (leaf == "occlusion_drop_rate") return {"probability that an occlusion square is dropped", "1"};
    if (leaf == "occlusion_tile") return {"side of the occlusion squares", "px"};
    if (leaf == "discriminator_output") return {"mean discriminator output d over the mini-batch (1 = judged real)", "1"};
    if (leaf == "wall_seconds") return {"wall-clock duration", "s"};
    if (leaf == "images_per_second") return {"training throughput", "images/s"};
    return {leaf, "1"};
}

}  // namespace

struct Hdf5Recorder::File {
    H5::H5File h5;
    std::map<std::string, H5::DataSet> series;

    template <class T>
    void append(const std::string& path, const std::vector<T>& values, const H5::PredType& type) {
        auto it = series.find(path);
        if (it == series.end()) {
            H5::LinkCreatPropList links;
            links.setCreateIntermediateGroup(true);
            H5::DSetCreatPropList props;
            hsize_t chunk = 4096;
            props.setChunk(1, &chunk);
            props.setDeflate(4);
            hsize_t zero = 0, unlimited = H5S_UNLIMITED;
            H5::DataSpace space(1, &zero, &unlimited);
            auto ds = h5.createDataSet(path, type, space, props, H5::DSetAccPropList::DEFAULT, links);
            auto [description, unit] = describe(path);
            set_attribute(ds, "description", description);
            set_attribute(ds, "unit", unit);
            it = series.emplace(path, ds).first;
        }
        H5::DataSet& ds = it->second;
        hsize_t old_size = 0;
        ds.getSpace().getSimpleExtentDims(&old_size);
        hsize_t add = values.size(), new_size = old_size + add;
        ds.extend(&new_size);
        H5::DataSpace file_space = ds.getSpace();
        file_space.selectHyperslab(H5S_SELECT_SET, &add, &old_size);
        H5::DataSpace memory(1, &add);
        ds.write(values.data(), type, memory, file_space);
    }

    void write_array(const std::string& path, const std::vector<double>& values, std::vector<hsize_t> dims,
                     const std::string& description, const std::string& unit) {
        H5::LinkCreatPropList links;
        links.setCreateIntermediateGroup(true);
        if (H5Lexists(h5.getId(), path.c_str(), H5P_DEFAULT) > 0) h5.unlink(path);
        H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
        auto ds = h5.createDataSet(path, H5::PredType::NATIVE_DOUBLE, space, H5::DSetCreatPropList::DEFAULT,
                                   H5::DSetAccPropList::DEFAULT, links);
        ds.write(values.data(), H5::PredType::NATIVE_DOUBLE);
        set_attribute(ds, "description", description);
        set_attribute(ds, "unit", unit);
    }
};

Hdf5Recorder::Hdf5Recorder(const std::string& path) : path_(path) {
    H5::Exception::dontPrint();
    auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    try {
        file_ = std::make_unique<File>(File{H5::H5File(path, H5F_ACC_TRUNC), {}});
        set_attribute(file_->h5, "status", "starting");
        set_attribute(file_->h5, "created", now_iso8601());
        file_->h5.flush(H5F_SCOPE_GLOBAL);
    } catch (const H5::Exception& e) {
        throw std::runtime_error(path + ": cannot create the HDF5 log (" +
                                 (ec ? ec.message() : std::string("check that the folder exists and is writable")) + ")");
    }
}

Hdf5Recorder::~Hdf5Recorder() {
    try {
        flush();
    } catch (...) {
    }
}

void Hdf5Recorder::run_started(const RunInfo& info) {
    auto& h5 = file_->h5;
    set_attribute(h5, "somnus_version", SOMNUS_VERSION);
    set_attribute(h5, "torch_version", TORCH_VERSION);
    unsigned major, minor, release;
    H5::H5Library::getLibVersion(major, minor, release);
    set_attribute(h5, "hdf5_version", std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release));
    set_attribute(h5, "command", info.command);
    set_attribute(h5, "experiment", info.spec->name);
    set_attribute(h5, "spec", info.spec->source.dump(2));
    set_attribute(h5, "seed", double(info.spec->seed));
    set_attribute(h5, "device", info.device);
    set_attribute(h5, "threads", double(info.threads));
    set_attribute(h5, "train_images", double(info.train_images));
    set_attribute(h5, "iterations_per_epoch", double(info.iterations_per_epoch));
    set_attribute(h5, "status", "running");
    flush();
}

void Hdf5Recorder::step_done(const StepEvent& e) {
    const std::string base = "/states/" + *e.state + "/";
    pending_int_[base + "step"].push_back(e.clock.step);
    pending_int_[base + "epoch"].push_back(e.clock.epoch);
    for (const auto& [term, value] : e.report->losses) pending_[base + "losses/" + term].push_back(value);
    for (const auto& [name, value] : e.report->observables) pending_[base + "observables/" + name].push_back(value);
    const Modulation& m = e.modulation;
    pending_[base + "neuromodulators/ach"].push_back(m.levels.ach);
    pending_[base + "neuromodulators/na"].push_back(m.levels.na);
    pending_[base + "conductor/discriminator_gate"].push_back(m.discriminator_gate);
    pending_[base + "conductor/discriminator_target"].push_back(m.discriminator_target);
    pending_[base + "conductor/feedforward_sign"].push_back(m.feedforward_sign);
    pending_[base + "conductor/feedback_sign"].push_back(m.feedback_sign);
}

void Hdf5Recorder::epoch_done(const EpochEvent& e) {
    pending_int_["/epochs/epoch"].push_back(e.epoch);
    pending_["/epochs/wall_seconds"].push_back(e.wall_seconds);
    pending_["/epochs/images_per_second"].push_back(e.images_per_second);
    set_attribute(file_->h5, "epochs_finished", double(e.epoch + 1));
    flush();
}

void Hdf5Recorder::readout_done(const ReadoutReport& r) {
    const std::string base = "/eval/linear_readout/";
    std::vector<double> seeds, curves, last, last5, best;
    for (const auto& s : r.seeds) {
        seeds.push_back(double(s.seed));
        curves.insert(curves.end(), s.test_accuracy.begin(), s.test_accuracy.end());
        last.push_back(s.last());
        last5.push_back(s.mean_of_last(5));
        best.push_back(s.best());
    }
    hsize_t k = r.seeds.size(), epochs = r.seeds.empty() ? 0 : r.seeds[0].test_accuracy.size();
    file_->write_array(base + "seeds", seeds, {k}, "classifier seed", "1");
    file_->write_array(base + "test_accuracy", curves, {k, epochs}, "test accuracy after each readout epoch (seed, epoch)", "fraction");
    file_->write_array(base + "last_epoch_accuracy", last, {k}, "test accuracy after the last readout epoch (the paper's number)", "fraction");
    file_->write_array(base + "last5_mean_accuracy", last5, {k}, "mean test accuracy over the last 5 readout epochs", "fraction");
    file_->write_array(base + "best_accuracy", best, {k}, "best test accuracy over readout epochs", "fraction");
    H5::Group group = file_->h5.openGroup(base);
    set_attribute(group, "encoder", r.encoder);
    set_attribute(group, "features", r.features);
    set_attribute(group, "train_images", double(r.train_images));
    set_attribute(group, "test_images", double(r.test_images));
    set_attribute(group, "wall_seconds", r.seconds);
    flush();
}

void Hdf5Recorder::run_ended(const std::string& status, double wall_seconds) {
    set_attribute(file_->h5, "status", status);
    set_attribute(file_->h5, "wall_seconds", wall_seconds);
    set_attribute(file_->h5, "finished", now_iso8601());
    flush();
}

void Hdf5Recorder::flush() {
    if (!file_) return;
    for (auto& [path, values] : pending_)
        if (!values.empty()) file_->append(path, values, H5::PredType::NATIVE_DOUBLE);
    for (auto& [path, values] : pending_int_)
        if (!values.empty()) file_->append(path, values, H5::PredType::NATIVE_LLONG);
    pending_.clear();
    pending_int_.clear();
    file_->h5.flush(H5F_SCOPE_GLOBAL);
}

}  // namespace somnus
