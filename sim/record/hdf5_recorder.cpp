#include "sim/record/hdf5_recorder.hpp"

#include <H5Cpp.h>

#include <ctime>
#include <limits>

#include <torch/serialize.h>
#include <torch/version.h>

#include "sim/base/build_info.hpp"
#include "sim/base/utc_time.hpp"
#include "sim/record/probes.hpp"
#include "sim/run/runtime.hpp"
#include "sim/run/schedule.hpp"

namespace somnus {

namespace {

// Meaning and unit of a per-step dataset of /states/<state>/, from its name.
std::pair<std::string, std::string> describe_state_series(const std::string& path) {
    auto leaf = path.substr(path.rfind('/') + 1);
    if (leaf == "step") return {"run step: mini-batch index since the start of the run", "iteration"};
    if (leaf == "epoch") return {"training epoch, 0-based", "epoch"};
    if (leaf == "iteration") return {"mini-batch index within the epoch, 0-based", "iteration"};
    if (leaf == "time") return {"wall-clock time at the end of the step, since the run started", "s"};
    if (leaf == "ach") return {"acetylcholine level set by the conductor", "fraction of maximum"};
    if (leaf == "na") return {"noradrenaline level set by the conductor", "fraction of maximum"};
    if (leaf == "discriminator_gate") return {"weight of the discriminator teaching signal (0 = gated off)", "1"};
    if (leaf == "discriminator_target") return {"discriminator target: 1 = real/external, 0 = fake/internal", "1"};
    if (leaf == "feedforward_sign") return {"plasticity sign of the feedforward pathway (encoder, discriminator)", "1"};
    if (leaf == "feedback_sign") return {"plasticity sign of the feedback pathway (generator)", "1"};
    if (path.find("/losses/") != std::string::npos) return {"loss term " + leaf + " of this state's step", "1"};
    if (leaf == "occlusion_drop_rate") return {"probability that an occlusion square is dropped", "1"};
    if (leaf == "occlusion_tile") return {"side of the occlusion squares", "px"};
    if (leaf == "discriminator_output")
        return {"mean discriminator output over the mini-batch (1 = judged real)", "probability"};
    return {leaf, "1"};
}

}  // namespace

Hdf5Recorder::Hdf5Recorder(const std::string& path, bool resume)
    : log_(std::make_unique<LogFile>(path, resume ? LogFile::Open::append : LogFile::Open::create)) {
    if (resume) return;
    log_->attribute("/", "status", RunStatus{RunStatus::starting}.text());
    log_->attribute("/", "created", utc_now_iso8601());
    log_->attribute("/", "layout", "somnus-log 1 (docs/log-format.md)");
}

void Hdf5Recorder::save_state(torch::serialize::OutputArchive& archive) {
    Json lengths = log_->series_lengths();  // flushes first
    archive.write("log_series_lengths", c10::IValue(lengths.dump()));
    for (std::size_t i = 0; i < probes_.size(); ++i) {
        torch::serialize::OutputArchive probe;
        probes_[i]->save_state(probe);
        archive.write("probe." + std::to_string(i), probe);
    }
}

void Hdf5Recorder::restore_state(torch::serialize::InputArchive& archive) {
    c10::IValue lengths;
    archive.read("log_series_lengths", lengths);
    log_->truncate_series(Json::parse(lengths.toStringRef()).get<std::map<std::string, std::int64_t>>());
    for (std::size_t i = 0; i < probes_.size(); ++i) {
        torch::serialize::InputArchive probe;
        if (archive.try_read("probe." + std::to_string(i), probe)) probes_[i]->restore_state(probe);
    }
}

Hdf5Recorder::~Hdf5Recorder() {
    if (!started_) return;  // the run failed before it started: no file
    try {
        log_->flush(true);
    } catch (...) {}
}

namespace {
// A list of class lists as a (lists, widest) array padded with -1.
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> padded(const std::vector<std::vector<std::int64_t>>& lists) {
    std::size_t widest = 1;
    for (const auto& l : lists) widest = std::max(widest, l.size());
    std::vector<std::int64_t> out;
    for (const auto& l : lists)
        for (std::size_t k = 0; k < widest; ++k) out.push_back(k < l.size() ? l[k] : -1);
    return {out, {std::int64_t(lists.size()), std::int64_t(widest)}};
}

// The expanded schedule: one row per block of each epoch (day, night, arousal, kept awake).
void write_timeline(LogFile& log, const Timeline& timeline) {
    std::vector<std::int64_t> epoch, start, iterations;
    std::vector<std::string> part, states, protocols;
    for (std::size_t e = 0; e < timeline.epochs.size(); ++e) {
        std::int64_t at = 0;
        for (const auto& b : timeline.epochs[e].blocks) {
            epoch.push_back(std::int64_t(e));
            start.push_back(at);
            iterations.push_back(b.iterations);
            part.push_back(b.part);
            states.push_back(join(b.states));
            at += b.iterations;
        }
        protocols.push_back(join(timeline.epochs[e].protocols));
    }
    const auto n = static_cast<std::int64_t>(epoch.size());
    log.describe("/schedule/epoch", "epoch of each block of the timeline", "epoch");
    log.describe("/schedule/start",
                 "first iteration of the block within its epoch (the /states/<s>/iteration of its first step)",
                 "iteration");
    log.describe("/schedule/iterations", "mini-batches in the block", "iterations");
    log.write("/schedule/epoch", epoch, {n});
    log.write("/schedule/start", start, {n});
    log.write("/schedule/iterations", iterations, {n});
    log.attribute("/schedule", "part", part);
    log.attribute("/schedule", "states", states);
    log.attribute("/schedule", "protocols", protocols);
    log.attribute("/schedule", "timeline", timeline.describe());
    // What each day showed: its classes (padded with -1; every class: -1 throughout) and images.
    std::vector<std::vector<std::int64_t>> day_classes;
    std::vector<std::int64_t> images;
    for (const auto& e : timeline.epochs) {
        day_classes.push_back(e.classes);
        images.push_back(e.images);
    }
    const auto [classes, shape] = padded(day_classes);
    log.describe("/schedule/day_classes",
                 "the classes each day (epoch) shows, padded with -1; a row of -1 only: every class", "class");
    log.describe("/schedule/day_images", "training images each day shows (-1: the whole training subset)", "images");
    log.write("/schedule/day_classes", classes, shape);
    log.write("/schedule/day_images", images, {static_cast<std::int64_t>(timeline.epochs.size())});
}
}  // namespace

void Hdf5Recorder::run_started(const RunInfo& info) {
    started_ = true;
    LogFile& log = *log_;
    log.attribute("/", "somnus_version", SOMNUS_VERSION);
    log.attribute("/", "git_commit", git_commit());
    log.attribute("/", "cuda", cuda_text());
    log.attribute("/", "torch_version", TORCH_VERSION);
    unsigned major, minor, release;
    H5::H5Library::getLibVersion(major, minor, release);
    log.attribute("/", "hdf5_version",
                  std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release));
    log.attribute("/", "command", info.command);
    log.attribute("/", "experiment", info.spec->name);
    log.attribute("/", "spec", info.spec->source.dump(2));
    log.attribute("/", "spec_as_written", info.spec->as_written.dump(2));
    log.attribute("/", "seed", double(info.spec->seed));
    log.attribute("/", "device", info.device);
    log.attribute("/", "threads", double(info.threads));
    log.attribute("/", "train_images", double(info.train_images));
    log.attribute("/", "iterations_per_epoch", double(info.iterations_per_epoch));
    log.attribute("/", "epochs_planned", double(info.epochs));
    log.attribute("/", info.resumed ? "resumed" : "started", utc_now_iso8601());
    log.attribute("/", "status", RunStatus{RunStatus::running}.text());
    if (info.model) {
        log.attribute("/states", "cycle", info.spec->schedule.cycle);
        flush_every_ = info.spec->record.flush_every;
        probes_ = make_probes(*info.spec, log);
    }
    if (info.timeline) write_timeline(log, *info.timeline);
    for (auto& p : probes_) p->run_started(info);
    flush(true);
}

