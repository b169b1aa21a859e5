// What the generator's images are (GeneratedImagesSpec): reconstructions of test
// images and samples from the prior, judged by a fixed image classifier
// (sim/eval/image_classifier.hpp) that reads images, not latents, so every model's
// images are judged by one rule.
#pragma once

#include <torch/torch.h>

#include "areas/area.hpp"
#include "data/image_set.hpp"
#include "sim/eval/dream_content.hpp"
#include "sim/eval/readout.hpp"
#include "sim/eval/reports.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

// The classifier file against the run's data: a UsageError naming the file when it
// was trained on another data set (its judgement would not hold), an InputError when
// it cannot be read. Leaves LibTorch's global generator as it was. (A run's images are
// brought to the classifier's normalisation through pixel intensities in [0, 1], so one
// classifier judges runs of any data.mean and data.std.)
void check_image_classifier(const GeneratedImagesSpec& spec, const DataSpec& data);

// `test_latents`: those of the first test images (at least spec.images of them).
// `data`: the run's data section, whose normalisation the images have. `seed`: of the
// prior's samples z ~ N(0, I) (the run's seed). `dreams`: each sleeping state's last
// dreams (the runner's, spec.dreams at most each), judged like the samples; a state
// with fewer than 2 is left out (a Fréchet distance needs a covariance).
GeneratedImages generated_images(GeneratorAreaImpl& generator, std::int64_t latent_dim,
                                 const torch::Tensor& test_latents, const ImageSet& train, const ImageSet& test,
                                 const GeneratedImagesSpec& spec, const DataSpec& data, std::int64_t seed,
                                 torch::Device device, const std::vector<DreamBatch>& dreams = {});

}  // namespace somnus
