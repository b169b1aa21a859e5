#include "sim/runner.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "data/datasets.hpp"
#include "data/minibatches.hpp"
#include "dreams/dream_module.hpp"
#include "sim/brain_state.hpp"
#include "sim/schedule.hpp"
#include "sim/model.hpp"
#include "sim/evaluation.hpp"

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

std::string error_text(const std::exception& error) {
    if (const auto* c10 = dynamic_cast<const c10::Error*>(&error)) return c10->what_without_backtrace();
    return error.what();
}

std::string checkpoint_path_for(const std::string& log_path) {
    return std::filesystem::path(log_path).replace_extension(".pt").string();
}

int thread_count(std::int64_t requested) {
    if (requested > 0) return static_cast<int>(requested);
    unsigned cores = std::thread::hardware_concurrency();
    return cores > 0 ? static_cast<int>(cores) : 1;
}

void set_blas_threads(int n) {
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(n);
}

int use_threads(std::int64_t threads) {
    const int n = thread_count(threads);
    torch::set_num_threads(n);
    set_blas_threads(1);
    return n;
}

void check_device(const std::string& name) { resolve_device(name); }

void use_gpu_numerics(torch::Device device, bool deterministic) {
    if (!device.is_cuda()) return;
    // cuBLAS repeats bitwise only with a fixed workspace; read when its handle is made.
    if (deterministic) setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
    at::globalContext().setBenchmarkCuDNN(false);  // autotuning: no faster here, 14x the memory (docs/gpu.md)
    at::globalContext().setDeterministicCuDNN(deterministic);
    at::globalContext().setDeterministicAlgorithms(deterministic, /*warn_only=*/true);
}

Runner::Runner(const ExperimentSpec& spec) : spec_(spec) {}

void Runner::prepare() {
    use_threads(spec_.threads);
    torch::manual_seed(static_cast<std::uint64_t>(spec_.seed));
    const torch::Device device = resolve_device(spec_.device);
    use_gpu_numerics(device, spec_.deterministic);
    device_name_ = device.str();
}

