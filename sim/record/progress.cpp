#include "sim/record/progress.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "sim/run/schedule.hpp"

namespace somnus {

std::string clock_text(double seconds) {
    long s = std::lround(std::max(0.0, seconds));
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return buffer;
}

namespace {

std::pair<double, double> mean_sd(const std::vector<double>& xs) {
    double mean = 0;
    for (double x : xs) mean += x;
    mean /= double(xs.size());
    double var = 0;
    for (double x : xs) var += (x - mean) * (x - mean);
    return {mean, xs.size() > 1 ? std::sqrt(var / double(xs.size() - 1)) : 0.0};
}

}  // namespace

std::string summarize_evaluation(const EvaluationReport& e) {
    std::string text;
    char buffer[256];
    if (e.readout) text = summarize_readout(*e.readout, e.encoder);
    if (e.knn) {
        const KnnReport& r = *e.knn;
        std::snprintf(buffer, sizeof buffer, "%sk-nearest-neighbour readout (%s latents, %lld train / %lld test images):",
                      text.empty() ? "" : "\n", r.features.c_str(), static_cast<long long>(r.train_images),
                      static_cast<long long>(r.test_images));
        text += buffer;
        for (std::size_t i = 0; i < r.k.size(); ++i) {
            std::snprintf(buffer, sizeof buffer, "\n  k = %-4lld test accuracy:  %6.2f %%", static_cast<long long>(r.k[i]),
                          100 * r.accuracy[i]);
            text += buffer;
        }
    }
    if (e.generated_images) {
        const GeneratedImages& g = *e.generated_images;
        char lines[1024];
        std::snprintf(lines, sizeof lines,
                      "%sgenerated images (%lld test images, %lld samples; classifier %s, %.2f %% on its test set):\n"
                      "  reconstruction error:               %.4f  (per pixel, intensities in [0, 1])\n"
                      "  reconstructions that keep the class: %6.2f %%  (the test images themselves: %.2f %%)\n"
                      "  Fréchet distance, reconstructions:  %.3f\n"
                      "  Fréchet distance, prior samples:    %.3f  (floor: training images %.3f)",
                      text.empty() ? "" : "\n", static_cast<long long>(g.images), static_cast<long long>(g.samples),
                      g.classifier.c_str(), 100 * g.classifier_test_accuracy, g.reconstruction_error,
                      100 * g.reconstruction_class_kept, 100 * g.classifier_accuracy, g.fid_reconstructions,
                      g.fid_samples, g.fid_floor);
        text += lines;
        for (const GeneratedImages::Dreams& d : g.dreams) {
            const std::string label = d.state + " dreams:";
            std::snprintf(lines, sizeof lines, "\n  Fréchet distance, %-18s%.3f  (its last %lld)", label.c_str(), d.fid,
                          static_cast<long long>(d.dreams));
            text += lines;
        }
    }
    if (e.geometry) {
        const LatentGeometry& g = *e.geometry;
        std::snprintf(buffer, sizeof buffer,
                      "%slatent geometry (%lld test images):\n"
                      "  intra-/inter-class distance:        %.4f  (%.3f / %.3f)\n"
                      "  clean-occluded/inter-class (%2.0f %%):  %.4f  (%.3f / %.3f)",
                      text.empty() ? "" : "\n", static_cast<long long>(g.images), g.intra_inter_ratio(), g.intra,
                      g.inter, 100 * g.occlusion_level, g.clean_occluded_ratio(), g.clean_occluded, g.inter);
        text += buffer;
    }
    if (e.pca && e.pca->explained_variance.size() >= 2) {
        std::snprintf(buffer, sizeof buffer, "%slatent PCA: PC1 %.1f %%, PC2 %.1f %% of the variance",
                      text.empty() ? "" : "\n", 100 * e.pca->explained_variance[0], 100 * e.pca->explained_variance[1]);
        text += buffer;
    }
    if (e.overlap)
        for (const auto& t : e.overlap->tests) {
            std::snprintf(buffer, sizeof buffer,
                          "%swake/sleep overlap, %lld+%lld units: KL(wake||sleep) %.3f nats (floor %.3f; %lld wake, "
                          "%lld sleep patterns)",
                          text.empty() ? "" : "\n", static_cast<long long>(t.units), static_cast<long long>(t.units),
                          t.kl, t.floor, static_cast<long long>(t.wake_patterns),
                          static_cast<long long>(t.sleep_patterns));
            text += buffer;
        }
    if (e.retention) {
        const RetentionReport& r = *e.retention;
        const auto mean = r.mean_accuracy();
        std::string tasks;
        for (std::size_t t = 0; t < r.tasks.size(); ++t) {
            std::string classes;
            for (auto c : r.tasks[t]) classes += (classes.empty() ? "" : ",") + std::to_string(c);
            std::snprintf(buffer, sizeof buffer, "%s %s: %.1f %%", tasks.empty() ? "" : ";", classes.c_str(),
                          100 * mean[t]);
            tasks += buffer;
        }
        std::snprintf(buffer, sizeof buffer, "%sretention after %lld day%s and %lld night%s: all classes %.1f %%; by task",
                      text.empty() ? "" : "\n", static_cast<long long>(r.days_trained), r.days_trained == 1 ? "" : "s",
                      static_cast<long long>(r.nights), r.nights == 1 ? "" : "s", 100 * r.mean_all_classes_accuracy());
        text += buffer + tasks;
    }
    if (e.dream_content) {
        const DreamContent& c = *e.dream_content;
        auto median = [](std::vector<double> xs) {
            if (xs.empty()) return std::nan("");
            std::nth_element(xs.begin(), xs.begin() + std::ptrdiff_t(xs.size() / 2), xs.end());
            return xs[xs.size() / 2];
        };
        for (const auto& d : c.states) {
            std::map<std::int64_t, int> counts;
            for (std::int64_t k : d.predicted_class) ++counts[k];
            const auto top = std::max_element(counts.begin(), counts.end(),
                                              [](const auto& a, const auto& b) { return a.second < b.second; });
            std::snprintf(buffer, sizeof buffer,
                          "%sdream content, %s (%zu dreams): %zu classes, most often class %lld (%.0f %%); median "
                          "latent distance "
                          "to the nearest memory %.3f, to the nearest training image %.3f (test images: %.3f)",
                          text.empty() ? "" : "\n", d.state.c_str(), d.predicted_class.size(), counts.size(),
                          counts.empty() ? -1LL : static_cast<long long>(top->first),
                          counts.empty() ? 0.0 : 100.0 * top->second / double(d.predicted_class.size()),
                          median(d.nearest_memory), median(d.nearest_training), median(c.test_nearest_training));
            text += buffer;
        }
    }
    return text;
}

std::string summarize_readout(const ReadoutReport& r, const std::string& encoder) {
    std::vector<double> last, last5, best;
    for (const auto& s : r.seeds) {
        last.push_back(100 * s.last());
        last5.push_back(100 * s.mean_of_last(5));
        best.push_back(100 * s.best());
    }
    auto [m1, s1] = mean_sd(last);
    auto [m5, s5] = mean_sd(last5);
    auto [mb, sb] = mean_sd(best);
    char buffer[512];
    std::snprintf(buffer, sizeof buffer,
                  "linear readout (%s encoder, %s latents, %zu seed%s, %lld train / %lld test images):\n"
                  "  test accuracy, last epoch:          %6.2f %% ± %.2f (sd)\n"
                  "  test accuracy, mean of last 5:      %6.2f %% ± %.2f (sd)\n"
                  "  test accuracy, best epoch:          %6.2f %% ± %.2f (sd)",
                  encoder.c_str(), r.features.c_str(), r.seeds.size(), r.seeds.size() == 1 ? "" : "s",
                  static_cast<long long>(r.train_images), static_cast<long long>(r.test_images), m1, s1, m5, s5, mb,
                  sb);
    std::string text = buffer;
    // Trained to convergence: the classifier each seed reports is its best validation epoch's.
    const bool validated = r.validation_images > 0;
    if (validated) {
        std::vector<double> accuracy, best_epoch;
        std::size_t converged = 0;
        for (const auto& s : r.seeds) {
            accuracy.push_back(100 * s.reported());
            best_epoch.push_back(double(s.best_epoch + 1));
            converged += s.stopped_epoch >= 0 ? 1 : 0;
        }
        auto [mv, sv] = mean_sd(accuracy);
        const auto epochs_run = r.seeds.empty() ? 0 : r.seeds[0].test_accuracy.size();
        std::snprintf(buffer, sizeof buffer,
                      "\n  test accuracy, best validation epoch: %6.2f %% ± %.2f (sd)  (%lld held-out images; best "
                      "epoch %.1f on average; %zu of %zu seed%s stopped by patience %lld, %zu epochs run)",
                      mv, sv, static_cast<long long>(r.validation_images), mean_sd(best_epoch).first, converged,
                      r.seeds.size(), r.seeds.size() == 1 ? "" : "s", static_cast<long long>(r.patience), epochs_run);
        text += buffer;
    }
    const std::string tested = validated ? "validated classifier" : "last-epoch classifier";
    if (!r.occlusion_levels.empty()) {
        text += "\n  under occlusion (" + std::to_string(r.occlusion_tile) + "x" + std::to_string(r.occlusion_tile) +
                " squares, " + tested + "):";
        for (std::size_t l = 0; l < r.occlusion_levels.size(); ++l) {
            std::vector<double> acc;
            for (const auto& s : r.seeds) acc.push_back(100 * s.occluded_accuracy.at(l));
            auto [m, sd] = mean_sd(acc);
            std::snprintf(buffer, sizeof buffer, "\n    %3.0f %% of squares dropped:     %6.2f %% ± %.2f (sd)",
                          100 * r.occlusion_levels[l], m, sd);
            text += buffer;
        }
    }
    for (const auto& p : r.perturbed) {
        text += std::string(p.name == "noise"  ? "\n  under Gaussian pixel noise ("
                            : p.name == "blur" ? "\n  under Gaussian blur ("
                                               : "\n  under translation (") +
                tested + "):";
        for (std::size_t l = 0; l < p.levels.size(); ++l) {
            std::vector<double> acc;
            for (const auto& row : p.accuracy) acc.push_back(100 * row.at(l));
            auto [m, sd] = mean_sd(acc);
            char label[64];  // padded so that the numbers line up with the occlusion lines'
            std::snprintf(label, sizeof label, p.name == "shift" ? "    shifted by %g pixels:" : "    sigma %g:",
                          p.levels[l]);
            std::snprintf(buffer, sizeof buffer, "\n%-34s%6.2f %% ± %.2f (sd)", label, m, sd);
            text += buffer;
        }
    }
    return text;
}

void RunPace::start(const RunInfo& info) {
    total_iterations_ =
        info.timeline ? info.timeline->total_iterations() : info.spec->schedule.epochs * info.iterations_per_epoch;
    batch_size_ = info.spec->schedule.batch_size;
    steps_done_ = 0;
    start_ = std::chrono::steady_clock::now();
}

double RunPace::images_per_second() const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return double(steps_done_ * batch_size_) / std::max(elapsed, 1e-9);
}

