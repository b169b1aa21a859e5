#include <matio.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include <gtest/gtest.h>

#include "data/datasets.hpp"
#include "data/idx.hpp"
#include "data/image_set.hpp"
#include "data/occlusion.hpp"
#include "tests/helpers.hpp"

using namespace somnus;
namespace fs = std::filesystem;

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
        EXPECT_NE(std::string(err.what()).find("train-images-idx3-ubyte(.gz): file not found; install"),
                  std::string::npos);
    }
}

TEST(Idx, EmptyCorruptAndFolderInputsSayWhatAndWhere) {
    auto dir = test::temp_dir("idx_corrupt");
    auto empty = dir / "empty.gz";
    test::write_file(empty, {}, false);
    EXPECT_EQ(data_error(empty.string()),
              empty.string() + ": truncated file: the header ends at byte 0, expected 4 bytes");

    // A gzip stream whose deflate blocks are overwritten: zlib's reason, where in the file, where in the data.
    auto good = dir / "good.gz";
    test::write_file(good, test::idx_bytes({50, 28, 28}, std::vector<std::uint8_t>(50 * 28 * 28, 7)), true);
    std::ifstream in(good, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::size_t i = 12; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xff - i % 7);
    auto corrupt = dir / "corrupt.gz";
    std::ofstream(corrupt, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::string e = data_error(corrupt.string());
    EXPECT_EQ(e.rfind(corrupt.string() + ": corrupt compressed data (", 0), 0u) << e;
    EXPECT_NE(e.find(") near byte "), std::string::npos) << e;
    EXPECT_NE(e.find(" of the file, byte 0 of the uncompressed data"), std::string::npos) << e;
    EXPECT_EQ(e.find(corrupt.string(), 1), std::string::npos) << "the path once: " << e;

    fs::create_directories(dir / "folder.gz");
    EXPECT_EQ(data_error((dir / "folder.gz").string()),
              (dir / "folder.gz").string() + ": is a folder, not a data file");
}

TEST(Resize, MatchesPilBilinearExactly) {
    std::vector<std::uint8_t> image(28 * 28);
    for (int i = 0; i < 28; ++i)
        for (int j = 0; j < 28; ++j)
            image[i * 28 + j] = static_cast<std::uint8_t>((37 * i + 11 * j + 13 * ((i * j) % 7)) % 256);
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
    ImageSet train = load_images(spec, true), test = load_images(spec, false);
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

// ---- MNIST, CIFAR-10, SVHN: small files written in the real formats ----------------

namespace {

std::string load_error(const DataSpec& spec, bool train) {
    try {
        load_images(spec, train);
    } catch (const DataError& e) {
        return e.what();
    }
    return "(no error)";
}

// CIFAR-10 binary records: label byte, then 1024 R, 1024 G, 1024 B bytes (row-major).
// Image i: label i % 10, channel c of pixel (r, x) = (i + 3c + r + 2x) % 256.
std::vector<std::uint8_t> cifar_records(int n, int first) {
    std::vector<std::uint8_t> bytes;
    for (int i = first; i < first + n; ++i) {
        bytes.push_back(static_cast<std::uint8_t>(i % 10));
        for (int c = 0; c < 3; ++c)
            for (int r = 0; r < 32; ++r)
                for (int x = 0; x < 32; ++x) bytes.push_back(static_cast<std::uint8_t>((i + 3 * c + r + 2 * x) % 256));
    }
    return bytes;
}

// An SVHN cropped-digits file: X 32x32x3xN uint8 (MATLAB order), y Nx1 double with 10 for the digit 0.
void write_svhn(const fs::path& path, int n, bool with_y = true) {
    std::vector<std::uint8_t> x(32 * 32 * 3 * n);
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < 3; ++c)
            for (int col = 0; col < 32; ++col)
                for (int row = 0; row < 32; ++row)  // X(row, col, c, i), column-major
                    x[row + 32 * col + 1024 * c + 3072 * i] =
                        static_cast<std::uint8_t>((row + 5 * col + 50 * c + i) % 256);
    std::vector<double> y(n);
    for (int i = 0; i < n; ++i) y[i] = i % 10 == 0 ? 10 : i % 10;
    mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
    size_t xdims[4] = {32, 32, 3, size_t(n)}, ydims[2] = {size_t(n), 1};
    matvar_t* vx = Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, xdims, x.data(), 0);
    Mat_VarWrite(mat, vx, MAT_COMPRESSION_NONE);
    Mat_VarFree(vx);
    if (with_y) {
        matvar_t* vy = Mat_VarCreate("y", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, ydims, y.data(), 0);
        Mat_VarWrite(mat, vy, MAT_COMPRESSION_NONE);
        Mat_VarFree(vy);
    }
    Mat_Close(mat);
}

}  // namespace

