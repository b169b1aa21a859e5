#include "data/perturbations.hpp"

#include <cmath>

namespace somnus {

torch::Tensor with_pixel_noise(const torch::Tensor& images, double sigma, double low, double high,
                               torch::Generator& rng) {
    TORCH_CHECK(sigma >= 0, "pixel noise: sigma must be >= 0, got ", sigma);
    auto eps = torch::randn(images.sizes(), rng, images.options());
    return (images + sigma * eps).clamp(low, high);
}

torch::Tensor blurred(const torch::Tensor& images, double sigma) {
    TORCH_CHECK(sigma > 0, "blur: sigma must be > 0, got ", sigma);
    const std::int64_t radius = static_cast<std::int64_t>(std::ceil(3 * sigma));
    // g(t) = exp(-t^2 / (2 sigma^2)) / sum, t = -radius..radius
    auto t = torch::arange(-radius, radius + 1, images.options());
    auto g = torch::exp(-t * t / (2 * sigma * sigma));
    g = g / g.sum();
    const std::int64_t channels = images.size(1);
    namespace F = torch::nn::functional;
    auto padded = F::pad(images, F::PadFuncOptions({radius, radius, radius, radius}).mode(torch::kReplicate));
    // Depthwise (groups = channels): rows, then columns.
    auto across = F::conv2d(padded, g.view({1, 1, 1, -1}).repeat({channels, 1, 1, 1}),
                            F::Conv2dFuncOptions().groups(channels));
    return F::conv2d(across, g.view({1, 1, -1, 1}).repeat({channels, 1, 1, 1}),
                     F::Conv2dFuncOptions().groups(channels));
}

torch::Tensor shifted(const torch::Tensor& images, std::int64_t pixels, double fill, torch::Generator& rng) {
    TORCH_CHECK(pixels >= 0, "shift: pixels must be >= 0, got ", pixels);
    const std::int64_t n = images.size(0), h = images.size(2), w = images.size(3);
    TORCH_CHECK(pixels < h && pixels < w, "shift: ", pixels, " pixels is not less than the image's side");
    if (pixels == 0) return images.clone();
    // 0: up, 1: down, 2: left, 3: right
    auto direction = torch::randint(4, {n}, rng, torch::kInt64);  // host: read with accessor below
    auto out = torch::full_like(images, fill);
    auto d = direction.accessor<std::int64_t, 1>();
    const std::int64_t p = pixels;
    for (std::int64_t i = 0; i < n; ++i) {
        auto src = images[i], dst = out[i];
        switch (d[i]) {
            case 0: dst.slice(1, 0, h - p).copy_(src.slice(1, p, h)); break;
            case 1: dst.slice(1, p, h).copy_(src.slice(1, 0, h - p)); break;
            case 2: dst.slice(2, 0, w - p).copy_(src.slice(2, p, w)); break;
            default: dst.slice(2, p, w).copy_(src.slice(2, 0, w - p)); break;
        }
    }
    return out;
}

}  // namespace somnus