double RunPace::eta_seconds() const {
    const std::int64_t remaining = total_iterations_ - steps_done_;
    return double(remaining * batch_size_) / std::max(images_per_second(), 1e-9);
}

void ProgressPrinter::run_started(const RunInfo& info) {
    spec_ = info.spec;
    iterations_ = info.iterations_per_epoch;
    pace_.start(info);
    if (info.command == "run")
        std::fprintf(out_, "somnus: %s on %s, %d threads, %lld training images, %lld epochs x %lld mini-batches\n",
                     spec_->name.c_str(), info.device.c_str(), int(info.threads),
                     static_cast<long long>(info.train_images), static_cast<long long>(spec_->schedule.epochs),
                     static_cast<long long>(iterations_));
    else
        std::fprintf(out_, "somnus: evaluating %s on %s, %d threads\n", spec_->name.c_str(), info.device.c_str(),
                     int(info.threads));
    std::fflush(out_);
}

void ProgressPrinter::step_read(const StepEvent& e) {
    const std::string& state = *e.state;
    if (!window_.count(state)) state_order_.push_back(state);
    auto& terms = window_[state];
    for (const auto& [term, value] : e.values->losses) {
        auto it = std::find_if(terms.begin(), terms.end(), [&](const auto& t) { return t.first == term; });
        if (it == terms.end()) {
            terms.push_back({term, {0.0, 0}});
            it = terms.end() - 1;
        }
        it->second.first += value;
        it->second.second += 1;
    }
}

