#include "data/datasets.hpp"

#include <matio.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

#include "data/idx.hpp"

namespace somnus {

namespace {

namespace fs = std::filesystem;

// ---- file locations ----------------------------------------------------------------

const char* kMnistHint =
    "download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
    "t10k-labels-idx1-ubyte.gz from https://ossci-datasets.s3.amazonaws.com/mnist/ (the files of "
    "yann.lecun.com/exdb/mnist) into data.path";
const char* kFashionHint =
    "install the Debian package dataset-fashion-mnist, or set data.path to a folder holding the Fashion-MNIST "
    "IDX files (github.com/zalandoresearch/fashion-mnist)";
const char* kCifarHint =
    "download the CIFAR-10 binary version, https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, and "
    "unpack it into data.path (the folder cifar-10-batches-bin/ may be data.path itself or inside it)";
const char* kSvhnHint =
    "download the cropped digits, http://ufldl.stanford.edu/housenumbers/train_32x32.mat and test_32x32.mat, "
    "into data.path";

std::string existing(const fs::path& file, const char* hint) {
    if (!fs::exists(file)) throw DataError(file.string() + ": file not found; " + std::string(hint));
    return file.string();
}

std::vector<std::string> cifar_files(const std::string& directory, bool train) {
    fs::path dir = directory;
    if (!fs::exists(dir / "test_batch.bin") && fs::exists(dir / "cifar-10-batches-bin")) dir /= "cifar-10-batches-bin";
    std::vector<std::string> files;
    if (train)
        for (int i = 1; i <= 5; ++i)
            files.push_back(existing(dir / ("data_batch_" + std::to_string(i) + ".bin"), kCifarHint));
    else
        files.push_back(existing(dir / "test_batch.bin", kCifarHint));
    return files;
}

torch::Tensor normalise(const torch::Tensor& pixels, const DataSpec& data) {
    return (pixels.to(torch::kFloat32).div_(255.0f) - data.mean) / data.std;
}

// ---- IDX (MNIST, Fashion-MNIST) ----------------------------------------------------

// An IDX label file's labels as classes (int64), each checked to be a class 0-9.
torch::Tensor classes_of(IdxArray& labels, const std::string& label_file) {
    for (std::size_t i = 0; i < labels.values.size(); ++i)
        if (labels.values[i] > 9)
            throw DataError(label_file + ": label " + std::to_string(labels.values[i]) + " at byte " +
                            std::to_string(8 + i) + " is not a class 0-9");
    return torch::from_blob(labels.values.data(), {labels.dims[0]}, torch::kUInt8)  // host: data sets load on the CPU
        .to(torch::kInt64);
}

ImageSet read_idx_set(const std::string& image_file, const std::string& label_file, const DataSpec& data) {
    IdxArray images = read_idx(image_file);
    IdxArray labels = read_idx(label_file);
    if (images.dims.size() != 3)
        throw DataError(image_file + ": expected 3 dimensions (N, rows, cols), found " +
                        std::to_string(images.dims.size()));
    if (labels.dims.size() != 1 || labels.dims[0] != images.dims[0])
        throw DataError(label_file + ": " + std::to_string(labels.dims.empty() ? 0 : labels.dims[0]) + " labels for " +
                        std::to_string(images.dims[0]) + " images in " + image_file);
    const torch::Tensor classes = classes_of(labels, label_file);

    const std::int64_t n = images.dims[0], h = images.dims[1], w = images.dims[2];
    constexpr int kSide = 32;
    auto pixels =
        torch::empty({n, 1, kSide, kSide}, torch::kUInt8);  // host: data sets load on the CPU; the runner moves them
    auto* dst = pixels.data_ptr<std::uint8_t>();
    for (std::int64_t i = 0; i < n; ++i) {
        auto resized = resize_bilinear_u8(images.values.data() + i * h * w, int(h), int(w), kSide, kSide);
        std::copy(resized.begin(), resized.end(), dst + i * kSide * kSide);
    }
    return {normalise(pixels, data), classes};
}

// ---- SVHN (.mat) -------------------------------------------------------------------

struct MatCloser {
    void operator()(mat_t* m) const { Mat_Close(m); }
};
struct VarFreer {
    void operator()(matvar_t* v) const { Mat_VarFree(v); }
};

std::unique_ptr<matvar_t, VarFreer> read_variable(mat_t* mat, const std::string& file, const char* name) {
    std::unique_ptr<matvar_t, VarFreer> var(Mat_VarRead(mat, name));
    if (!var) throw DataError(file + ": no readable variable \"" + name + "\" (a truncated or foreign .mat file?)");
    return var;
}

std::vector<std::int64_t> dims_of(const matvar_t* var) {
    return std::vector<std::int64_t>(var->dims, var->dims + var->rank);
}

std::string dims_text(const std::vector<std::int64_t>& dims) {
    std::string text;
    for (auto d : dims) text += (text.empty() ? "" : "x") + std::to_string(d);
    return text;
}

// A numeric matvar's values as doubles.
std::vector<double> numeric_values(const matvar_t* var, const std::string& file, const char* name) {
    std::size_t n = 1;
    for (int d = 0; d < var->rank; ++d) n *= var->dims[d];
    std::vector<double> out(n);
    auto copy = [&](auto* p) {
        for (std::size_t i = 0; i < n; ++i) out[i] = double(p[i]);
    };
    switch (var->class_type) {
        case MAT_C_DOUBLE: copy(static_cast<const double*>(var->data)); break;
        case MAT_C_SINGLE: copy(static_cast<const float*>(var->data)); break;
        case MAT_C_UINT8: copy(static_cast<const std::uint8_t*>(var->data)); break;
        case MAT_C_INT8: copy(static_cast<const std::int8_t*>(var->data)); break;
        case MAT_C_UINT16: copy(static_cast<const std::uint16_t*>(var->data)); break;
        case MAT_C_INT16: copy(static_cast<const std::int16_t*>(var->data)); break;
        case MAT_C_INT32: copy(static_cast<const std::int32_t*>(var->data)); break;
        case MAT_C_INT64: copy(static_cast<const std::int64_t*>(var->data)); break;
        default: throw DataError(file + ": variable \"" + name + "\" is not a numeric array");
    }
    return out;
}

}  // namespace

std::int64_t dataset_classes(Dataset) { return 10; }

torch::Tensor load_labels(const DataSpec& data, bool train) {
    if (data.dataset == Dataset::cifar10 || data.dataset == Dataset::svhn) return load_images(data, train).labels;
    const auto files = dataset_files(data);
    const std::string& file = files[train ? 1 : 3];
    IdxArray labels = read_idx(file);
    if (labels.dims.size() != 1) throw DataError(file + ": expected 1 dimension (N), found " + std::to_string(labels.dims.size()));
    return classes_of(labels, file);
}

std::int64_t dataset_channels(Dataset dataset) {
    return dataset == Dataset::cifar10 || dataset == Dataset::svhn ? 3 : 1;
}

std::int64_t training_set_size(const DataSpec& data) {
    const auto files = dataset_files(data);
    if (data.dataset == Dataset::cifar10) {  // records of 1 label byte + 32 x 32 x 3 pixels, in the training batches
        std::uintmax_t bytes = 0;
        for (std::size_t i = 0; i + 1 < files.size(); ++i) bytes += fs::file_size(files[i]);
        return static_cast<std::int64_t>(bytes / (1 + 3 * 32 * 32));
    }
    if (data.dataset == Dataset::svhn) return 73257;  // the train_32x32.mat of the Stanford release
    return read_idx_dims(files.at(0)).at(0);          // the training images' IDX header
}

std::int64_t training_images(const DataSpec& data) {
    return data.train_subset > 0 ? data.train_subset : training_set_size(data);
}

std::vector<std::string> dataset_files(const DataSpec& data) {
    if (data.dataset == Dataset::cifar10) {
        auto files = cifar_files(data.path, true);
        files.push_back(cifar_files(data.path, false).at(0));
        return files;
    }
    if (data.dataset == Dataset::svhn)
        return {existing(fs::path(data.path) / "train_32x32.mat", kSvhnHint),
                existing(fs::path(data.path) / "test_32x32.mat", kSvhnHint)};
    const char* hint = data.dataset == Dataset::mnist ? kMnistHint : kFashionHint;
    std::vector<std::string> files;
    for (const char* base :
         {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
        files.push_back(find_data_file(data.path, base, hint));
    return files;
}

ImageSet read_cifar10_batches(const std::vector<std::string>& files, const DataSpec& data) {
    constexpr std::int64_t kRecord = 1 + 3 * 32 * 32;
    std::vector<torch::Tensor> images, labels;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) throw DataError(file + ": cannot open for reading");
        const auto size = static_cast<std::int64_t>(fs::file_size(file));
        if (size == 0 || size % kRecord != 0)
            throw DataError(file + ": truncated file: " + std::to_string(size) + " bytes is not a whole number of " +
                            std::to_string(kRecord) + "-byte records (the last record starts at byte " +
                            std::to_string(size / kRecord * kRecord) + ")");
        const std::int64_t n = size / kRecord;
        auto raw = torch::empty({n, kRecord}, torch::kUInt8);  // host: as above
        if (!in.read(reinterpret_cast<char*>(raw.data_ptr<std::uint8_t>()), size))
            throw DataError(file + ": read failed after byte " + std::to_string(in.gcount()));
        auto label = raw.select(1, 0);
        auto bad = (label > 9).nonzero();
        if (bad.size(0) > 0) {
            std::int64_t record = bad[0][0].item<std::int64_t>();
            throw DataError(file + ": label " + std::to_string(label[record].item<int>()) + " at byte " +
                            std::to_string(record * kRecord) + " is not a class 0-9 (not a CIFAR-10 batch?)");
        }
        images.push_back(raw.slice(1, 1).reshape({n, 3, 32, 32}));  // R, G, B planes, each row-major
        labels.push_back(label.to(torch::kInt64));
    }
    return {normalise(torch::cat(images), data), torch::cat(labels)};
}

ImageSet read_svhn_mat(const std::string& file, const DataSpec& data) {
    if (!fs::exists(file)) throw DataError(file + ": file not found; " + std::string(kSvhnHint));
    std::unique_ptr<mat_t, MatCloser> mat(Mat_Open(file.c_str(), MAT_ACC_RDONLY));
    if (!mat) throw DataError(file + ": not a readable MATLAB .mat file");
    auto x = read_variable(mat.get(), file, "X");
    auto y = read_variable(mat.get(), file, "y");
    auto xd = dims_of(x.get());
    if (x->class_type != MAT_C_UINT8 || xd.size() != 4 || xd[0] != 32 || xd[1] != 32 || xd[2] != 3)
        throw DataError(file + ": X is " + dims_text(xd) + (x->class_type == MAT_C_UINT8 ? " uint8" : " non-uint8") +
                        ", expected 32x32x3xN uint8 (the cropped-digits format)");
    const std::int64_t n = xd[3];
    auto labels = numeric_values(y.get(), file, "y");
    if (static_cast<std::int64_t>(labels.size()) != n)
        throw DataError(file + ": " + std::to_string(labels.size()) + " labels (y) for " + std::to_string(n) +
                        " images (X)");
    // MATLAB is column-major: X(row, col, channel, image) lies at row + 32 col + 1024 channel + 3072 image.
    auto pixels =
        torch::from_blob(x->data, {n, 3, 32, 32}, torch::kUInt8).transpose(2, 3).contiguous();  // host: as above
    std::vector<std::int64_t> classes(n);
    for (std::int64_t i = 0; i < n; ++i) {
        double v = labels[i];
        if (v != std::floor(v) || v < 0 || v > 10)
            throw DataError(file + ": label y(" + std::to_string(i + 1) + ") = " + std::to_string(v) +
                            " is not a digit class 1-10");
        classes[i] = static_cast<std::int64_t>(v) % 10;  // SVHN writes the digit 0 as class 10
    }
    return {normalise(pixels, data), torch::tensor(classes, torch::kInt64)};  // host: as above
}

ImageSet load_images(const DataSpec& data, bool train) {
    if (data.dataset == Dataset::cifar10) return read_cifar10_batches(cifar_files(data.path, train), data);
    if (data.dataset == Dataset::svhn)
        return read_svhn_mat(existing(fs::path(data.path) / (train ? "train_32x32.mat" : "test_32x32.mat"), kSvhnHint),
                             data);
    auto files = dataset_files(data);
    return read_idx_set(files[train ? 0 : 2], files[train ? 1 : 3], data);
}

}  // namespace somnus
