#include "sim/eval/evaluation.hpp"

#include <chrono>
#include <map>

#include "data/occlusion.hpp"
#include "sim/eval/generated_images.hpp"
#include "sim/eval/knn.hpp"
#include "sim/eval/readout.hpp"
#include "sim/eval/retention.hpp"

namespace somnus {

namespace {

// Mean Euclidean distance between rows a[i] and b[i].
double mean_distance(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).pow(2).sum(1).sqrt().mean().item<double>();
}

// n pairs of distinct positions in [0, size), drawn uniformly.
std::pair<torch::Tensor, torch::Tensor> distinct_pairs(std::int64_t size, std::int64_t n, torch::Generator& rng) {
    auto i = torch::randint(size, {n}, rng, torch::kInt64);      // host: indexes latents copied to the CPU
    auto j = torch::randint(size - 1, {n}, rng, torch::kInt64);  // host: as i
    j = j + (j >= i).to(torch::kInt64);                          // skip i itself
    return {i, j};
}

}  // namespace

LatentGeometry latent_geometry(EncoderAreaImpl& encoder, const torch::Tensor& test_latents, const ImageSet& test,
                               const LatentGeometrySpec& spec, torch::Device device) {
    TORCH_CHECK(test_latents.size(0) == test.size(), "latent geometry: the latents are not those of every test image");
    torch::Generator rng = at::detail::createCPUGenerator(static_cast<std::uint64_t>(spec.seed));
    auto z = test_latents.cpu();
    auto labels = test.labels.cpu();
    LatentGeometry g;
    g.images = test.size();
    g.occlusion_level = spec.occlusion_level;
    g.occlusion_tile = spec.occlusion_tile;

    auto classes = std::get<0>(at::_unique(labels, /*sorted=*/true));
    for (std::int64_t c = 0; c < classes.size(0); ++c) {
        auto members = (labels == classes[c]).nonzero().squeeze(1);
        if (members.size(0) < 2) continue;
        auto [i, j] = distinct_pairs(members.size(0), spec.intra_pairs, rng);
        g.intra_class.push_back(mean_distance(z.index_select(0, members.index_select(0, i)),
                                              z.index_select(0, members.index_select(0, j))));
    }
    TORCH_CHECK(!g.intra_class.empty(), "latent geometry: no class has two test images");
    for (double d : g.intra_class) g.intra += d;
    g.intra /= double(g.intra_class.size());

    // Pairs of different classes: draw pairs of distinct images, keep those whose labels differ.
    std::vector<torch::Tensor> from, to;
    std::int64_t kept = 0;
    for (int attempt = 0; kept < spec.inter_pairs && attempt < 100; ++attempt) {
        auto [i, j] = distinct_pairs(g.images, 2 * spec.inter_pairs, rng);
        auto differ = (labels.index_select(0, i) != labels.index_select(0, j)).nonzero().squeeze(1);
        differ = differ.slice(0, 0, spec.inter_pairs - kept);
        from.push_back(i.index_select(0, differ));
        to.push_back(j.index_select(0, differ));
        kept += differ.size(0);
    }
    TORCH_CHECK(kept == spec.inter_pairs, "latent geometry: the test set has a single class");
    g.inter = mean_distance(z.index_select(0, torch::cat(from)), z.index_select(0, torch::cat(to)));

    // Each picked image against its own occluded version (one mask per image).
    auto picked = torch::randint(g.images, {spec.occluded_pairs}, rng,
                                 torch::kInt64);  // host: indexes CPU latents; moved for the images
    auto images = test.images.index_select(0, picked.to(test.images.device()));
    auto masks = occlusion_masks(images.size(0), images.size(2), images.size(3), spec.occlusion_level,
                                 spec.occlusion_tile, images.options(), rng);
    auto z_occluded = encode_latents(encoder, images * masks, device).cpu();
    g.clean_occluded = mean_distance(z.index_select(0, picked), z_occluded);
    return g;
}

