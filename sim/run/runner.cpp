#include "sim/run/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "data/datasets.hpp"
#include "data/minibatches.hpp"
#include "sim/base/errors.hpp"
#include "sim/eval/evaluation.hpp"
#include "sim/eval/generated_images.hpp"
#include "sim/model/dream_module.hpp"
#include "sim/model/model.hpp"
#include "sim/run/runtime.hpp"
#include "sim/run/schedule.hpp"
#include "sim/states/brain_state.hpp"

namespace somnus {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The device's default random generator; at::Context's accessor is the one spelling
// that LibTorch 1.13 and 2.x share (the CUDA hooks renamed theirs).
at::Generator default_generator(torch::Device device) { return at::globalContext().defaultGenerator(device); }

// Keeps LibTorch's global random stream (the readout seeds it) as it was, so a
// run evaluated at intermediate epochs trains exactly as one that is not.
class RandomStateGuard {
public:
    explicit RandomStateGuard(torch::Device device) : device_(device) {
        cpu_ = at::detail::getDefaultCPUGenerator().get_state();
        if (device_.is_cuda()) cuda_ = default_generator(device_).get_state();
    }
    ~RandomStateGuard() {
        at::Generator cpu = at::detail::getDefaultCPUGenerator();  // a handle on the global generator
        cpu.set_state(cpu_);
        if (device_.is_cuda()) {
            at::Generator cuda = default_generator(device_);
            cuda.set_state(cuda_);
        }
    }

private:
    torch::Device device_;
    at::Tensor cpu_, cuda_;
};

}  // namespace

std::string checkpoint_path_for(const std::string& log_path) {
    return std::filesystem::path(log_path).replace_extension(".pt").string();
}

Runner::Runner(const ExperimentSpec& spec) : spec_(spec) {}

void Runner::prepare() {
    check_image_classifier(spec_.eval.generated_images, spec_.data);  // before training, not after it
    use_threads(spec_.threads);
    use_heap_for_tensors();
    torch::manual_seed(static_cast<std::uint64_t>(spec_.seed));
    const torch::Device device = resolve_device(spec_.device);
    use_gpu_numerics(device, spec_.deterministic);
    device_name_ = device.str();
}

namespace {

// A step run but not yet handed to the observers: its measures, still where they
// were computed until the window is read.
struct PendingStep {
    std::string state;
    StepClock clock;
    Modulation modulation;
    double seconds = 0;
    Measures losses, observables;
    torch::Tensor parameters_finite;  // Model::parameters_finite after the step (may be empty)
    bool read = false;                // whether the two below hold the values read
    StepValues values;
    bool parameters_ok = true;
};

// NaN or Inf in a read step's losses or in the parameters it changed: throws Diverged naming them.
void check_finite(const Model& model, const PendingStep& step, const std::string& spec_log) {
    std::string what;
    for (const auto& [term, value] : step.values.losses)
        if (!std::isfinite(value)) {
            what = "loss \"" + term + "\" is " + (std::isnan(value) ? "NaN" : "infinite");
            break;
        }
    if (what.empty() && !step.parameters_ok) {
        const std::string p = model.name_of_non_finite(step.parameters_finite, model.learned(PathwayKind::feedforward),
                                                       model.learned(PathwayKind::feedback));
        what = "parameter " + p + " holds NaN or Inf";
    }
    if (what.empty()) return;
    const std::string& state = step.state;
    const StepClock& clock = step.clock;
    const std::string resume = resume_path_for(spec_log);
    throw Diverged(
        "diverged in state " + state + " at epoch " + std::to_string(clock.epoch) + ", iteration " +
        std::to_string(clock.iteration) + " (step " + std::to_string(clock.step) + "): " + what +
        (std::filesystem::exists(resume) ? "; the last good checkpoint is kept: " + resume : std::string("")));
}

// Random generators as tensors (their full state), for the resumable checkpoint.
void save_generators(torch::serialize::OutputArchive& archive, torch::Generator& data_rng, torch::Device device) {
    archive.write("rng.global", at::detail::getDefaultCPUGenerator().get_state());
    archive.write("rng.data", data_rng.get_state());
    if (device.is_cuda()) archive.write("rng.cuda", default_generator(device).get_state());
}

void load_generators(torch::serialize::InputArchive& archive, torch::Generator& data_rng, torch::Device device) {
    torch::Tensor global, data, cuda;
    archive.read("rng.global", global);
    archive.read("rng.data", data);
    at::Generator cpu = at::detail::getDefaultCPUGenerator();
    cpu.set_state(global.cpu());
    data_rng.set_state(data.cpu());
    if (device.is_cuda() && archive.try_read("rng.cuda", cuda)) {
        at::Generator g = default_generator(device);
        g.set_state(cuda.cpu());
    }
}

}  // namespace