void Hdf5Recorder::iteration_done(const StepClock& clock) {
    for (auto& p : probes_) p->iteration_done(clock);
    if (flush_every_ > 0 && (clock.step + 1) % flush_every_ == 0) flush();
}

void Hdf5Recorder::state_starting(const StepEvent& e) {
    for (auto& p : probes_) p->state_starting(e);
}

void Hdf5Recorder::step_done(const StepEvent& e) {
    for (auto& p : probes_) p->step_done(e);
}

void Hdf5Recorder::step_read(const StepEvent& e) {
    for (auto& p : probes_) p->step_read(e);
    LogFile& log = *log_;
    const std::string base = "/states/" + *e.state + "/";
    auto value = [&](const std::string& path, auto v) {
        if (described_.insert(path).second) {
            auto [description, unit] = describe_state_series(path);
            log.describe(path, description, unit);
        }
        log.append(path, v);
    };
    value(base + "step", e.clock.step);
    value(base + "epoch", e.clock.epoch);
    value(base + "iteration", e.clock.iteration);
    value(base + "time", e.seconds);
    for (const auto& [term, v] : e.values->losses) value(base + "losses/" + term, v);
    for (const auto& [name, v] : e.values->observables) value(base + "observables/" + name, v);
    const Modulation& m = e.modulation;
    value(base + "neuromodulators/ach", m.levels.ach);
    value(base + "neuromodulators/na", m.levels.na);
    value(base + "conductor/discriminator_gate", m.discriminator_gate);
    value(base + "conductor/discriminator_target", m.discriminator_target);
    value(base + "conductor/feedforward_sign", m.feedforward_sign);
    value(base + "conductor/feedback_sign", m.feedback_sign);
    value(base + "conductor/phase", m.phase);
}