LatentPca latent_pca(const torch::Tensor& test_latents, const ImageSet& test, const PcaSpec& spec) {
    const std::int64_t n = std::min(spec.images, test.size());
    TORCH_CHECK(test_latents.size(0) >= n, "latent PCA: fewer latents than images to project");
    auto z = test_latents.slice(0, 0, n).cpu().to(torch::kFloat64);
    z = z - z.mean(0, true);
    // ATen's linalg_svd: LibTorch 2.11's headers no longer carry the torch::linalg namespace.
    auto [u, s, vh] = torch::linalg_svd(z, /*full_matrices=*/false);
    // Sign convention: each component's largest loading is positive, so runs compare.
    auto v = vh.slice(0, 0, 2).t();  // (D, 2)
    auto largest = v.abs().argmax(0);
    auto signs = v.gather(0, largest.unsqueeze(0)).sign();
    signs.masked_fill_(signs == 0, 1.0);
    v = v * signs;
    auto projection = torch::matmul(z, v).to(torch::kFloat32).contiguous();
    auto variance = s.pow(2);
    variance = variance / variance.sum();

    LatentPca pca;
    pca.images = n;
    pca.components = std::min<std::int64_t>(spec.components, variance.size(0));
    pca.projection.assign(projection.data_ptr<float>(), projection.data_ptr<float>() + projection.numel());
    auto labels = test.labels.slice(0, 0, n).cpu().contiguous();
    pca.labels.assign(labels.data_ptr<std::int64_t>(), labels.data_ptr<std::int64_t>() + n);
    for (std::int64_t k = 0; k < pca.components; ++k) pca.explained_variance.push_back(variance[k].item<double>());
    return pca;
}

double pattern_kl(const torch::Tensor& a, const torch::Tensor& b) {
    auto count = [](const torch::Tensor& rows) {
        std::map<std::vector<std::int64_t>, double> counts;
        auto r = rows.to(torch::kCPU).to(torch::kInt64).contiguous();
        const std::int64_t n = r.size(0), k = r.size(1);
        const std::int64_t* data = r.data_ptr<std::int64_t>();
        for (std::int64_t i = 0; i < n; ++i) counts[std::vector<std::int64_t>(data + i * k, data + (i + 1) * k)] += 1.0;
        return counts;
    };
    auto p = count(a), q = count(b);
    std::map<std::vector<std::int64_t>, std::pair<double, double>> both;
    for (const auto& [pattern, c] : p) both[pattern].first = c;
    for (const auto& [pattern, c] : q) both[pattern].second = c;
    const double u = double(both.size());
    const double np = double(a.size(0)) + 0.5 * u, nq = double(b.size(0)) + 0.5 * u;
    double kl = 0;
    for (const auto& [pattern, c] : both) {
        const double pp = (c.first + 0.5) / np, qq = (c.second + 0.5) / nq;
        kl += pp * std::log(pp / qq);
    }
    return kl;
}

std::pair<torch::Tensor, torch::Tensor> overlap_symbols(const torch::Tensor& wake, const torch::Tensor& sleep,
                                                        std::int64_t bins) {
    if (bins == 0) return {wake.round().to(torch::kInt64), sleep.round().to(torch::kInt64)};
    TORCH_CHECK(bins >= 2, "overlap: bins must be 0 or at least 2");
    const std::int64_t n = wake.size(0);
    auto sorted = std::get<0>(wake.sort(0));  // (n, units), each column ascending
    auto w = torch::zeros(wake.sizes(), wake.options().dtype(torch::kInt64));
    auto s = torch::zeros(sleep.sizes(), sleep.options().dtype(torch::kInt64));
    for (std::int64_t j = 1; j < bins; ++j) {
        const std::int64_t rank = std::max<std::int64_t>((j * n + bins - 1) / bins - 1, 0);  // ceil(j n / b) - 1
        auto threshold = sorted[rank].unsqueeze(0);                                           // (1, units)
        w += (wake > threshold).to(torch::kInt64);
        s += (sleep > threshold).to(torch::kInt64);
    }
    return {w, s};
}

