#include "data/idx.hpp"

#include <zlib.h>

#include <filesystem>
#include <memory>

namespace somnus {

namespace {

struct GzCloser {
    void operator()(gzFile f) const { gzclose(f); }
};

// Reads exactly n bytes at `offset`; a short read is a truncated file.
void read_exact(gzFile f, const std::string& path, std::uint64_t offset, void* into, std::size_t n, const char* what) {
    auto* out = static_cast<unsigned char*>(into);
    std::size_t done = 0;
    while (done < n) {
        unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
        int got = gzread(f, out + done, chunk);
        if (got < 0) {
            int code = 0;
            std::string message = gzerror(f, &code);
            if (message.rfind(path + ": ", 0) == 0) message.erase(0, path.size() + 2);  // zlib repeats the path
            throw DataError(path + ": corrupt compressed data (" + message + ") near byte " +
                            std::to_string(gzoffset(f)) + " of the file, byte " + std::to_string(offset + done) +
                            " of the uncompressed data");
        }
        if (got == 0)
            throw DataError(path + ": truncated file: " + what + " ends at byte " + std::to_string(offset + done) +
                            ", expected " + std::to_string(offset + n) + " bytes");
        done += static_cast<std::size_t>(got);
    }
}

}  // namespace

namespace {

using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Opens an IDX file (plain or .gz) and reads its header: the dimensions.
GzFile open_idx(const std::string& path, std::vector<std::int64_t>& dims) {
    if (!std::filesystem::exists(path)) throw DataError(path + ": file not found");
    if (std::filesystem::is_directory(path)) throw DataError(path + ": is a folder, not a data file");
    GzFile f(gzopen(path.c_str(), "rb"));  // also reads uncompressed files
    if (!f) throw DataError(path + ": cannot open for reading");
    unsigned char magic[4];
    read_exact(f.get(), path, 0, magic, 4, "the header");
    if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] < 1 || magic[3] > 4) {
        char got[16];
        std::snprintf(got, sizeof got, "%02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3]);
        throw DataError(path + ": bad magic number 0x" + std::string(got) +
                        " at byte 0 (expected 0x000008NN: an unsigned-byte IDX file)");
    }
    for (int d = 0; d < magic[3]; ++d) {
        unsigned char b[4];
        read_exact(f.get(), path, 4 + 4 * d, b, 4, "the header");
        dims.push_back((std::int64_t(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3]);
    }
    return f;
}

}  // namespace

std::vector<std::int64_t> read_idx_dims(const std::string& path) {
    std::vector<std::int64_t> dims;
    open_idx(path, dims);
    return dims;
}

IdxArray read_idx(const std::string& path) {
    IdxArray array;
    GzFile f = open_idx(path, array.dims);
    std::uint64_t count = 1;
    for (std::int64_t size : array.dims) count *= static_cast<std::uint64_t>(size);
    if (count > (std::uint64_t(1) << 34)) throw DataError(path + ": implausible dimensions in the header");
    array.values.resize(count);
    read_exact(f.get(), path, 4 + 4 * array.dims.size(), array.values.data(), count, "the data");
    return array;
}

std::string find_data_file(const std::string& directory, const std::string& base, const std::string& hint) {
    namespace fs = std::filesystem;
    fs::path plain = fs::path(directory) / base;
    if (fs::exists(plain)) return plain.string();
    fs::path gz = plain.string() + ".gz";
    if (fs::exists(gz)) return gz.string();
    throw DataError(plain.string() + "(.gz): file not found; " + hint);
}

}  // namespace somnus
