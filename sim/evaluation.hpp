// Evaluations of a (frozen) encoder, as the paper reports them: linear readout
// (sim/readout.hpp), latent-space distance ratios and a PCA of the latents.
#pragma once

#include <torch/torch.h>

#include "areas/pad_areas.hpp"
#include "data/image_set.hpp"
#include "sim/observer.hpp"

namespace somnus {

// Intra-class, inter-class and clean-vs-occluded distances between latents of
// random test-image pairs (the paper's Methods, "Latent space organization metrics").
LatentGeometry latent_geometry(PadEncoder& encoder, const ImageSet& test, const LatentGeometrySpec& spec,
                               torch::Device device);

// The first `spec.images` test latents on their principal components.
LatentPca latent_pca(PadEncoder& encoder, const ImageSet& test, const PcaSpec& spec, torch::Device device);

// Everything the eval section enables; trained_epochs, final and encoder are left to the caller.
EvaluationReport evaluate_encoder(PadEncoder& encoder, const ImageSet& train, const ImageSet& test,
                                  const EvalSpec& spec, torch::Device device);

}  // namespace somnus