std::int64_t read_interval(const RecordSpec& record, torch::Device device) {
    if (record.read_every > 0) return record.read_every;
    return device.is_cpu() ? 1 : record.progress_every;
}

std::string resume_path_for(const std::string& log_path) {
    return std::filesystem::path(log_path).replace_extension(".resume.pt").string();
}

namespace {

// The wall time of a run, counting the time before it was resumed.
struct WallClock {
    Clock::time_point start = Clock::now();
    double earlier_seconds = 0;
    double seconds() const { return earlier_seconds + seconds_since(start); }
};

// One run of the schedule: the data, the model and the brain states it trains,
// and where it stands. Runner::run drives it epoch by epoch; each mini-batch
// runs the block's states in order, each with what the conductor says for it.
class Training {
public:
    Training(const ExperimentSpec& spec, torch::Device device, const std::vector<Observer*>& observers, WallClock& wall)
        : spec_(spec),
          device_(device),
          observers_(observers),
          wall_(wall),
          data_rng_(at::detail::createCPUGenerator(static_cast<std::uint64_t>(spec.seed))),
          full_train_(load_images(spec.data, /*train=*/true)),
          train_(on_device(random_subset(full_train_, spec.data.train_subset, data_rng_), device)),
          model_(spec, device),
          states_(make_states(spec)),
          batch_(spec.schedule.batch_size),
          per_pass_(mini_batches_per_pass(train_.size(), batch_)),
          awake_(awake_states(spec)),
          resume_path_(resume_path_for(spec.record.path)),
          read_every_(read_interval(spec.record, device)) {
        // What each day shows: the training subset (interleaved), or its images of the day's classes.
        std::vector<std::int64_t> images;
        std::vector<std::vector<std::int64_t>> day_classes;  // of each set in day_sets_
        for (std::int64_t e = 0; e < spec.schedule.epochs; ++e) {
            const auto& classes = spec.schedule.classes_of_day(e);
            std::size_t k = 0;
            while (k < day_classes.size() && day_classes[k] != classes) ++k;
            if (k == day_classes.size()) {
                day_classes.push_back(classes);
                day_sets_.push_back(classes.empty() ? train_ : of_classes(train_, classes));
            }
            stream_of_epoch_.push_back(k);
            images.push_back(day_sets_[k].size());
        }
        if (day_sets_.empty()) day_sets_.push_back(train_);  // no epochs: the stream is never drawn from
        for (const ImageSet& set : day_sets_) streams_.push_back(std::make_unique<MiniBatches>(set, batch_, data_rng_));
        timeline_ = spec.schedule.days_differ() ? expand_schedule(spec, images) : expand_schedule(spec, per_pass_);
        for (const auto& s : spec.states) needs_day_start_ |= find_state_type(s.type)->needs_day_start;
    }
    Training(const Training&) = delete;
    Training& operator=(const Training&) = delete;