void Hdf5Recorder::epoch_done(const EpochEvent& e) {
    for (auto& p : probes_) p->epoch_done(e);
    LogFile& log = *log_;
    if (described_.insert("/epochs").second) {
        log.describe("/epochs/epoch", "training epoch, 0-based", "epoch");
        log.describe("/epochs/wall_seconds", "wall-clock duration of the epoch", "s");
        log.describe("/epochs/images_per_second", "training throughput", "images/s");
    }
    log.append("/epochs/epoch", e.epoch);
    log.append("/epochs/wall_seconds", e.wall_seconds);
    log.append("/epochs/images_per_second", e.images_per_second);
    log.attribute("/", "epochs_finished", double(e.epoch + 1));
    flush();
}

void Hdf5Recorder::evaluation_done(const EvaluationReport& e) {
    for (auto& p : probes_) p->evaluation_done(e);
    LogFile& log = *log_;
    char group[64];
    std::snprintf(group, sizeof group, "/eval/epoch_%03lld/", static_cast<long long>(e.trained_epochs));
    const std::string root = e.final ? "/eval/" : !e.label.empty() ? "/eval/" + e.label + "/" : group;
    log.attribute(root, "trained_epochs", double(e.trained_epochs));
    log.attribute(root, "encoder", e.encoder);
    log.attribute(root, "wall_seconds", e.seconds);
    for (const auto& [part, seconds] : e.part_seconds) {  // where the time went: <part>/seconds
        log.describe(root + part + "/seconds",
                     part == "encoding" ? "wall-clock time of encoding the training and test images, once for every part"
                                        : "wall-clock time of this part of the evaluation (its own encodings included)",
                     "s");
        log.write(root + part + "/seconds", std::vector<double>{seconds}, {1});
    }
    if (e.readout) write_readout(root + "linear_readout/", *e.readout);
    if (e.knn) {
        const KnnReport& r = *e.knn;
        const std::string base = root + "knn_readout/";
        const std::int64_t n = std::int64_t(r.k.size());
        log.describe(base + "k", "neighbours that vote, one test each", "1");
        log.describe(base + "accuracy", "test accuracy of the k-nearest-neighbour readout, per k", "fraction");
        log.write(base + "k", r.k, {n});
        log.write(base + "accuracy", r.accuracy, {n});
        log.attribute(base, "features", r.features);
        log.attribute(base, "train_images", double(r.train_images));
        log.attribute(base, "test_images", double(r.test_images));
    }
    if (e.generated_images) {
        const GeneratedImages& g = *e.generated_images;
        const std::string base = root + "generated_images/";
        log.describe(base + "sample_class_counts", "samples from the prior the image classifier gives each class",
                     "images");
        log.write(base + "sample_class_counts", g.sample_class_counts, {std::int64_t(g.sample_class_counts.size())});
        log.attribute(base, "classifier", g.classifier);
        log.attribute(base, "classifier_dataset", g.classifier_dataset);
        log.attribute(base, "classifier_test_accuracy", g.classifier_test_accuracy);
        log.attribute(base, "images", double(g.images));
        log.attribute(base, "samples", double(g.samples));
        log.attribute(base, "classifier_accuracy", g.classifier_accuracy);
        log.attribute(base, "reconstruction_error", g.reconstruction_error);
        log.attribute(base, "reconstruction_class_kept", g.reconstruction_class_kept);
        log.attribute(base, "fid_reconstructions", g.fid_reconstructions);
        log.attribute(base, "fid_samples", g.fid_samples);
        log.attribute(base, "fid_floor", g.fid_floor);
        for (const GeneratedImages::Dreams& d : g.dreams) {
            const std::string group = base + "dreams/" + d.state;
            log.describe(group + "/class_counts", "the " + d.state + " dreams the image classifier gives each class",
                         "images");
            log.write(group + "/class_counts", d.class_counts, {std::int64_t(d.class_counts.size())});
            log.attribute(group, "dreams", double(d.dreams));
            log.attribute(group, "fid", d.fid);
        }
    }
    if (e.geometry) {
        const LatentGeometry& g = *e.geometry;
        const std::string base = root + "latent_geometry/";
        log.describe(base + "intra_class_distance",
                     "mean latent distance of pairs of test images of one class, per class", "latent units");
        log.write(base + "intra_class_distance", g.intra_class, {std::int64_t(g.intra_class.size())});
        log.attribute(base, "intra_class_distance", g.intra);
        log.attribute(base, "inter_class_distance", g.inter);
        log.attribute(base, "clean_occluded_distance", g.clean_occluded);
        log.attribute(base, "intra_inter_ratio", g.intra_inter_ratio());
        log.attribute(base, "clean_occluded_ratio", g.clean_occluded_ratio());
        log.attribute(base, "occlusion_level", g.occlusion_level);
        log.attribute(base, "occlusion_tile", double(g.occlusion_tile));
        log.attribute(base, "images", double(g.images));
    }
    if (e.pca) {
        const LatentPca& p = *e.pca;
        const std::string base = root + "pca/";
        log.describe(base + "projection", "test latents on the first two principal components (image, component)",
                     "latent units");
        log.describe(base + "labels", "class of each projected test image", "class");
        log.describe(base + "explained_variance", "fraction of the latent variance along each principal component",
                     "fraction");
        log.write(base + "projection", p.projection, {p.images, 2});
        log.write(base + "labels", p.labels, {p.images});
        log.write(base + "explained_variance", p.explained_variance, {p.components});
    }
    if (e.overlap) {
        const WakeSleepOverlap& o = *e.overlap;
        const std::string base = root + "overlap/";
        std::vector<double> units, kl, floor, wake, sleep;
        for (const auto& t : o.tests) {
            units.push_back(double(t.units));
            kl.push_back(t.kl);
            floor.push_back(t.floor);
            wake.push_back(double(t.wake_patterns));
            sleep.push_back(double(t.sleep_patterns));
        }
        const std::int64_t k = std::int64_t(o.tests.size());
        log.describe(base + "units", "k of each test: k pixels and k latent units form a pattern", "1");
        log.describe(base + "kl", "KL(wake || sleep) between the rounded-pattern histograms (+0.5 smoothing)", "nats");
        log.describe(base + "floor", "KL(wake half A || wake half B): the finite-sample floor of the same estimate",
                     "nats");
        log.describe(base + "wake_patterns", "distinct wake patterns", "1");
        log.describe(base + "sleep_patterns", "distinct sleep patterns", "1");
        log.write(base + "units", units, {k});
        log.write(base + "kl", kl, {k});
        log.write(base + "floor", floor, {k});
        log.write(base + "wake_patterns", wake, {k});
        log.write(base + "sleep_patterns", sleep, {k});
        log.attribute(base, "samples", double(o.samples));
    }
    if (e.dream_content) write_dream_content(root + "dream_content/", *e.dream_content);
    if (e.retention) write_retention(root + "retention/", *e.retention);
    flush();
}

