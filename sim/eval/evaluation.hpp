// Evaluations of a (frozen) encoder, as the paper reports them: linear readout
// (sim/eval/readout.hpp), latent-space distance ratios and a PCA of the latents.
#pragma once

#include <torch/torch.h>

#include "areas/area.hpp"
#include "data/image_set.hpp"
#include "sim/eval/dream_content.hpp"
#include "sim/eval/readout.hpp"
#include "sim/eval/reports.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

// Intra-class, inter-class and clean-vs-occluded distances between latents of
// random test-image pairs (the paper's Methods, "Latent space organization metrics").
// `test_latents`: those of every test image (EvaluationLatents::test); the encoder
// encodes the occluded ones.
LatentGeometry latent_geometry(EncoderAreaImpl& encoder, const torch::Tensor& test_latents, const ImageSet& test,
                               const LatentGeometrySpec& spec, torch::Device device);

// The first `spec.images` test latents on their principal components.
// `test_latents`: those of the first test images (at least spec.images of them, or the whole set).
LatentPca latent_pca(const torch::Tensor& test_latents, const ImageSet& test, const PcaSpec& spec);

// The wake/sleep overlap test of encoder and generator (OverlapSpec); latent_dim is the prior's.
WakeSleepOverlap wake_sleep_overlap(EncoderAreaImpl& encoder, GeneratorAreaImpl& generator, std::int64_t latent_dim,
                                    const ImageSet& test, const OverlapSpec& spec, torch::Device device);

// KL(p || q) between two pattern histograms (rows of `a` and `b`, int64), each
// smoothed by adding 0.5 to the count of every pattern seen in either.
double pattern_kl(const torch::Tensor& a, const torch::Tensor& b);
// The overlap test's symbols (OverlapSpec::bins), column by column, as int64: bins 0
// rounds; bins b >= 2 gives each value the count of thresholds t_j it exceeds, t_j the
// ceil(j n / b)-th smallest of the column's n wake values (j = 1 .. b-1). Thresholds are
// wake values themselves, so an increasing map of a column maps them with it: the
// symbols of wake and sleep do not change.
std::pair<torch::Tensor, torch::Tensor> overlap_symbols(const torch::Tensor& wake, const torch::Tensor& sleep,
                                                        std::int64_t bins);

// Everything the eval section enables; trained_epochs, final and encoder are left to the caller.
// Dream content needs the states' last dreams and the stored memories (none before training);
// generated images draw their prior samples from prior_seed (the run's seed) and read the
// images' normalisation from `data` (the run's data section); `dream_pools` are each
// sleeping state's last dreams, judged with the generated images.
EvaluationReport evaluate_areas(EncoderAreaImpl& encoder, GeneratorAreaImpl& generator, std::int64_t latent_dim,
                                const ImageSet& train, const ImageSet& test, const EvalSpec& spec, torch::Device device,
                                const std::vector<DreamBatch>& dreams = {}, const torch::Tensor& memories = {},
                                std::int64_t prior_seed = 0, const DataSpec& data = DataSpec{},
                                const std::vector<DreamBatch>& dream_pools = {});

}  // namespace somnus