    // Goes on from the resumable checkpoint: the model, the data stream, the
    // random generators, the position and the observers' own state.
    void restore() {
        if (!std::filesystem::exists(resume_path_))
            throw InputError(resume_path_ + ": no checkpoint to resume from (the run stopped before its first one)");
        try {
            resumed_.load_from(resume_path_, device_);
        } catch (const c10::Error& e) {
            throw InputError(resume_path_ + ": not a readable somnus checkpoint (" + e.what_without_backtrace() + ")");
        }
        torch::serialize::InputArchive m;
        resumed_.read("model", m);
        model_.load_state(m);
        for (std::size_t k = 0; k < streams_.size(); ++k) {  // "data" is the first day's (the only one, interleaved)
            torch::serialize::InputArchive d;
            if (resumed_.try_read(k == 0 ? "data" : "data." + std::to_string(k), d)) streams_[k]->load(d);
        }
        load_generators(resumed_, data_rng_, device_);
        torch::Tensor position;
        resumed_.read("position", position);
        auto p = position.accessor<double, 1>();
        clock_.epoch = static_cast<std::int64_t>(p[0]);
        skip_iterations_ = static_cast<std::int64_t>(p[1]);
        clock_.step = static_cast<std::int64_t>(p[2]) - skip_iterations_;
        wall_.earlier_seconds = p[3];
        for (const auto& s : spec_.states) {
            torch::Tensor pool;
            if (resumed_.try_read("dreams." + s.name, pool)) dream_pools_[s.name] = pool.to(device_);
        }
        resumed_run_ = true;
    }

    // Tells the observers the run starts (or goes on); they restore their state from the checkpoint.
    void announce(const std::string& device_name) {
        RunInfo info{&spec_,
                     "run",
                     device_name,
                     train_.size(),
                     timeline_.epochs.empty() ? per_pass_ : timeline_.epochs.front().iterations(),
                     torch::get_num_threads(),
                     spec_.schedule.epochs,
                     &model_,
                     &timeline_,
                     resumed_run_};
        if (spec_.record.shows_test_images() || spec_.eval.any()) info.test = &test_set();
        notify([&](Observer& o) { o.run_started(info); });
        if (resumed_run_)
            for (std::size_t i = 0; i < observers_.size(); ++i) {
                torch::serialize::InputArchive o;
                if (resumed_.try_read("observer." + std::to_string(i), o)) observers_[i]->restore_state(o);
            }
    }

    bool epochs_left() const { return clock_.epoch < spec_.schedule.epochs; }

    // The next epoch, its day and its night. False when `stop` ended it early
    // (a resumable checkpoint is written); then the epoch is not counted.
    bool run_epoch(const std::atomic<bool>* stop, RunResult& result) {
        const auto epoch_start = Clock::now();
        const EpochPlan& plan = timeline_.epochs[static_cast<std::size_t>(clock_.epoch)];
        clock_.iterations_in_epoch = plan.iterations();
        clock_.iteration = 0;
        std::int64_t done = 0;
        bool interrupted = false;
        if (needs_day_start_ && skip_iterations_ == 0) model_.mark_day_start();
        // Day 1's retention test comes where its day ends: before its first night block,
        // or at the end of the epoch when no night follows (a night deprived, no night at all).
        std::size_t day_ends = 0;
        while (day_ends < plan.blocks.size() && plan.blocks[day_ends].part == "day") ++day_ends;
        const bool test_day_one = clock_.epoch == 0 && day_ends > 0 && spec_.eval.retention.enabled &&
                                  spec_.eval.retention.after_first_day;
        for (std::size_t b = 0; b < plan.blocks.size(); ++b) {
            const Block& block = plan.blocks[b];
            clock_.part = block.part.c_str();
            model_.begin_block(block.states);
            cue_replay(block);
            if (test_day_one && b == day_ends && clock_.iteration >= skip_iterations_) evaluate_retention_after_first_day();
            // Waking states see new data; sleep reuses the last mini-batch seen (its states read no pixels).
            const bool sees_data = std::any_of(block.states.begin(), block.states.end(),
                                               [&](const std::string& s) { return awake_.at(s); });
            for (std::int64_t i = 0; i < block.iterations && !interrupted; ++i, ++clock_.iteration, ++clock_.step) {
                if (clock_.iteration < skip_iterations_) continue;  // done before the run was resumed
                run_mini_batch(block, sees_data);
                ++done;
                StepClock next = clock_;
                ++next.iteration, ++next.step;
                if (stop && stop->load()) {
                    interrupted = true;
                    save_resume(next);
                } else if (spec_.record.checkpoint_every > 0 &&
                           (clock_.step + 1) % spec_.record.checkpoint_every == 0 &&
                           next.iteration < plan.iterations()) {
                    save_resume(next);
                }
            }
            if (interrupted) break;
        }
        if (test_day_one && day_ends == plan.blocks.size() && !interrupted) evaluate_retention_after_first_day();
        model_.hippocampus.clear_cue();
        skip_iterations_ = 0;
        const double secs = seconds_since(epoch_start);
        if (spec_.record.checkpoint) {
            result.checkpoint = checkpoint_path_for(spec_.record.path);
            model_.save(result.checkpoint);
        }
        if (interrupted) return false;  // a partial epoch's steps are still flushed by run_ended
        EpochEvent e{clock_.epoch, secs, double(done * batch_) / std::max(secs, 1e-9)};
        notify([&](Observer& o) { o.epoch_done(e); });
        const bool last = clock_.epoch + 1 == spec_.schedule.epochs;
        if (!last && epoch_listed(spec_.eval.epochs, clock_.epoch, spec_.schedule.epochs))
            evaluate(clock_.epoch + 1, false, result);
        if (!last) save_resume(StepClock{clock_.epoch + 1, 0, clock_.step});
        ++clock_.epoch;
        return true;
    }