void Hdf5Recorder::write_retention(const std::string& base, const RetentionReport& r) {
    LogFile& log = *log_;
    const auto tasks = static_cast<std::int64_t>(r.tasks.size()), seeds = static_cast<std::int64_t>(r.accuracy.size());
    const auto [classes, shape] = padded(r.tasks);
    auto by_seed_and_task = [](const std::vector<std::vector<double>>& rows) {  // (seed, task), row-major
        std::vector<double> flat;
        for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
        return flat;
    };
    log.describe(base + "tasks", "the classes of each task, padded with -1 (task, class)", "class");
    log.describe(base + "accuracy", "test accuracy of each task's readout, trained on its classes alone (seed, task)",
                 "fraction");
    log.describe(base + "all_classes_accuracy", "test accuracy of the readout of every class (seed)", "fraction");
    log.describe(base + "reconstruction_error",
                 "mean squared error between each task's test images and their reconstruction G(E(x)) (task)",
                 "normalised intensity squared");
    log.write(base + "tasks", classes, shape);
    log.write(base + "accuracy", by_seed_and_task(r.accuracy), {seeds, tasks});
    log.write(base + "all_classes_accuracy", r.all_classes_accuracy, {seeds});
    log.describe(base + "class_incremental_accuracy",
                 "the every-class readout's accuracy on each task's test images (seed, task): class-incremental",
                 "fraction");
    log.write(base + "class_incremental_accuracy", by_seed_and_task(r.class_incremental_accuracy), {seeds, tasks});
    log.describe(base + "class_accuracy",
                 "the every-class readout's recall of each class, mean over seeds (class; NaN: no test image)", "fraction");
    log.write(base + "class_accuracy", r.class_accuracy, {std::int64_t(r.class_accuracy.size())});
    log.write(base + "reconstruction_error", r.reconstruction_error, {tasks});
    log.write(base + "train_images", r.train_images, {tasks});
    log.write(base + "test_images", r.test_images, {tasks});
    log.attribute(base, "days_trained", double(r.days_trained));
    log.attribute(base, "nights", double(r.nights));
    // The run's retention matrix, one row per test in the order they ran (the
    // continual-learning R[i][j]: Run.retention() in Python, somnus table).
    if (!retention_described_) {
        retention_described_ = true;
        log.describe("/retention/accuracy", "each task's readout accuracy, mean over seeds (test, task)", "fraction");
        log.describe("/retention/all_classes_accuracy", "the every-class readout's accuracy, mean over seeds (test)",
                     "fraction");
        log.describe("/retention/class_incremental_accuracy",
                     "the every-class readout's accuracy on each task's test images, mean over seeds (test, task)",
                     "fraction");
        log.describe("/retention/reconstruction_error", "each task's reconstruction error (test, task)",
                     "normalised intensity squared");
        log.describe("/retention/days_trained", "days of training behind each test", "days");
        log.describe("/retention/nights", "nights behind each test, slept or deprived (0: after day 1's Wake, before its night)", "nights");
        log.describe("/retention/tasks", "the classes of each task, padded with -1 (task, class)", "class");
        log.describe("/retention/class_accuracy", "the every-class readout's recall of each class (test, class)",
                     "fraction");
        log.write("/retention/tasks", classes, shape);
    }
    std::vector<float> mean, error;
    for (double a : r.mean_accuracy()) mean.push_back(float(a));
    for (double x : r.reconstruction_error) error.push_back(float(x));
    log.append_rows("/retention/accuracy", mean.data(), 1, {tasks});
    const auto incremental_mean = r.mean_class_incremental_accuracy();
    const std::vector<float> class_incremental(incremental_mean.begin(), incremental_mean.end());
    log.append_rows("/retention/class_incremental_accuracy", class_incremental.data(), 1, {tasks});
    std::vector<float> recall(r.class_accuracy.begin(), r.class_accuracy.end());
    log.append_rows("/retention/class_accuracy", recall.data(), 1, {std::int64_t(recall.size())});
    log.append_rows("/retention/reconstruction_error", error.data(), 1, {tasks});
    log.append("/retention/all_classes_accuracy", r.mean_all_classes_accuracy());
    log.append("/retention/days_trained", r.days_trained);
    log.append("/retention/nights", r.nights);
}

