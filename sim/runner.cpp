#include "sim/runner.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "data/datasets.hpp"
#include "sim/brain_state.hpp"
#include "sim/model.hpp"
#include "sim/evaluation.hpp"

namespace somnus {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Keeps LibTorch's global random stream (the readout seeds it) as it was, so a
// run evaluated at intermediate epochs trains exactly as one that is not.
class RandomStateGuard {
public:
    explicit RandomStateGuard(torch::Device device) : device_(device) {
        cpu_ = at::detail::getDefaultCPUGenerator().get_state();
        if (device_.is_cuda()) cuda_ = at::detail::getCUDAHooks().getDefaultCUDAGenerator(device_.index()).get_state();
    }
    ~RandomStateGuard() {
        at::Generator cpu = at::detail::getDefaultCPUGenerator();  // a handle on the global generator
        cpu.set_state(cpu_);
        if (device_.is_cuda()) {
            at::Generator cuda = at::detail::getCUDAHooks().getDefaultCUDAGenerator(device_.index());
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

Runner::Runner(const ExperimentSpec& spec) : spec_(spec) {}

void Runner::prepare() {
    torch::set_num_threads(thread_count(spec_.threads));
    torch::manual_seed(static_cast<std::uint64_t>(spec_.seed));
    device_name_ = resolve_device(spec_.device).str();
}

RunResult Runner::run(const std::atomic<bool>* stop) {
    prepare();
    const auto start = Clock::now();
    RunResult result;
    torch::Device device(device_name_);

    try {
        torch::Generator data_rng = at::detail::createCPUGenerator(static_cast<std::uint64_t>(spec_.seed));
        ImageSet full_train = load_images(spec_.data, /*train=*/true);
        ImageSet train = random_subset(full_train, spec_.data.train_subset, data_rng);
        train.images = train.images.to(device);

        Model model(spec_, device);
        std::map<std::string, std::unique_ptr<BrainState>> states;
        for (const auto& s : spec_.states) states[s.name] = find_state_type(s.type)->make(s);

        const std::int64_t batch = spec_.schedule.batch_size;
        const std::int64_t iterations = train.size() / batch;  // the last partial mini-batch is dropped
        if (iterations == 0)
            throw std::runtime_error("the training set (" + std::to_string(train.size()) +
                                     " images) is smaller than one mini-batch (" + std::to_string(batch) + ")");
        RunInfo info{&spec_, "run", device_name_, train.size(), iterations, torch::get_num_threads(), spec_.schedule.epochs, &model};
        notify([&](Observer& o) { o.run_started(info); });

        std::optional<ImageSet> test;
        auto evaluate_now = [&](std::int64_t trained_epochs, bool final) {
            if (!spec_.eval.any()) return;
            if (!test) test = load_images(spec_.data, /*train=*/false);
            RandomStateGuard keep_training_stream(device);
            EvaluationReport report = evaluate_areas(*model.encoder, *model.generator, model.latent_dim, full_train, *test, spec_.eval, device);
            report.trained_epochs = trained_epochs;
            report.final = final;
            report.encoder = trained_epochs == 0 ? "untrained" : "trained";
            notify([&](Observer& o) { o.evaluation_done(report); });
            if (final) result.evaluation = report;
        };
        if (spec_.eval.initial && spec_.schedule.epochs > 0) evaluate_now(0, false);

        StepClock clock;
        bool interrupted = false;
        for (clock.epoch = 0; clock.epoch < spec_.schedule.epochs && !interrupted; ++clock.epoch) {
            const auto epoch_start = Clock::now();
            auto order = torch::randperm(train.size(), data_rng, torch::TensorOptions().dtype(torch::kInt64)).to(device);
            std::int64_t done = 0;
            for (clock.iteration = 0; clock.iteration < iterations; ++clock.iteration, ++clock.step) {
                auto images = train.images.index_select(0, order.slice(0, clock.iteration * batch, (clock.iteration + 1) * batch));
                for (const auto& name : spec_.schedule.cycle) {
                    const DoseTime when{clock.epoch, double(clock.iteration) / double(iterations), spec_.schedule.epochs};
                    Modulation m = model.conductor.modulation(name, when);
                    StepEvent event{&name, clock, nullptr, m, seconds_since(start)};
                    notify([&](Observer& o) { o.state_starting(event); });
                    StepReport report = states.at(name)->step(model, images, m, clock);
                    event.report = &report;
                    event.seconds = seconds_since(start);
                    notify([&](Observer& o) { o.step_done(event); });
                }
                ++done;
                if (stop && stop->load()) {
                    interrupted = true;
                    break;
                }
            }
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
        }
        if (interrupted) {
            result.status = "interrupted";
        } else {
            result.status = "finished";
            evaluate_now(spec_.schedule.epochs, true);
        }
    } catch (const std::exception& error) {
        double secs = seconds_since(start);
        notify([&](Observer& o) { o.run_ended("failed: " + error_text(error), secs); });
        throw;
    }
    result.wall_seconds = seconds_since(start);
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
