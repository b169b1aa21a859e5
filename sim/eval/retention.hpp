// Retention across days: how well the encoder, as it is now, still separates the
// classes of each earlier day (the continual-learning protocol with an unsupervised
// encoder; ../shared/reference/memory_across_days.md).
#pragma once

#include <torch/torch.h>

#include "areas/area.hpp"
#include "data/image_set.hpp"
#include "sim/eval/readout.hpp"
#include "sim/eval/reports.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

// For each task of `spec`: classifiers trained on the latents of the task's
// classes among the first spec.train_images training images (labels renumbered
// 0 .. k-1; standardised with that training set's statistics when spec.features
// says so), tested on every test image of those classes; the same on every class;
// and the mean squared error between each task's first reconstruction_images test
// images and their reconstruction G(E(x)), in the data's normalised units. Reads
// the shared latents (`latents.train` covers spec.train_images, `latents.test` the
// whole test set): no image is encoded again for any task.
RetentionReport retention(GeneratorAreaImpl& generator, const EvaluationLatents& latents, const ImageSet& train,
                          const ImageSet& test, const RetentionSpec& spec, torch::Device device);

// The continual-learning summaries of a run's retention tests (rows: tests in order,
// each with the days trained behind it; columns: tasks). R[i][j] is the accuracy
// on task j after day i's night. With T tasks learned one a day (task j on day j):
//   average accuracy   = mean_j R[T][j]                      (the last test)
//   forgetting of j    = max_{j <= l < T} R[l][j] - R[T][j]   (Chaudhry et al. 2018), j < T
//   backward transfer  = mean_{j < T} (R[T][j] - R[j][j])     (Lopez-Paz & Ranzato 2017)
// where R[l] is the test after night l (rows with nights = l + 1). NaN where a row is missing.
struct RetentionSummary {
    double average_accuracy = 0;
    std::vector<double> forgetting;  // per task (the last task's: NaN)
    double mean_forgetting = 0;      // over the tasks before the last
    double backward_transfer = 0;
};
RetentionSummary summarize_retention(const std::vector<std::vector<double>>& accuracy,
                                     const std::vector<std::int64_t>& nights);

}  // namespace somnus
