#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "data/idx.hpp"
#include "data/image_set.hpp"
#include "data/occlusion.hpp"
#include "tests/helpers.hpp"

using namespace somnus;

namespace {
std::string data_error(const std::string& path) {
    try {
        read_idx(path);
    } catch (const DataError& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST(Idx, ReadsPlainAndGzipFiles) {
    auto dir = test::temp_dir("idx_roundtrip");
    std::vector<std::uint8_t> values(2 * 3 * 4);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint8_t>(i * 7);
    for (bool gz : {false, true}) {
        auto path = dir / (gz ? "a.gz" : "a");
        test::write_file(path, test::idx_bytes({2, 3, 4}, values), gz);
        IdxArray a = read_idx(path.string());
        EXPECT_EQ(a.dims, (std::vector<std::int64_t>{2, 3, 4}));
        EXPECT_EQ(a.values, values);
    }
}

TEST(Idx, TruncatedFileNamesFileAndOffset) {
    auto dir = test::temp_dir("idx_truncated");
    auto bytes = test::idx_bytes({10, 28, 28}, std::vector<std::uint8_t>(10 * 28 * 28, 1));
    bytes.resize(16 + 1000);  // header + 1000 of 7840 pixels
    for (bool gz : {false, true}) {
        auto path = dir / (gz ? "images.gz" : "images");
        test::write_file(path, bytes, gz);
        std::string e = data_error(path.string());
        EXPECT_NE(e.find(path.string()), std::string::npos) << e;
        EXPECT_NE(e.find("truncated"), std::string::npos) << e;
        EXPECT_NE(e.find("byte 1016"), std::string::npos) << e;
        EXPECT_NE(e.find("expected 7856"), std::string::npos) << e;
    }
    auto header_only = dir / "short";
    test::write_file(header_only, {0, 0, 8, 3, 0, 0}, false);
    EXPECT_NE(data_error(header_only.string()).find("the header ends at byte 6"), std::string::npos);
}

TEST(Idx, WrongMagicAndMissingFileAreErrors) {
    auto dir = test::temp_dir("idx_magic");
    auto path = dir / "not_idx";
    test::write_file(path, {'P', 'K', 3, 4, 0, 0, 0, 0}, false);
    std::string e = data_error(path.string());
    EXPECT_NE(e.find("bad magic number 0x504b0304"), std::string::npos) << e;
    EXPECT_NE(data_error((dir / "absent").string()).find("file not found"), std::string::npos);
    try {
        find_data_file(dir.string(), "train-images-idx3-ubyte", "install dataset-fashion-mnist");
        FAIL();
    } catch (const DataError& err) {
        EXPECT_NE(std::string(err.what()).find("train-images-idx3-ubyte(.gz): file not found; install"), std::string::npos);
    }
}

TEST(Resize, MatchesPilBilinearExactly) {
    std::vector<std::uint8_t> image(28 * 28);
    for (int i = 0; i < 28; ++i)
        for (int j = 0; j < 28; ++j) image[i * 28 + j] = static_cast<std::uint8_t>((37 * i + 11 * j + 13 * ((i * j) % 7)) % 256);
    std::ifstream golden(test::source_path("tests/data/pil_bilinear_28to32.txt"));
    std::string comment;
    std::getline(golden, comment);
    std::vector<int> expected((std::istream_iterator<int>(golden)), std::istream_iterator<int>());
    ASSERT_EQ(expected.size(), 32u * 32u);
    auto out = resize_bilinear_u8(image.data(), 28, 28, 32, 32);
    int mismatches = 0;
    for (std::size_t i = 0; i < out.size(); ++i) mismatches += out[i] != expected[i];
    EXPECT_EQ(mismatches, 0);
}

TEST(FashionMnist, LoadsResizesAndNormalises) {
    auto dir = test::temp_dir("fashion_loader");
    test::write_fake_fashion(dir, 30, 20);
    DataSpec spec;
    spec.path = dir.string();
    ImageSet train = load_fashion_mnist(spec, true), test = load_fashion_mnist(spec, false);
    EXPECT_EQ(train.images.sizes(), (std::vector<std::int64_t>{30, 1, 32, 32}));
    EXPECT_EQ(test.labels.sizes(), (std::vector<std::int64_t>{20}));
    EXPECT_EQ(train.labels[13].item<std::int64_t>(), 3);
    EXPECT_GE(train.images.min().item<float>(), -1.0f);
    EXPECT_LE(train.images.max().item<float>(), 1.0f);
    EXPECT_GT(train.images.max().item<float>(), 0.7f);  // the bright bar: 230/255 -> 0.80
    torch::Generator rng = at::detail::createCPUGenerator(1);
    ImageSet subset = random_subset(train, 7, rng);
    EXPECT_EQ(subset.size(), 7);
}

TEST(Occlusion, ExtremesAndTileStructure) {
    torch::manual_seed(0);
    EXPECT_EQ(occlusion_mask(32, 32, 0.0, 4).sum().item<float>(), 1024.0f);
    EXPECT_EQ(occlusion_mask(32, 32, 1.0, 4).sum().item<float>(), 0.0f);
    // Tiles of 3 on 32 px: an 11x11 grid whose last row and column are clipped to 2 px.
    auto mask = occlusion_mask(32, 32, 0.5, 3).squeeze();
    EXPECT_EQ(mask.sizes(), (std::vector<std::int64_t>{32, 32}));
    for (int r = 0; r < 32; ++r)
        for (int c = 0; c < 32; ++c)
            EXPECT_EQ(mask[r][c].item<float>(), mask[r / 3 * 3][c / 3 * 3].item<float>()) << r << "," << c;
}

TEST(Occlusion, DroppedFractionMatchesTheRate) {
    torch::manual_seed(1);
    auto masks = occlusion_masks(2000, 32, 32, 0.3, 4);  // 64 tiles per image
    EXPECT_EQ(masks.sizes(), (std::vector<std::int64_t>{2000, 1, 32, 32}));
    double dropped = 1.0 - masks.mean().item<double>();
    EXPECT_NEAR(dropped, 0.3, 0.01);
    // Masks differ between images.
    EXPECT_GT((masks[0] - masks[1]).abs().sum().item<float>(), 0.0f);
}