    // The spec's evaluations of the encoder as it is now; LibTorch's global random
    // stream is kept as it was, so evaluating never changes the training.
    void evaluate(std::int64_t trained_epochs, bool final, RunResult& result) {
        if (!spec_.eval.any()) return;
        RandomStateGuard keep_training_stream(device_);
        std::vector<DreamBatch> dreams;  // in the spec's order of states
        for (const auto& s : spec_.states)
            if (auto d = last_dreams_.find(s.name); d != last_dreams_.end()) dreams.push_back(d->second);
        notify([](Observer& o) { o.evaluation_starting(); });
        std::vector<DreamBatch> pools;  // each sleeping state's last dreams, in the spec's order of states
        for (const auto& s : spec_.states)
            if (auto p = dream_pools_.find(s.name); p != dream_pools_.end()) pools.push_back({s.name, -1, p->second});
        EvaluationReport report =
            evaluate_areas(*model_.encoder, *model_.generator, model_.latent_dim, full_train_, test_set(), spec_.eval,
                           device_, dreams, model_.hippocampus.stored_latents(), spec_.seed, spec_.data, pools);
        report.trained_epochs = trained_epochs;
        report.final = final;
        report.encoder = trained_epochs == 0 ? "untrained" : "trained";
        if (report.retention) report.retention->days_trained = report.retention->nights = trained_epochs;
        notify([&](Observer& o) { o.evaluation_done(report); });
        if (final) result.evaluation = report;
    }

    // Targeted memory reactivation: in a night (any part but the day) of an epoch a cueing
    // protocol acts on, replay is drawn towards the cued memories; in the day it is not.
    void cue_replay(const Block& block) {
        model_.hippocampus.clear_cue();
        if (block.part == "day") return;
        for (const auto& p : spec_.schedule.protocols) {
            if (!p.cues() || !p.acts_on(clock_.epoch, spec_.schedule.epochs)) continue;
            model_.hippocampus.set_cue(ReplayCue{p.cue_classes, p.cue_day, p.cue_factor});
            return;  // the first cueing protocol of the epoch
        }
    }

    // The retention tests once day 1's Wake is done, before its night: what day 1
    // taught, the baseline that later nights keep or lose. Logged at /eval/day_001/.
    void evaluate_retention_after_first_day() {
        read_window();
        RandomStateGuard keep_training_stream(device_);
        EvalSpec only;
        only.linear_readout.enabled = only.latent_geometry.enabled = only.pca.enabled = false;
        only.overlap.enabled = only.dream_content.enabled = false;
        only.retention = spec_.eval.retention;
        notify([](Observer& o) { o.evaluation_starting(); });
        EvaluationReport report = evaluate_areas(*model_.encoder, *model_.generator, model_.latent_dim, full_train_,
                                                 test_set(), only, device_);
        report.trained_epochs = 0;
        report.final = false;
        report.label = "day_001";
        report.encoder = "trained";
        report.retention->days_trained = 1;
        report.retention->nights = 0;
        notify([&](Observer& o) { o.evaluation_done(report); });
    }

