// Times one mini-batch of each brain state, and the forward/backward passes of
// each area, on the default PAD circuit. Prints milliseconds; no assertions.
//   build/somnus_bench [threads] [repeats]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "sim/brain_state.hpp"
#include "sim/runner.hpp"

using namespace somnus;
using Clock = std::chrono::steady_clock;

template <class F>
double time_ms(int repeats, F&& f) {
    f();  // warm-up
    auto start = Clock::now();
    for (int i = 0; i < repeats; ++i) f();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / repeats;
}

int main(int argc, char** argv) {
    int threads = argc > 1 ? std::atoi(argv[1]) : 0;
    int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
    torch::set_num_threads(thread_count(threads));
    torch::manual_seed(0);
    ExperimentSpec spec = parse_spec(Json::object());
    Model model(spec, resolve_device("auto"));
    auto x = (torch::rand({64, 1, 32, 32}) * 2 - 1).to(model.device);
    std::printf("device %s, %d threads, batch 64\n", model.device.str().c_str(), torch::get_num_threads());

    std::printf("%-32s %8.1f ms\n", "encoder forward", time_ms(repeats, [&] { torch::NoGradGuard g; model.pad_encoder().forward(x); }));
    std::printf("%-32s %8.1f ms\n", "encoder forward+backward", time_ms(repeats, [&] {
        model.zero_grad();
        model.pad_encoder().forward(x).z.pow(2).mean().backward();
    }));
    auto z = torch::randn({64, 256}, x.options());
    std::printf("%-32s %8.1f ms\n", "generator forward", time_ms(repeats, [&] { torch::NoGradGuard g; model.pad_generator().forward(z); }));
    std::printf("%-32s %8.1f ms\n", "generator forward+backward", time_ms(repeats, [&] {
        model.zero_grad();
        model.pad_generator().forward(z).pow(2).mean().backward();
    }));
    StepClock clock{0, 1, 1};
    for (const auto& name : spec.schedule.cycle) {
        auto state = find_state_type(spec.state(name)->type)->make(*spec.state(name));
        Modulation m = model.conductor.modulation(name);
        std::printf("%-32s %8.1f ms\n", ("state " + name).c_str(),
                    time_ms(repeats, [&] { state->step(model, x, m, clock); }));
    }
    return 0;
}