void Hdf5Recorder::write_dream_content(const std::string& base, const DreamContent& c) {
    LogFile& log = *log_;
    log.attribute(base, "classifier_seed", double(c.classifier_seed));
    log.attribute(base, "training_images", double(c.training_images));
    const auto n = [](const auto& v) { return std::vector<std::int64_t>{std::int64_t(v.size())}; };
    for (const auto& d : c.states) {
        const std::string s = base + d.state + "/";
        log.describe(s + "predicted_class",
                     "class the readout classifier gives each dream of the state's last mini-batch", "class");
        log.describe(s + "confidence", "softmax probability of the predicted class", "probability");
        log.describe(s + "nearest_training_distance",
                     "latent distance of each dream to the nearest of the readout's training images", "latent units");
        log.write(s + "predicted_class", d.predicted_class, n(d.predicted_class));
        log.write(s + "confidence", d.confidence, n(d.confidence));
        log.write(s + "nearest_training_distance", d.nearest_training, n(d.nearest_training));
        if (!d.nearest_memory.empty()) {
            log.describe(s + "nearest_memory_distance",
                         "latent distance of each dream to the nearest memory stored in the hippocampus",
                         "latent units");
            log.write(s + "nearest_memory_distance", d.nearest_memory, n(d.nearest_memory));
        }
        if (!d.images.empty()) {
            log.describe(s + "images", "the first dreams as the generator made them (dream, channel, y, x)",
                         "normalised intensity");
            log.write(s + "images", d.images, d.image_shape);
        }
        log.attribute(s, "step", double(d.step));
        log.attribute(s, "dreams", double(d.predicted_class.size()));
    }
    if (!c.memory_class.empty()) {
        log.describe(base + "memory_class", "class the readout classifier gives each memory stored in the hippocampus",
                     "class");
        log.write(base + "memory_class", c.memory_class, n(c.memory_class));
    }
    log.describe(base + "test_images/nearest_training_distance",
                 "yardstick: latent distance of real test images to the nearest training image", "latent units");
    log.describe(base + "test_images/predicted_class", "class the readout classifier gives each of those test images",
                 "class");
    log.write(base + "test_images/nearest_training_distance", c.test_nearest_training, n(c.test_nearest_training));
    log.write(base + "test_images/predicted_class", c.test_predicted_class, n(c.test_predicted_class));
}