    // The steps run but not yet read, read now (when the run failed in between).
    // Nothing is read when the device itself failed; the failure is what the user hears of.
    void read_what_was_left() noexcept {
        try {
            read_window();
        } catch (...) {}
    }

    // The run finished: its resumable checkpoint is no longer needed.
    void remove_resume_checkpoint() const {
        std::filesystem::remove(resume_path_);
        std::filesystem::remove(resume_path_ + ".partial");  // a checkpoint a kill cut short
    }

private:
    // The test set, read at its first use (once per run).
    const ImageSet& test_set() {
        if (!test_) test_ = load_images(spec_.data, /*train=*/false);
        return *test_;
    }

    static ImageSet on_device(ImageSet set, torch::Device device) {
        set.images = set.images.to(device);
        set.labels = set.labels.to(device);
        return set;
    }
    static std::map<std::string, std::unique_ptr<BrainState>> make_states(const ExperimentSpec& spec) {
        std::map<std::string, std::unique_ptr<BrainState>> states;
        for (const auto& s : spec.states) states[s.name] = find_state_type(s.type)->make(s);
        return states;
    }
    static std::int64_t mini_batches_per_pass(std::int64_t images, std::int64_t batch) {
        const std::int64_t per_pass = images / batch;  // the last partial mini-batch of a pass is dropped
        if (per_pass == 0)
            throw RunError("the training set (" + std::to_string(images) + " images) is smaller than one mini-batch (" +
                           std::to_string(batch) + ")");
        return per_pass;
    }
    static std::map<std::string, bool> awake_states(const ExperimentSpec& spec) {
        std::map<std::string, bool> awake;
        for (const auto& name : spec.schedule.states_run())
            awake[name] = find_state_type(spec.state(name)->type)->awake;
        return awake;
    }

    template <class F>
    void notify(F&& f) {
        for (Observer* o : observers_) f(*o);
    }

    // Reads the window of unread steps to the host in one transfer, checks each in
    // order for NaN and Inf, and hands them to the observers (step_read). A step
    // that diverged throws Diverged after the steps before it were handed on.
    void read_window() {
        check_window();
        deliver_window();
    }
    void check_window() {
        std::vector<torch::Tensor> scalars;
        for (const PendingStep& s : window_) {
            if (s.read) continue;
            for (const auto& [name, value] : s.losses) scalars.push_back(value);
            for (const auto& [name, value] : s.observables) scalars.push_back(value);
            if (s.parameters_finite.defined()) scalars.push_back(s.parameters_finite.all());
        }
        const std::vector<double> values = read_scalars(scalars);
        std::size_t k = 0;
        for (PendingStep& s : window_) {
            if (s.read) continue;
            s.read = true;
            for (const auto& [name, value] : s.losses) s.values.losses.emplace_back(name, values[k++]);
            for (const auto& [name, value] : s.observables) s.values.observables.emplace_back(name, values[k++]);
            if (s.parameters_finite.defined()) s.parameters_ok = values[k++] != 0.0;
        }
        for (std::size_t i = 0; i < window_.size(); ++i) {
            try {
                check_finite(model_, window_[i], spec_.record.path);
            } catch (const Diverged&) {
                window_.resize(i);  // the steps before it were sound: hand them on
                deliver_window();
                throw;
            }
        }
    }
    void deliver_window() {
        for (const PendingStep& s : window_) {
            StepEvent event{&s.state, s.clock, nullptr, &s.values, s.modulation, s.seconds};
            notify([&](Observer& o) { o.step_read(event); });
        }
        window_.clear();
    }