namespace {

// NaN or Inf in this step's losses or in the parameters it changed: throws Diverged naming them.
void check_finite(const Model& model, const std::string& state, const StepReport& report, const StepClock& clock,
                  const std::string& spec_log) {
    std::string what;
    for (const auto& [term, value] : report.losses)
        if (!std::isfinite(value)) {
            what = "loss \"" + term + "\" is " + (std::isnan(value) ? "NaN" : "infinite");
            break;
        }
    if (what.empty()) {
        const std::string p = model.first_non_finite(model.learned(PathwayKind::feedforward), model.learned(PathwayKind::feedback));
        if (!p.empty()) what = "parameter " + p + " holds NaN or Inf";
    }
    if (what.empty()) return;
    const std::string resume = resume_path_for(spec_log);
    throw Diverged("diverged in state " + state + " at epoch " + std::to_string(clock.epoch) + ", iteration " +
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

std::string resume_path_for(const std::string& log_path) {
    return std::filesystem::path(log_path).replace_extension(".resume.pt").string();
}

RunResult Runner::run(const std::atomic<bool>* stop, bool resume) {
    prepare();
    const auto start = Clock::now();
    double earlier_seconds = 0;  // wall time of the run before it was resumed
    auto elapsed = [&] { return earlier_seconds + seconds_since(start); };
    RunResult result;
    torch::Device device(device_name_);
    const std::string resume_path = resume_path_for(spec_.record.path);

    try {
        torch::Generator data_rng = at::detail::createCPUGenerator(static_cast<std::uint64_t>(spec_.seed));
        ImageSet full_train = load_images(spec_.data, /*train=*/true);
        ImageSet train = random_subset(full_train, spec_.data.train_subset, data_rng);
        train.images = train.images.to(device);
        train.labels = train.labels.to(device);

        Model model(spec_, device);
        std::map<std::string, std::unique_ptr<BrainState>> states;
        for (const auto& s : spec_.states) states[s.name] = find_state_type(s.type)->make(s);

        const std::int64_t batch = spec_.schedule.batch_size;
        const std::int64_t per_pass = train.size() / batch;  // the last partial mini-batch of a pass is dropped
        if (per_pass == 0)
            throw std::runtime_error("the training set (" + std::to_string(train.size()) +
                                     " images) is smaller than one mini-batch (" + std::to_string(batch) + ")");
        const Timeline timeline = expand_schedule(spec_, per_pass);
        std::map<std::string, bool> awake;
        for (const auto& name : spec_.schedule.states_run()) awake[name] = find_state_type(spec_.state(name)->type)->awake;
        MiniBatches data(train, batch, data_rng);
        StepClock clock;                  // where training goes on from
        std::int64_t skip_iterations = 0;  // of the first epoch, done before the run was resumed

        torch::serialize::InputArchive resumed;
        if (resume) {
            if (!std::filesystem::exists(resume_path))
                throw std::runtime_error(resume_path + ": no checkpoint to resume from (the run stopped before its first one)");
            try {
                resumed.load_from(resume_path, device);
            } catch (const c10::Error& e) {
                throw std::runtime_error(resume_path + ": not a readable somnus checkpoint (" + e.what_without_backtrace() + ")");
            }
            torch::serialize::InputArchive m, d;
            resumed.read("model", m);
            model.load_state(m);
            resumed.read("data", d);
            data.load(d);
            load_generators(resumed, data_rng, device);
            torch::Tensor position;
            resumed.read("position", position);
            auto p = position.accessor<double, 1>();
            clock.epoch = static_cast<std::int64_t>(p[0]);
            skip_iterations = static_cast<std::int64_t>(p[1]);
            clock.step = static_cast<std::int64_t>(p[2]) - skip_iterations;
            earlier_seconds = p[3];
        }
        // Everything a later run needs to go on from `next`, written atomically.
        auto save_resume = [&](const StepClock& next) {
            torch::serialize::OutputArchive archive, m, d;
            model.save_state(m);
            archive.write("model", m);
            data.save(d);
            archive.write("data", d);
            save_generators(archive, data_rng, device);
            archive.write("position", torch::tensor(std::vector<double>{double(next.epoch), double(next.iteration),  // host: a few numbers
                                                                        double(next.step), elapsed()}, torch::kFloat64));
            for (std::size_t i = 0; i < observers_.size(); ++i) {
                torch::serialize::OutputArchive o;
                observers_[i]->save_state(o);
                archive.write("observer." + std::to_string(i), o);
            }
            write_atomically(archive, resume_path);
        };

        RunInfo info{&spec_, "run", device_name_, train.size(),
                     timeline.epochs.empty() ? per_pass : timeline.epochs.front().iterations(), torch::get_num_threads(),
                     spec_.schedule.epochs, &model, &timeline, resume};
        notify([&](Observer& o) { o.run_started(info); });
        if (resume)
            for (std::size_t i = 0; i < observers_.size(); ++i) {
                torch::serialize::InputArchive o;
                if (resumed.try_read("observer." + std::to_string(i), o)) observers_[i]->restore_state(o);
            }

        // Each dreaming state's last dreams, for the dream-content evaluation.
        const DreamContentSpec& dream_spec = spec_.eval.dream_content;
        std::map<std::string, DreamBatch> last_dreams;
        auto keep_dreams = [&](const std::string& state, const StepReport& report, const StepClock& at) {
            if (!dream_spec.enabled || !report.samples) return;
            if (!dream_spec.states.empty() && std::find(dream_spec.states.begin(), dream_spec.states.end(), state) == dream_spec.states.end())
                return;
            for (const auto& [name, tensor] : report.samples->tensors)
                if (name == "dream") last_dreams[state] = DreamBatch{state, at.step, tensor};
        };

        std::optional<ImageSet> test;
        auto evaluate_now = [&](std::int64_t trained_epochs, bool final) {
            if (!spec_.eval.any()) return;
            if (!test) test = load_images(spec_.data, /*train=*/false);
            RandomStateGuard keep_training_stream(device);
            std::vector<DreamBatch> dreams;  // in the spec's order of states
            for (const auto& s : spec_.states)
                if (auto d = last_dreams.find(s.name); d != last_dreams.end()) dreams.push_back(d->second);
            EvaluationReport report = evaluate_areas(*model.encoder, *model.generator, model.latent_dim, full_train, *test, spec_.eval, device,
                                                     dreams, model.hippocampus.stored_latents());
            report.trained_epochs = trained_epochs;
            report.final = final;
            report.encoder = trained_epochs == 0 ? "untrained" : "trained";
            notify([&](Observer& o) { o.evaluation_done(report); });
            if (final) result.evaluation = report;
        };
        if (!resume && spec_.eval.initial && spec_.schedule.epochs > 0) evaluate_now(0, false);

        bool interrupted = false;
        for (; clock.epoch < spec_.schedule.epochs && !interrupted; ++clock.epoch) {
            const auto epoch_start = Clock::now();
            const EpochPlan& plan = timeline.epochs[static_cast<std::size_t>(clock.epoch)];
            clock.iterations_in_epoch = plan.iterations();
            clock.iteration = 0;
            std::int64_t done = 0;
            for (const Block& block : plan.blocks) {
                clock.part = block.part.c_str();
                // Waking states see new data; sleep reuses the last mini-batch seen (its states read no pixels).
                const bool sees_data = std::any_of(block.states.begin(), block.states.end(), [&](const std::string& s) { return awake.at(s); });
                for (std::int64_t i = 0; i < block.iterations && !interrupted; ++i, ++clock.iteration, ++clock.step) {
                    if (clock.iteration < skip_iterations) continue;  // done before the run was resumed
                    if (sees_data || !data.started()) data.next();
                    const Experience experience{data.images(), data.labels()};
                    for (const auto& name : block.states) {
                        const DoseTime when{clock.epoch, double(clock.iteration) / double(clock.iterations_in_epoch), spec_.schedule.epochs};
                        Modulation m = model.conductor.modulation(name, when);
                        for (const auto& d : model.dream_modules) d->modulate(name, m);
                        StepEvent event{&name, clock, nullptr, m, elapsed()};
                        notify([&](Observer& o) { o.state_starting(event); });
                        StepReport report = states.at(name)->step(model, experience.images, m, clock);
                        check_finite(model, name, report, clock, spec_.record.path);
                        keep_dreams(name, report, clock);
                        for (const auto& d : model.dream_modules) d->after_step(name, model, experience, clock);
                        event.report = &report;
                        event.seconds = elapsed();
                        notify([&](Observer& o) { o.step_done(event); });
                    }
                    notify([&](Observer& o) { o.iteration_done(clock); });
                    ++done;
                    StepClock next = clock;
                    ++next.iteration, ++next.step;
                    if (stop && stop->load()) {
                        interrupted = true;
                        save_resume(next);
                    } else if (spec_.record.checkpoint_every > 0 && (clock.step + 1) % spec_.record.checkpoint_every == 0 &&
                               next.iteration < plan.iterations()) {
                        save_resume(next);
                    }
                }
                if (interrupted) break;
            }
            skip_iterations = 0;
            double secs = seconds_since(epoch_start);
            if (spec_.record.checkpoint) {
                result.checkpoint = checkpoint_path_for(spec_.record.path);
                model.save(result.checkpoint);
            }
            if (interrupted) break;  // a partial epoch's steps are still flushed by run_ended
            EpochEvent e{clock.epoch, secs, double(done * batch) / std::max(secs, 1e-9)};
            notify([&](Observer& o) { o.epoch_done(e); });
            if (clock.epoch + 1 < spec_.schedule.epochs && epoch_listed(spec_.eval.epochs, clock.epoch, spec_.schedule.epochs))
                evaluate_now(clock.epoch + 1, false);
            if (clock.epoch + 1 < spec_.schedule.epochs) save_resume(StepClock{clock.epoch + 1, 0, clock.step});
        }
        if (interrupted) {
            result.status = "interrupted";
        } else {
            result.status = "finished";
            evaluate_now(spec_.schedule.epochs, true);
            std::filesystem::remove(resume_path);
            std::filesystem::remove(resume_path + ".partial");  // a checkpoint a kill cut short
        }
    } catch (const Diverged& error) {
        notify([&](Observer& o) { o.run_ended(std::string("diverged: ") + error.what(), elapsed()); });
        throw;
    } catch (const std::exception& error) {
        notify([&](Observer& o) { o.run_ended("failed: " + error_text(error), elapsed()); });
        throw;
    }
    result.wall_seconds = elapsed();
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
    notify([&](Observer& o) { o.run_started(info); });
    EvaluationReport report;
    try {
        report = evaluate_areas(*model.encoder, *model.generator, model.latent_dim, train, test, spec_.eval, device);
    } catch (const std::exception& error) {
        notify([&](Observer& o) { o.run_ended("failed: " + error_text(error), seconds_since(start)); });
        throw;
    }
    report.encoder = checkpoint.empty() ? "untrained" : checkpoint;
    report.trained_epochs = checkpoint.empty() ? 0 : -1;
    notify([&](Observer& o) { o.evaluation_done(report); });
    notify([&](Observer& o) { o.run_ended("finished", seconds_since(start)); });
    return report;
}

}  // namespace somnus