void Hdf5Recorder::write_readout(const std::string& base, const ReadoutReport& r) {
    LogFile& log = *log_;
    std::vector<double> seeds, curves, last, last5, best;
    for (const auto& s : r.seeds) {
        seeds.push_back(double(s.seed));
        curves.insert(curves.end(), s.test_accuracy.begin(), s.test_accuracy.end());
        last.push_back(s.last());
        last5.push_back(s.mean_of_last(5));
        best.push_back(s.best());
    }
    const std::int64_t k = std::int64_t(r.seeds.size()),
                       epochs = r.seeds.empty() ? 0 : std::int64_t(r.seeds[0].test_accuracy.size());
    log.describe(base + "seeds", "classifier seed", "1");
    log.describe(base + "test_accuracy", "test accuracy after each readout epoch (seed, epoch)", "fraction");
    log.describe(base + "last_epoch_accuracy", "test accuracy after the last readout epoch (the paper's number)",
                 "fraction");
    log.describe(base + "last5_mean_accuracy", "mean test accuracy over the last 5 readout epochs", "fraction");
    log.describe(base + "best_accuracy", "best test accuracy over readout epochs", "fraction");
    log.write(base + "seeds", seeds, {k});
    log.write(base + "test_accuracy", curves, {k, epochs});
    log.write(base + "last_epoch_accuracy", last, {k});
    log.write(base + "last5_mean_accuracy", last5, {k});
    log.write(base + "best_accuracy", best, {k});
    if (r.validation_images > 0) {  // trained to convergence: the validation record of each seed
        const double nan = std::numeric_limits<double>::quiet_NaN();
        std::vector<double> loss, best_epoch, stopped_epoch, validated;
        for (const auto& s : r.seeds) {
            for (std::int64_t e = 0; e < epochs; ++e)
                loss.push_back(e < std::int64_t(s.validation_loss.size()) ? s.validation_loss[std::size_t(e)] : nan);
            best_epoch.push_back(double(s.best_epoch));
            stopped_epoch.push_back(double(s.stopped_epoch));
            validated.push_back(s.reported());
        }
        log.describe(base + "validation_loss",
                     "mean cross-entropy on the held-out training images after each readout epoch, until the seed's "
                     "patience ran out (seed, epoch; NaN after)",
                     "nats");
        log.describe(base + "best_epoch", "readout epoch of the lowest validation loss, counting from 0", "epoch");
        log.describe(base + "stopped_epoch",
                     "readout epoch at which the patience ran out; -1: it never did (the epochs ran out first)", "epoch");
        log.describe(base + "validated_accuracy",
                     "test accuracy of the classifier after its best validation epoch (the converged readout)",
                     "fraction");
        log.write(base + "validation_loss", loss, {k, epochs});
        log.write(base + "best_epoch", best_epoch, {k});
        log.write(base + "stopped_epoch", stopped_epoch, {k});
        log.write(base + "validated_accuracy", validated, {k});
        log.attribute(base, "validation_images", double(r.validation_images));
        log.attribute(base, "patience", double(r.patience));
        log.attribute(base, "min_improvement", r.min_improvement);
    }
    // Occlusion and perturbations test the classifier each seed reports (the validated one when there is one).
    const std::string tested = r.validation_images > 0 ? "validated" : "final";
    if (!r.occlusion_levels.empty()) {
        std::vector<double> occluded;
        for (const auto& s : r.seeds)
            occluded.insert(occluded.end(), s.occluded_accuracy.begin(), s.occluded_accuracy.end());
        const std::int64_t levels = std::int64_t(r.occlusion_levels.size());
        log.describe(base + "occlusion_levels", "probability that each occlusion square of a test image is dropped",
                     "1");
        log.describe(base + "occluded_accuracy",
                     "test accuracy of each seed's " + tested + " classifier on occluded test images (seed, level)",
                     "fraction");
        log.write(base + "occlusion_levels", r.occlusion_levels, {levels});
        log.write(base + "occluded_accuracy", occluded, {k, levels});
        log.attribute(base, "occlusion_tile", double(r.occlusion_tile));
    }
    for (const auto& p : r.perturbed) {  // linear_readout/perturbed/<noise|blur|shift>/{levels, accuracy}
        const std::string group = base + "perturbed/" + p.name + "/";
        std::vector<double> accuracy;
        for (const auto& row : p.accuracy) accuracy.insert(accuracy.end(), row.begin(), row.end());
        const std::int64_t levels = std::int64_t(p.levels.size());
        log.describe(group + "levels",
                     p.name == "noise" ? "standard deviation of the Gaussian pixel noise added to each test image"
                     : p.name == "blur" ? "standard deviation of the Gaussian blur of each test image"
                                        : "pixels each test image is translated by (up, down, left or right)",
                     p.name == "noise" ? "pixel intensity" : "pixels");
        log.describe(group + "accuracy",
                     "test accuracy of each seed's " + tested + " classifier on the perturbed test images (seed, level)",
                     "fraction");
        log.write(group + "levels", p.levels, {levels});
        log.write(group + "accuracy", accuracy, {k, levels});
    }
    log.attribute(base, "features", r.features);
    log.attribute(base, "train_images", double(r.train_images));
    log.attribute(base, "test_images", double(r.test_images));
    log.attribute(base, "wall_seconds", r.seconds);
}

void Hdf5Recorder::run_ended(const RunStatus& status, double wall_seconds) {
    if (!started_) return;  // failed before it started (data, model): the path stays as it was
    for (auto& p : probes_) p->run_ended(status, wall_seconds);
    log_->attribute("/", "status", status.text());
    log_->attribute("/", "wall_seconds", wall_seconds);
    log_->attribute("/", "finished", utc_now_iso8601());
    flush(true);
}

void Hdf5Recorder::flush(bool final) { log_->flush(final); }

}  // namespace somnus