    // One mini-batch: each state of the block in turn, then the observers.
    void run_mini_batch(const Block& block, bool sees_data) {
        MiniBatches& data = *streams_[stream_of_epoch_.at(std::size_t(clock_.epoch))];  // this day's experience
        if (sees_data || !data.started()) data.next();
        const Experience experience{data.images(), data.labels()};
        if (sees_data) model_.hippocampus.set_source(data.labels(), clock_.epoch);  // what Wake may store
        for (const auto& name : block.states) {
            const DoseTime when{clock_.epoch, double(clock_.iteration) / double(clock_.iterations_in_epoch),
                                spec_.schedule.epochs};
            Modulation m = model_.conductor.modulation(name, when);
            for (const auto& d : model_.dream_modules) d->modulate(name, m);
            StepEvent event{&name, clock_, nullptr, nullptr, m, wall_.seconds()};
            notify([&](Observer& o) { o.state_starting(event); });
            StepReport report = states_.at(name)->step(model_, experience.images, m, clock_);
            event.seconds = wall_.seconds();
            window_.push_back({name, clock_, m, event.seconds, report.losses, report.observables,
                               model_.parameters_finite(model_.learned(PathwayKind::feedforward),
                                                        model_.learned(PathwayKind::feedback))});
            if (read_every_ == 1) check_window();  // as each step ends: a diverged step reaches no observer
            keep_dreams(name, report);
            for (const auto& d : model_.dream_modules) d->after_step(name, model_, experience, clock_);
            event.report = &report;
            notify([&](Observer& o) { o.step_done(event); });
            if (read_every_ == 1) deliver_window();
        }
        if ((clock_.iteration + 1) % read_every_ == 0 || clock_.last_of_epoch()) read_window();
        notify([&](Observer& o) { o.iteration_done(clock_); });
    }

    // Each dreaming state's last dreams: its last mini-batch of them for the dream-content
    // evaluation, and its last eval.generated_images.dreams of them (oldest first, on the
    // device) for the dreams' Fréchet distance.
    void keep_dreams(const std::string& state, const StepReport& report) {
        const GeneratedImagesSpec& judged = spec_.eval.generated_images;
        if (judged.enabled && judged.dreams > 0 && report.samples)
            for (const auto& [name, tensor] : report.samples->tensors) {
                if (name != "dream") continue;
                torch::Tensor& pool = dream_pools_[state];
                pool = pool.defined() ? torch::cat({pool, tensor.detach()}) : tensor.detach().clone();
                if (pool.size(0) > judged.dreams) pool = pool.slice(0, pool.size(0) - judged.dreams).clone();
            }
        const DreamContentSpec& want = spec_.eval.dream_content;
        if (!want.enabled || !report.samples) return;
        if (!want.states.empty() && std::find(want.states.begin(), want.states.end(), state) == want.states.end())
            return;
        for (const auto& [name, tensor] : report.samples->tensors)
            if (name == "dream") last_dreams_[state] = DreamBatch{state, clock_.step, tensor};
    }

    // Everything a later run needs to go on from `next`, written atomically; the
    // steps before it are read first, so a checkpoint never holds a diverged model.
    void save_resume(const StepClock& next) {
        read_window();
        torch::serialize::OutputArchive archive, m;
        model_.save_state(m);
        archive.write("model", m);
        for (std::size_t k = 0; k < streams_.size(); ++k) {
            torch::serialize::OutputArchive d;
            streams_[k]->save(d);
            archive.write(k == 0 ? "data" : "data." + std::to_string(k), d);
        }
        save_generators(archive, data_rng_, device_);
        archive.write("position", torch::tensor(std::vector<double>{double(next.epoch),
                                                                    double(next.iteration),  // host: a few numbers
                                                                    double(next.step), wall_.seconds()},
                                                torch::kFloat64));
        for (std::size_t i = 0; i < observers_.size(); ++i) {
            torch::serialize::OutputArchive o;
            observers_[i]->save_state(o);
            archive.write("observer." + std::to_string(i), o);
        }
        for (const auto& [state, pool] : dream_pools_) archive.write("dreams." + state, pool);
        write_atomically(archive, resume_path_);
    }

