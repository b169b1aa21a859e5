// somnus_bench: times PAD's brain states and the pieces around them on this
// machine. One benchmark per call, one JSON object per line on stdout, so that
// bench/bench.py can run each in a fresh process (its own peak memory) next to
// the same iteration in eager PyTorch (bench/pad_pytorch.py). Never asserts.
//
//   somnus_bench cycle|wake|nrem|rem|areas|data|readout|eval|matmul [--batch 64] [--threads 2]
//                [--iterations 20] [--warmup 3] [--device cpu] [--data DIR] [--cudnn-benchmark] [--deterministic]
//                [--read-every N | --read-each-value] [--spec SPEC] [--checkpoint MODEL.pt]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>

#include <CLI/CLI.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>
#ifdef SOMNUS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "data/datasets.hpp"
#include "data/minibatches.hpp"
#include "sim/circuit/circuit.hpp"
#include "sim/eval/readout.hpp"
#include "sim/run/runner.hpp"
#include "sim/states/brain_state.hpp"

using namespace somnus;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string benchmark;
    std::int64_t batch = 64;
    std::int64_t threads = 2;
    int iterations = 20;
    int warmup = 3;
    std::string device = "cpu";
    std::string data = "/usr/share/datasets/fashion-mnist";
    std::string profile;           // chrome-trace file of the timed iterations (LibTorch's profiler)
    bool cudnn_benchmark = false;  // cuDNN autotuning: time the candidate algorithms once per shape
    bool deterministic = false;    // the spec's "deterministic": cuDNN's deterministic algorithms only
    // How the states' losses reach the host, as in `somnus run`: in one transfer every
    // read_every cycles (0: as a run does, every step on the CPU and every 25 on a
    // GPU), or each value where it is made, as somnus did before (read_each_value).
    std::int64_t read_every = 0;
    bool read_each_value = false;
    std::string spec = SOMNUS_SOURCE_DIR "/experiments/pad.json";  // eval: whose eval section
    std::string checkpoint;                                         // eval: a saved model; "" = untrained
};

double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;
}

// GPU memory: the peak that LibTorch's caching allocator handed out, and the peak it
// held from the driver (what nvidia-smi shows, less the CUDA context); 0 without CUDA.
struct GpuMemory {
    double allocated_mib = 0, reserved_mib = 0;
};
GpuMemory gpu_memory(torch::Device device) {
    GpuMemory m;
#ifdef SOMNUS_WITH_CUDA
    if (device.is_cuda()) {
        using namespace c10::cuda::CUDACachingAllocator;
        const auto stats = getDeviceStats(device.has_index() ? device.index() : 0);
        const auto all = static_cast<std::size_t>(c10::CachingAllocator::StatType::AGGREGATE);
        m.allocated_mib = double(stats.allocated_bytes[all].peak) / (1024.0 * 1024.0);
        m.reserved_mib = double(stats.reserved_bytes[all].peak) / (1024.0 * 1024.0);
    }
#else
    (void)device;
#endif
    return m;
}