void ProgressPrinter::iteration_done(const StepClock& clock) {
    pace_.step();
    if ((clock.iteration + 1) % spec_->record.progress_every == 0 || clock.last_of_epoch()) print_line(clock);
}

void ProgressPrinter::print_line(const StepClock& clock) {
    const double rate = pace_.images_per_second();
    const double eta = pace_.eta_seconds();
    std::fprintf(out_, "epoch %lld/%lld  iter %4lld/%lld%s%s  %6.0f img/s  ETA %s",
                 static_cast<long long>(clock.epoch + 1), static_cast<long long>(spec_->schedule.epochs),
                 static_cast<long long>(clock.iteration + 1), static_cast<long long>(clock.iterations_in_epoch),
                 std::string(clock.part) == "day" ? "" : " ", std::string(clock.part) == "day" ? "" : clock.part, rate,
                 clock_text(eta).c_str());
    for (const auto& state : state_order_) {
        std::fprintf(out_, " | %s", state.c_str());
        for (auto& [term, acc] : window_[state]) {
            if (acc.second > 0) std::fprintf(out_, " %s %.4f", term.c_str(), acc.first / acc.second);
            acc = {0.0, 0};
        }
    }
    std::fprintf(out_, "\n");
    std::fflush(out_);
}

void ProgressPrinter::epoch_done(const EpochEvent& e) {
    std::fprintf(out_, "epoch %lld done in %.1f s (%.0f img/s)\n", static_cast<long long>(e.epoch + 1), e.wall_seconds,
                 e.images_per_second);
    std::fflush(out_);
}