    const ExperimentSpec& spec_;
    torch::Device device_;
    const std::vector<Observer*>& observers_;
    WallClock& wall_;
    // Constructed in this order (the random streams depend on it).
    torch::Generator data_rng_;
    ImageSet full_train_;
    ImageSet train_;
    Model model_;
    std::map<std::string, std::unique_ptr<BrainState>> states_;
    std::int64_t batch_;
    std::int64_t per_pass_;
    std::map<std::string, bool> awake_;
    // The days' experience: one image set and mini-batch stream per distinct set of
    // classes a day shows (one, the whole subset, when every day shows every class).
    std::deque<ImageSet> day_sets_;  // a deque: the streams hold references
    std::vector<std::unique_ptr<MiniBatches>> streams_;
    std::vector<std::size_t> stream_of_epoch_;
    Timeline timeline_;
    bool needs_day_start_ = false;  // a state acts on what the day changed (synaptic homeostasis)
    std::string resume_path_;
    std::int64_t read_every_;  // mini-batches between reads of the measures
    std::vector<PendingStep> window_;

    StepClock clock_;                   // where training goes on from
    std::int64_t skip_iterations_ = 0;  // of the first epoch, done before the run was resumed
    torch::serialize::InputArchive resumed_;
    bool resumed_run_ = false;
    std::map<std::string, DreamBatch> last_dreams_;
    std::map<std::string, torch::Tensor> dream_pools_;  // state -> its last dreams (rows), in the resume checkpoint
    std::optional<ImageSet> test_;
};

}  // namespace

RunResult Runner::run(const std::atomic<bool>* stop, bool resume) {
    prepare();
    WallClock wall;
    RunResult result;
    std::optional<Training> training;
    try {
        training.emplace(spec_, torch::Device(device_name_), observers_, wall);
        if (resume) training->restore();
        training->announce(device_name_);
        if (!resume && spec_.eval.initial && spec_.schedule.epochs > 0) training->evaluate(0, false, result);
        bool interrupted = false;
        while (!interrupted && training->epochs_left()) interrupted = !training->run_epoch(stop, result);
        if (interrupted) {
            result.status = {RunStatus::interrupted};
        } else {
            result.status = {RunStatus::finished};
            training->evaluate(spec_.schedule.epochs, true, result);
            training->remove_resume_checkpoint();
        }
    } catch (const Diverged& error) {
        notify([&](Observer& o) { o.run_ended({RunStatus::diverged, error.what()}, wall.seconds()); });
        throw;
    } catch (const std::exception& error) {
        if (training) training->read_what_was_left();  // the log keeps every step run before the failure
        notify([&](Observer& o) { o.run_ended({RunStatus::failed, error_text(error)}, wall.seconds()); });
        throw;
    }
    result.wall_seconds = wall.seconds();
    notify([&](Observer& o) { o.run_ended(result.status, result.wall_seconds); });
    return result;
}

EvaluationReport Runner::evaluate(const std::string& checkpoint) {
    prepare();
    const auto start = Clock::now();
    torch::Device device(device_name_);
    Model model(spec_, device);
    if (!checkpoint.empty()) model.load(checkpoint);
    ImageSet train = load_images(spec_.data, /*train=*/true);
    ImageSet test = load_images(spec_.data, /*train=*/false);
    RunInfo info{&spec_, "eval", device_name_, train.size(), 0, torch::get_num_threads(), 0, nullptr};
    info.test = &test;
    notify([&](Observer& o) { o.run_started(info); });
    notify([](Observer& o) { o.evaluation_starting(); });
    EvaluationReport report;
    try {
        report = evaluate_areas(*model.encoder, *model.generator, model.latent_dim, train, test, spec_.eval, device, {},
                                {}, spec_.seed, spec_.data);
    } catch (const std::exception& error) {
        notify([&](Observer& o) { o.run_ended({RunStatus::failed, error_text(error)}, seconds_since(start)); });
        throw;
    }
    report.encoder = checkpoint.empty() ? "untrained" : checkpoint;
    report.trained_epochs = checkpoint.empty() ? 0 : -1;
    notify([&](Observer& o) { o.evaluation_done(report); });
    notify([&](Observer& o) { o.run_ended({RunStatus::finished}, seconds_since(start)); });
    return report;
}

}  // namespace somnus
