#include "sim/cli/command.hpp"

#include <csignal>

#include "sim/circuit/circuit.hpp"

namespace somnus::cli {

std::atomic<bool> stop_requested{false};

namespace {

void on_interrupt(int) {
    stop_requested = true;
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C kills at once
}

}  // namespace

void stop_at_a_checkpoint_on_signals() {
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
}

void add_spec_options(CLI::App* command, SpecOptions& o, bool required) {
    auto* spec = command->add_option("spec", o.path, "experiment spec (JSON)")->check(CLI::ExistingFile);
    if (required) spec->required();
    command->add_option("--set", o.overrides, "override a spec value: key.path=value (repeatable)");
}

void add_run_options(CLI::App* command, SpecOptions& o) {
    command->add_option("--threads", o.threads, "CPU threads for LibTorch (0 = all cores); overrides the spec");
    command->add_option("--device", o.device, "auto, cpu, cuda or cuda:N; overrides the spec");
}

ExperimentSpec load(const SpecOptions& o, const std::string& out, std::vector<std::string>* files) {
    Json document = load_spec_file(o.path, files);
    if (!document.is_object()) throw SpecError("/", "expected an object, got " + json_type_name(document));
    for (const auto& assignment : o.overrides) apply_override(document, assignment);
    if (o.threads >= 0) document["threads"] = o.threads;
    if (!o.device.empty()) document["device"] = o.device;
    if (!out.empty()) {
        if (document.contains("record") && !document["record"].is_object())
            throw SpecError("/record", "expected an object, got " + json_type_name(document["record"]));
        document["record"]["path"] = out;
    }
    return parse_spec(document);
}

}  // namespace somnus::cli