TEST(Mnist, ReadsIdxFilesAndSaysWhereToDownload) {
    auto dir = test::temp_dir("mnist_loader");
    DataSpec spec;
    spec.dataset = Dataset::mnist;
    spec.path = dir.string();
    std::string missing = load_error(spec, true);
    EXPECT_NE(missing.find("train-images-idx3-ubyte(.gz): file not found"), std::string::npos) << missing;
    EXPECT_NE(missing.find("ossci-datasets.s3.amazonaws.com/mnist"), std::string::npos) << missing;
    test::write_fake_fashion(dir, 20, 10);  // the same IDX layout
    ImageSet test = load_images(spec, false);
    EXPECT_EQ(test.images.sizes(), (std::vector<std::int64_t>{10, 1, 32, 32}));
    EXPECT_EQ(dataset_channels(Dataset::mnist), 1);
}

TEST(Cifar10, ReadsTheBinaryVersionChannelByChannel) {
    auto dir = test::temp_dir("cifar_loader");
    DataSpec spec;
    spec.dataset = Dataset::cifar10;
    spec.path = dir.string();
    std::string missing = load_error(spec, true);
    EXPECT_NE(missing.find("data_batch_1.bin: file not found"), std::string::npos) << missing;
    EXPECT_NE(missing.find("cifar-10-binary.tar.gz"), std::string::npos) << missing;

    fs::create_directories(dir / "cifar-10-batches-bin");  // as the archive unpacks
    for (int b = 1; b <= 5; ++b)
        test::write_file(dir / "cifar-10-batches-bin" / ("data_batch_" + std::to_string(b) + ".bin"),
                         cifar_records(4, 4 * (b - 1)), false);
    test::write_file(dir / "cifar-10-batches-bin" / "test_batch.bin", cifar_records(6, 100), false);
    ImageSet train = load_images(spec, true), test = load_images(spec, false);
    EXPECT_EQ(train.images.sizes(), (std::vector<std::int64_t>{20, 3, 32, 32}));
    EXPECT_EQ(test.images.sizes(), (std::vector<std::int64_t>{6, 3, 32, 32}));
    EXPECT_EQ(train.labels[13].item<std::int64_t>(), 3);
    EXPECT_EQ(test.labels[0].item<std::int64_t>(), 0);  // image 100
    // Image 13, channel 2 (blue), row 5, column 7: (13 + 6 + 5 + 14) = 38 -> (38/255 - 0.5)/0.5.
    EXPECT_NEAR(train.images[13][2][5][7].item<float>(), (38 / 255.0 - 0.5) / 0.5, 1e-6);
    EXPECT_EQ(dataset_channels(Dataset::cifar10), 3);

    auto bytes = cifar_records(3, 0);
    bytes.resize(2 * 3073 + 100);
    test::write_file(dir / "cifar-10-batches-bin" / "test_batch.bin", bytes, false);
    std::string truncated = load_error(spec, false);
    EXPECT_NE(truncated.find("test_batch.bin: truncated file"), std::string::npos) << truncated;
    EXPECT_NE(truncated.find("starts at byte 6146"), std::string::npos) << truncated;
    bytes = cifar_records(3, 0);
    bytes[3073] = 42;  // record 1's label
    test::write_file(dir / "cifar-10-batches-bin" / "test_batch.bin", bytes, false);
    std::string bad_label = load_error(spec, false);
    EXPECT_NE(bad_label.find("label 42 at byte 3073"), std::string::npos) << bad_label;
}

TEST(Svhn, ReadsMatFilesInMatlabOrderWithDigitZeroAsTen) {
    auto dir = test::temp_dir("svhn_loader");
    DataSpec spec;
    spec.dataset = Dataset::svhn;
    spec.path = dir.string();
    std::string missing = load_error(spec, false);
    EXPECT_NE(missing.find("test_32x32.mat: file not found"), std::string::npos) << missing;
    EXPECT_NE(missing.find("ufldl.stanford.edu/housenumbers"), std::string::npos) << missing;

    write_svhn(dir / "test_32x32.mat", 12);
    ImageSet test = load_images(spec, false);
    ASSERT_EQ(test.images.sizes(), (std::vector<std::int64_t>{12, 3, 32, 32}));
    EXPECT_EQ(test.labels[0].item<std::int64_t>(), 0);  // y = 10
    EXPECT_EQ(test.labels[7].item<std::int64_t>(), 7);
    // Image 3, channel 1, row 2, column 4: (2 + 20 + 50 + 3) = 75; a row/column swap would give (4 + 10 + 53) = 67.
    EXPECT_NEAR(test.images[3][1][2][4].item<float>(), (75 / 255.0 - 0.5) / 0.5, 1e-6);

    write_svhn(dir / "test_32x32.mat", 12, /*with_y=*/false);
    std::string no_labels = load_error(spec, false);
    EXPECT_NE(no_labels.find("no readable variable \"y\""), std::string::npos) << no_labels;
    test::write_file(dir / "test_32x32.mat", {'n', 'o', 't', ' ', 'm', 'a', 't'}, false);
    std::string foreign = load_error(spec, false);
    EXPECT_NE(foreign.find("test_32x32.mat: not a readable MATLAB .mat file"), std::string::npos) << foreign;
}