void synchronize(torch::Device device) {
    if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// Seconds per call of f: the median of `iterations` timed calls after `warmup`
// untimed ones (a median, because other processes on a shared machine add
// outliers; the mean is reported as well).
struct Timing {
    double median = 0, mean = 0;
};
Timing seconds_per_call(const Options& o, torch::Device device, const std::function<void()>& f) {
    for (int i = 0; i < o.warmup; ++i) f();
    synchronize(device);
    std::vector<double> times;
    for (int i = 0; i < std::max(o.iterations, 1); ++i) {
        const auto start = Clock::now();
        f();
        synchronize(device);
        times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    Timing t;
    for (double s : times) t.mean += s / double(times.size());
    std::sort(times.begin(), times.end());
    const std::size_t n = times.size();
    t.median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
    return t;
}

void report(const Options& o, const std::string& name, Timing t, double images, double flops = 0.0,
            const Json& extra = Json::object()) {
    Json line = {{"benchmark", "somnus " + name},       {"batch", o.batch},
                 {"threads", torch::get_num_threads()}, {"ms_per_iteration", 1000.0 * t.median},
                 {"ms_mean", 1000.0 * t.mean},          {"images_per_second", images / t.median},
                 {"peak_rss_mib", peak_rss_mib()}};
    const torch::Device device(o.device);
    if (device.is_cuda()) {
        const GpuMemory m = gpu_memory(device);
        line["device"] = o.device;
        line["gpu_peak_allocated_mib"] = m.allocated_mib;
        line["gpu_peak_reserved_mib"] = m.reserved_mib;
        line["cudnn_benchmark"] = o.cudnn_benchmark;
        line["deterministic"] = o.deterministic;
    }
    if (flops > 0) line["gflop_per_second"] = flops / t.median / 1e9;
    line.update(extra);
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
}

// ---- FLOPs of PAD's layers, from their shapes ----------------------------
// 2 FLOPs per multiply-add that touches the input: kernel taps that fall on the
// zero padding are not counted (they are up to 23 % of a 4x4 map's taps). A
// layer's input gradient and its weight gradient each cost its forward pass
// again. Elementwise work is not counted.
struct Layer {
    double forward;  // FLOPs of one image
};

// Multiply-adds along one spatial axis: pairs (output, kernel tap) whose input lies inside.
double taps(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride, std::int64_t pad, bool transposed) {
    double n = 0;
    const std::int64_t positions = transposed ? in : out, extent = transposed ? out : in;
    for (std::int64_t o = 0; o < positions; ++o)
        for (std::int64_t t = 0; t < k; ++t) {
            const std::int64_t at = o * stride - pad + t;
            n += (at >= 0 && at < extent) ? 1 : 0;
        }
    return n;
}

struct PadFlops {
    std::vector<Layer> encoder;    // conv1..conv4
    Layer head{};                  // discriminator neurons on conv3
    std::vector<Layer> generator;  // tconv1..tconv4

    PadFlops(std::int64_t channels, std::int64_t f, std::int64_t latent) {
        auto conv = [](double cin, double cout, std::int64_t in, std::int64_t out, std::int64_t stride,
                       std::int64_t pad) {
            const double t = taps(in, out, 4, stride, pad, false);
            return Layer{2.0 * cin * cout * t * t};
        };
        auto tconv = [](double cin, double cout, std::int64_t in, std::int64_t out, std::int64_t stride,
                        std::int64_t pad) {
            const double t = taps(in, out, 4, stride, pad, true);
            return Layer{2.0 * cin * cout * t * t};
        };
        encoder = {conv(channels, f, 32, 16, 2, 1), conv(f, 2 * f, 16, 8, 2, 1), conv(2 * f, 4 * f, 8, 4, 2, 1),
                   conv(4 * f, latent, 4, 1, 2, 0)};
        head = conv(4 * f, 1, 4, 1, 2, 0);
        generator = {tconv(latent, 4 * f, 1, 4, 1, 0), tconv(4 * f, 2 * f, 4, 8, 2, 1), tconv(2 * f, f, 8, 16, 2, 1),
                     tconv(f, channels, 16, 32, 2, 1)};
    }
    // Forward, plus weight gradients, plus input gradients of all layers but the
    // first when `input_gradient` is false (nothing upstream learns).
    static double pass(const std::vector<Layer>& layers, bool train, bool input_gradient) {
        double total = 0;
        for (std::size_t i = 0; i < layers.size(); ++i) {
            total += layers[i].forward;
            if (train) total += layers[i].forward + ((i > 0 || input_gradient) ? layers[i].forward : 0.0);
        }
        return total;
    }
    double state(const std::string& name) const {
        std::vector<Layer> z_path = encoder, d_path(encoder.begin(), encoder.begin() + 3);
        std::vector<Layer> all = encoder;
        all.push_back(head);
        d_path.push_back(head);
        if (name == "wake")
            return pass(all, true, false) +
                   pass(generator, true, true);  // z feeds G, so G's first layer passes a gradient
        if (name == "nrem")
            return pass(generator, false, false) + pass(z_path, true, false);  // fixed dream, encoder learns
        if (name == "rem")
            return pass(generator, true, false) + pass(d_path, true, true);  // dream gradient flows back into G
        return state("wake") + state("nrem") + state("rem");
    }
};

// ---- benchmarks ----------------------------------------------------------
// The default PAD spec: experiments/pad.json's values.
ExperimentSpec bench_spec(const Options&) { return parse_spec(Json::object()); }

void bench_states(const Options& o, torch::Device device) {
    ExperimentSpec spec = bench_spec(o);
    Model model(spec, device);
    torch::manual_seed(0);
    auto x = (torch::rand({o.batch, 1, 32, 32}) * 2 - 1).to(device);

    std::map<std::string, std::unique_ptr<BrainState>> states;
    for (const auto& s : spec.states) states[s.name] = find_state_type(s.type)->make(s);
    StepClock clock{0, 1, 1, 1 << 30};
    // The reads and the finiteness check of `somnus run` (sim/run/runner.cpp).
    RecordSpec record = spec.record;
    record.read_every = o.read_every;
    const std::int64_t read_every = read_interval(record, device);
    std::vector<torch::Tensor> unread;
    std::int64_t cycles = 0;
    double read_sum = 0;  // kept, so that no read is optimised away
    auto step = [&](const std::string& name) {
        StepReport r = states.at(name)->step(model, x, model.conductor.modulation(name), clock);
        if (o.read_each_value) {
            for (const auto& [term, value] : r.losses) read_sum += value.item<double>();
            for (const auto& [term, value] : r.observables) read_sum += value.item<double>();
            read_sum += double(model.first_non_finite(true, true).size());
        } else {
            for (const auto& [term, value] : r.losses) unread.push_back(value);
            for (const auto& [term, value] : r.observables) unread.push_back(value);
            unread.push_back(model.parameters_finite(true, true).all());
        }
        ++clock.iteration;
        ++clock.step;
    };
    step("wake");  // a stored latent for the sleep states
    const PadFlops flops(1, 64, 256);
    std::vector<std::string> run = o.benchmark == "cycle" ? spec.schedule.cycle : std::vector<std::string>{o.benchmark};
    auto iteration = [&] {
        for (const auto& name : run) step(name);
        if (++cycles % read_every == 0) {
            for (double v : read_scalars(unread)) read_sum += v;
            unread.clear();
        }
    };
    Timing s = seconds_per_call(o, device, iteration);
    if (!o.profile.empty()) {
        torch::autograd::profiler::RecordProfile trace(o.profile);
        for (int i = 0; i < o.iterations; ++i) iteration();
    }
    const std::string reads = o.read_each_value ? "each value" : "every " + std::to_string(read_every) + " cycles";
    report(o, o.benchmark, s, double(o.batch), flops.state(o.benchmark) * double(o.batch), Json{{"reads", reads}});
    if (!std::isfinite(read_sum)) std::fprintf(stderr, "somnus_bench: a loss was not finite\n");
}

void bench_areas(const Options& o, torch::Device device) {
    ExperimentSpec spec = bench_spec(o);
    Model model(spec, device);
    auto x = (torch::rand({o.batch, 1, 32, 32}) * 2 - 1).to(device);
    auto z = torch::randn({o.batch, 256}, x.options());
    const PadFlops flops(1, 64, 256);
    const double b = double(o.batch);
    std::vector<Layer> encoder = flops.encoder, generator = flops.generator;
    report(o, "encoder forward",
           seconds_per_call(o, device,
                            [&] {
                                torch::NoGradGuard g;
                                static_cast<PadEncoderImpl&>(*model.encoder).forward(x);
                            }),
           b, PadFlops::pass(encoder, false, false) * b);
    report(o, "encoder forward+backward",
           seconds_per_call(o, device,
                            [&] {
                                model.zero_grad();
                                static_cast<PadEncoderImpl&>(*model.encoder).forward(x).z.pow(2).mean().backward();
                            }),
           b, PadFlops::pass(encoder, true, false) * b);
    report(o, "generator forward",
           seconds_per_call(o, device,
                            [&] {
                                torch::NoGradGuard g;
                                static_cast<PadGeneratorImpl&>(*model.generator).forward(z);
                            }),
           b, PadFlops::pass(generator, false, false) * b);
    report(o, "generator forward+backward",
           seconds_per_call(o, device,
                            [&] {
                                model.zero_grad();
                                static_cast<PadGeneratorImpl&>(*model.generator).forward(z).pow(2).mean().backward();
                            }),
           b, PadFlops::pass(generator, true, false) * b);
}

// An epoch's data pipeline: mini-batches of a 10,000-image training subset on the device.
void bench_data(const Options& o, torch::Device device) {
    DataSpec data;
    data.path = o.data;
    data.train_subset = 10000;
    auto start = Clock::now();
    ImageSet full = load_images(data, /*train=*/true);
    const double load_s = std::chrono::duration<double>(Clock::now() - start).count();
    torch::Generator rng = at::detail::createCPUGenerator(0);
    ImageSet train = random_subset(full, data.train_subset, rng);
    train.images = train.images.to(device);
    train.labels = train.labels.to(device);
    MiniBatches batches(train, o.batch, rng);
    const std::int64_t per_pass = train.size() / o.batch;
    Timing s = seconds_per_call(o, device, [&] {
        for (std::int64_t i = 0; i < per_pass; ++i) batches.next();
    });
    report(o, "data pipeline (epoch of 10000)", s, double(per_pass * o.batch), 0.0,
           {{"load_seconds", load_s}, {"images_loaded", full.size()}});
}

// The linear readout on an untrained encoder: encode 10,000 + 10,000 images, 20 epochs of SGD.
void bench_readout(const Options& o, torch::Device device) {
    DataSpec data;
    data.path = o.data;
    ImageSet train = load_images(data, true), test = load_images(data, false);
    ExperimentSpec spec = bench_spec(o);
    Model model(spec, device);
    ReadoutSpec r;
    r.train_images = 10000;
    r.test_images = 10000;
    r.occlusion_levels = {};
    Options once = o;
    once.warmup = 0;
    once.iterations = 1;
    Timing s = seconds_per_call(once, device, [&] { linear_readout(*model.encoder, train, test, r, spec.data.std, device); });
    report(o, "linear readout (10000 images, 20 epochs)", s, double(r.train_images * r.epochs));
}

// One evaluation of a spec's eval section (default experiments/pad.json's, the quick
// start's), on a saved model or an untrained encoder: its seconds in all and part by
// part, as a run logs them (eval/<part>/seconds).
void bench_eval(const Options& o) {
    Json document = load_spec_file(o.spec);
    document["data"]["path"] = o.data;
    document["threads"] = o.threads;
    document["device"] = o.device;
    Runner runner(parse_spec(document));
    const auto start = Clock::now();
    const EvaluationReport e = runner.evaluate(o.checkpoint);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    Json parts = Json::object();
    for (const auto& [part, s] : e.part_seconds) parts[part] = s;
    Json line = {{"benchmark", "somnus eval (" + o.spec + ")"},
                 {"threads", torch::get_num_threads()},
                 {"seconds", seconds},
                 {"evaluation_seconds", e.seconds},
                 {"part_seconds", parts},
                 {"peak_rss_mib", peak_rss_mib()}};
    if (e.readout) {
        double last = 0;
        for (const auto& r : e.readout->seeds) last += r.last() / double(e.readout->seeds.size());
        line["readout_last_epoch_accuracy"] = last;
    }
    std::printf("%s\n", line.dump().c_str());
}

// The machine's dense float32 matmul rate, from LibTorch's two GEMM engines:
// OpenBLAS (torch::mm of n x n matrices) and oneDNN (a 1x1 convolution is a
// matmul of (pixels, c) by (c, c)); each the median of 5 after a warm-up.
void bench_matmul(const Options& o, torch::Device device) {
    set_blas_threads(torch::get_num_threads());  // the BLAS alone, on every thread
    Options many = o;
    many.iterations = 5;
    many.warmup = 1;
    const std::int64_t n = 2048;
    auto a = torch::randn({n, n}, torch::TensorOptions().device(device)), b = torch::randn({n, n}, a.options());
    report(o, "dense matmul 2048 (OpenBLAS)", seconds_per_call(many, device, [&] { torch::mm(a, b); }), 0.0,
           2.0 * double(n) * double(n) * double(n));
    const std::int64_t c = 1024, pixels = 16 * 32 * 32;
    auto x = torch::randn({16, c, 32, 32}, a.options()), w = torch::randn({c, c, 1, 1}, a.options());
    report(o, "dense matmul 16384x1024x1024 (oneDNN)", seconds_per_call(many, device, [&] { torch::conv2d(x, w); }),
           0.0, 2.0 * double(pixels) * double(c) * double(c));
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"Times PAD's brain states and the pieces around them; one JSON line per benchmark"};
    app.add_option("benchmark", o.benchmark, "cycle, wake, nrem, rem, areas, data, readout, eval or matmul")
        ->required()
        ->check(CLI::IsMember({"cycle", "wake", "nrem", "rem", "areas", "data", "readout", "eval", "matmul"}));
    app.add_option("--spec", o.spec, "eval: the spec whose eval section is timed")->check(CLI::ExistingFile);
    app.add_option("--checkpoint", o.checkpoint, "eval: a model saved by `somnus run` (default: untrained)")
        ->check(CLI::ExistingFile);
    app.add_option("--batch", o.batch, "mini-batch size");
    app.add_option("--threads", o.threads, "CPU threads (0 = all cores)");
    app.add_option("--iterations", o.iterations, "timed iterations");
    app.add_option("--warmup", o.warmup, "untimed iterations first");
    app.add_option("--device", o.device, "cpu, cuda or cuda:N");
    app.add_option("--data", o.data, "Fashion-MNIST folder (data and readout)");
    app.add_option("--profile", o.profile, "states: also write a chrome trace of the iterations (LibTorch profiler)");
    app.add_flag("--cudnn-benchmark", o.cudnn_benchmark, "CUDA: let cuDNN time its algorithms for each shape first");
    app.add_flag("--deterministic", o.deterministic,
                 "CUDA: deterministic algorithms only, as a spec's \"deterministic\": true");
    auto* every = app.add_option("--read-every", o.read_every,
                                 "states: read the losses to the host in one transfer every N cycles "
                                 "(0 = as a run does: every cycle on the CPU, every 25 on a GPU)");
    app.add_flag("--read-each-value", o.read_each_value,
                 "states: read each loss where it is made and check the parameters every step (somnus before "
                 "record.read_every)")
        ->excludes(every);
    CLI11_PARSE(app, argc, argv);
    try {
        use_threads(o.threads);
        use_heap_for_tensors();  // as somnus run sets it
        torch::Device device = resolve_device(o.device);
        o.device = device.str();
        use_gpu_numerics(device, o.deterministic);  // as somnus run sets them
        at::globalContext().setBenchmarkCuDNN(o.cudnn_benchmark);
        if (o.benchmark == "areas")
            bench_areas(o, device);
        else if (o.benchmark == "data")
            bench_data(o, device);
        else if (o.benchmark == "readout")
            bench_readout(o, device);
        else if (o.benchmark == "eval")
            bench_eval(o);
        else if (o.benchmark == "matmul")
            bench_matmul(o, device);
        else
            bench_states(o, device);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "somnus_bench: %s\n", error_text(e).c_str());
        return 1;
    }
    return 0;
}
