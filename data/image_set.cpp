#include "data/image_set.hpp"

#include <cmath>

#include "data/idx.hpp"

namespace somnus {

namespace {

// One output pixel's window of input pixels and their fixed-point weights.
struct Taps {
    int first = 0;
    std::vector<std::int32_t> weights;
};

constexpr int kPrecisionBits = 32 - 8 - 2;

std::vector<Taps> bilinear_taps(int in_size, int out_size) {
    const double scale = double(in_size) / out_size;
    const double filterscale = std::max(scale, 1.0);
    const double support = 1.0 * filterscale;  // the triangle filter has support 1
    std::vector<Taps> taps(out_size);
    for (int xx = 0; xx < out_size; ++xx) {
        const double center = (xx + 0.5) * scale;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        std::vector<double> w;
        double total = 0.0;
        for (int x = xmin; x < xmax; ++x) {
            double t = std::abs((x - center + 0.5) / filterscale);
            double v = t < 1.0 ? 1.0 - t : 0.0;
            w.push_back(v);
            total += v;
        }
        taps[xx].first = xmin;
        for (double v : w) {
            double k = total != 0.0 ? v / total : 0.0;
            double scaled = k * (1 << kPrecisionBits);
            taps[xx].weights.push_back(static_cast<std::int32_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5));
        }
    }
    return taps;
}

std::uint8_t clip8(std::int64_t accumulator) {
    std::int64_t v = accumulator >> kPrecisionBits;
    return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

}  // namespace

std::vector<std::uint8_t> resize_bilinear_u8(const std::uint8_t* image, int in_h, int in_w, int out_h, int out_w) {
    auto horizontal = bilinear_taps(in_w, out_w);
    auto vertical = bilinear_taps(in_h, out_h);
    std::vector<std::uint8_t> wide(static_cast<std::size_t>(in_h) * out_w);
    for (int y = 0; y < in_h; ++y)
        for (int x = 0; x < out_w; ++x) {
            std::int64_t acc = std::int64_t(1) << (kPrecisionBits - 1);
            const Taps& t = horizontal[x];
            for (std::size_t k = 0; k < t.weights.size(); ++k)
                acc += std::int64_t(image[y * in_w + t.first + int(k)]) * t.weights[k];
            wide[y * out_w + x] = clip8(acc);
        }
    std::vector<std::uint8_t> out(static_cast<std::size_t>(out_h) * out_w);
    for (int y = 0; y < out_h; ++y) {
        const Taps& t = vertical[y];
        for (int x = 0; x < out_w; ++x) {
            std::int64_t acc = std::int64_t(1) << (kPrecisionBits - 1);
            for (std::size_t k = 0; k < t.weights.size(); ++k)
                acc += std::int64_t(wide[(t.first + int(k)) * out_w + x]) * t.weights[k];
            out[y * out_w + x] = clip8(acc);
        }
    }
    return out;
}

torch::Tensor random_subset_rows(std::int64_t size, std::int64_t n, torch::Generator& rng) {
    auto order = torch::randperm(size, rng, torch::TensorOptions().dtype(torch::kInt64));  // host: data sets load on the CPU
    if (n > 0 && n < size) order = order.slice(0, 0, n);
    return order;
}

ImageSet random_subset(const ImageSet& set, std::int64_t n, torch::Generator& rng) {
    const auto order = random_subset_rows(set.size(), n, rng);
    return {set.images.index_select(0, order), set.labels.index_select(0, order)};
}

torch::Tensor in_classes(const torch::Tensor& labels, const std::vector<std::int64_t>& classes) {
    auto in = torch::zeros_like(labels, torch::kBool);
    for (std::int64_t c : classes) in.logical_or_(labels == c);
    return in;
}

ImageSet of_classes(const ImageSet& set, const std::vector<std::int64_t>& classes) {
    if (classes.empty()) return set;
    const auto rows = in_classes(set.labels, classes).nonzero().squeeze(1);
    return {set.images.index_select(0, rows), set.labels.index_select(0, rows)};
}

}  // namespace somnus