namespace {
// "encoding 3.1 s, linear_readout 2.0 s, ...": where an evaluation's time went.
std::string parts_text(const EvaluationReport& e) {
    std::string text;
    char part[96];
    for (const auto& [name, seconds] : e.part_seconds) {
        std::snprintf(part, sizeof part, "%s%s %.1f s", text.empty() ? "" : ", ", name.c_str(), seconds);
        text += part;
    }
    return text;
}
}  // namespace

void ProgressPrinter::evaluation_done(const EvaluationReport& e) {
    if (e.final)
        std::fprintf(out_, "evaluation done in %.1f s (%s)\n", e.seconds, parts_text(e).c_str());
    else if (e.label == "day_001")
        std::fprintf(out_, "retention after day 1's Wake, before its night (%.1f s):\n%s\n", e.seconds,
                     summarize_evaluation(e).c_str());
    else
        std::fprintf(out_, "evaluation after %lld epoch%s (%.1f s: %s):\n%s\n",
                     static_cast<long long>(e.trained_epochs), e.trained_epochs == 1 ? "" : "s", e.seconds,
                     parts_text(e).c_str(), summarize_evaluation(e).c_str());
    std::fflush(out_);
}

void ProgressPrinter::run_ended(const RunStatus& status, double wall_seconds) {
    // Why it failed or where it diverged reaches the user once, as the error the command exits with.
    std::fprintf(out_, "somnus: run %s after %s\n", status.word(), clock_text(wall_seconds).c_str());
    std::fflush(out_);
}

}  // namespace somnus