WakeSleepOverlap wake_sleep_overlap(EncoderAreaImpl& encoder, GeneratorAreaImpl& generator, std::int64_t latent_dim,
                                    const ImageSet& test, const OverlapSpec& spec, torch::Device device) {
    torch::NoGradGuard no_grad;
    auto rng = at::detail::createCPUGenerator(static_cast<std::uint64_t>(spec.seed));
    const std::int64_t n = spec.samples;
    auto index =
        torch::arange(n, torch::kInt64).remainder(test.size());  // host: indexes the test set, which stays on the CPU
    auto sleep_z = torch::randn({n, latent_dim}, rng, torch::TensorOptions().dtype(torch::kFloat32));
    std::vector<torch::Tensor> wx, wz, sx;
    for (std::int64_t i = 0; i < n; i += 500) {
        auto x = test.images.index_select(0, index.slice(0, i, std::min(i + 500, n))).to(device);
        wx.push_back(x.flatten(1).cpu());
        wz.push_back(encoder.sample_latent(x).cpu());
        sx.push_back(generator.sample_image(sleep_z.slice(0, i, std::min(i + 500, n)).to(device)).flatten(1).cpu());
    }
    auto [wake, sleep] =
        overlap_symbols(torch::cat({torch::cat(wx), torch::cat(wz)}, 1), torch::cat({torch::cat(sx), sleep_z}, 1), spec.bins);

    // Pixels from the central half of the image (the border is blank in digit sets), then latent units.
    const std::int64_t pixels = wx.front().size(1), side = test.images.size(-1), channels = test.images.size(1);
    std::vector<std::int64_t> central;
    for (std::int64_t c = 0; c < channels; ++c)
        for (std::int64_t y = side / 4; y < side - side / 4; ++y)
            for (std::int64_t x = side / 4; x < side - side / 4; ++x) central.push_back((c * side + y) * side + x);
    auto central_t = torch::tensor(central, torch::kInt64);  // host: the patterns are counted on the CPU
    WakeSleepOverlap out;
    out.samples = n;
    for (std::int64_t k : spec.units) {
        auto px = central_t.index_select(0, torch::randperm(central_t.size(0), rng, torch::kInt64)
                                                .slice(0, 0, std::min(k, central_t.size(0))));  // host: as central_t
        auto zu = torch::randperm(latent_dim, rng, torch::kInt64).slice(0, 0, std::min(k, latent_dim)) +
                  pixels;  // host: as central_t
        auto units = torch::cat({px, zu});
        auto w = wake.index_select(1, units), s = sleep.index_select(1, units);
        WakeSleepOverlap::Test t;
        t.units = k;
        t.kl = pattern_kl(w, s);
        t.floor = pattern_kl(w.slice(0, 0, n / 2), w.slice(0, n / 2, 2 * (n / 2)));
        t.wake_patterns = std::get<0>(at::unique_dim(w, 0)).size(0);
        t.sleep_patterns = std::get<0>(at::unique_dim(s, 0)).size(0);
        out.tests.push_back(t);
    }
    return out;
}

EvaluationReport evaluate_areas(EncoderAreaImpl& encoder, GeneratorAreaImpl& generator, std::int64_t latent_dim,
                                const ImageSet& train, const ImageSet& test, const EvalSpec& spec, torch::Device device,
                                const std::vector<DreamBatch>& dreams, const torch::Tensor& memories,
                                std::int64_t prior_seed, const DataSpec& data,
                                const std::vector<DreamBatch>& dream_pools) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto lap = start;
    EvaluationReport report;
    auto timed = [&](const char* part) {  // the seconds since the last part ended
        const auto now = Clock::now();
        report.part_seconds.emplace_back(part, std::chrono::duration<double>(now - lap).count());
        lap = now;
    };
    // Each image set once, for every part (occluded and dreamt images are each part's own).
    const EvaluationLatents latents = encode_for_evaluation(encoder, train, test, spec, device);
    timed("encoding");
    TrainedReadout readout;
    if (spec.linear_readout.enabled) {
        report.readout = linear_readout(encoder, latents, train, test, spec.linear_readout, data.std, device, &readout);
        timed("linear_readout");
    }
    if (spec.knn_readout.enabled) {
        report.knn = knn_readout(latents, train, test, spec.knn_readout, device);
        timed("knn_readout");
    }
    if (spec.generated_images.enabled) {
        report.generated_images = generated_images(generator, latent_dim, latents.test, train, test,
                                                   spec.generated_images, data, prior_seed, device, dream_pools);
        timed("generated_images");
    }
    if (spec.dream_content.enabled && readout.classifier && !dreams.empty()) {
        report.dream_content =
            dream_content(encoder, readout, dreams, memories, latents.test, spec.dream_content, device);
        timed("dream_content");
    }
    if (spec.latent_geometry.enabled) {
        report.geometry = latent_geometry(encoder, latents.test, test, spec.latent_geometry, device);
        timed("latent_geometry");
    }
    if (spec.pca.enabled) {
        report.pca = latent_pca(latents.test, test, spec.pca);
        timed("pca");
    }
    if (spec.overlap.enabled) {
        report.overlap = wake_sleep_overlap(encoder, generator, latent_dim, test, spec.overlap, device);
        timed("overlap");
    }
    if (spec.retention.enabled) {
        report.retention = retention(generator, latents, train, test, spec.retention, device);
        timed("retention");
    }
    report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return report;
}

}  // namespace somnus
