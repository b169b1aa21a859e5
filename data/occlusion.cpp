#include "data/occlusion.hpp"

namespace somnus {

torch::Tensor occlusion_masks(std::int64_t batch, std::int64_t height, std::int64_t width, double drop_rate,
                              std::int64_t tile, const torch::TensorOptions& options,
                              c10::optional<torch::Generator> generator) {
    TORCH_CHECK(tile >= 1, "occlusion tile size must be >= 1, got ", tile);
    const std::int64_t rows = (height + tile - 1) / tile, cols = (width + tile - 1) / tile;
    auto keep = (torch::rand({batch, 1, rows, cols}, generator, options.dtype(torch::kFloat32)) >= drop_rate)
                    .to(options.dtype(torch::kFloat32));
    return keep.repeat_interleave(tile, 2).repeat_interleave(tile, 3).slice(2, 0, height).slice(3, 0, width);
}

torch::Tensor occlusion_mask(std::int64_t height, std::int64_t width, double drop_rate, std::int64_t tile,
                             const torch::TensorOptions& options) {
    return occlusion_masks(1, height, width, drop_rate, tile, options);
}

}  // namespace somnus
