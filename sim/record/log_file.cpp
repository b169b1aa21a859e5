#include "sim/record/log_file.hpp"

#include <hdf5.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <thread>
#include <variant>

#include "sim/base/errors.hpp"
#include "sim/base/hdf5.hpp"
#include "sim/model/step.hpp"

namespace somnus {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<hsize_t> dims_of(const std::vector<std::int64_t>& shape) {
    return std::vector<hsize_t>(shape.begin(), shape.end());
}

hid_t utf8_string_type() {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
}

bool exists(hid_t file, const std::string& path) {
    // Every prefix must exist before H5Lexists may be asked about the next one.
    std::size_t pos = 0;
    while ((pos = path.find('/', pos + 1)) != std::string::npos)
        if (H5Lexists(file, path.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
    return path == "/" || H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0;
}

hid_t link_properties() {
    hid_t links = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(links, 1);
    H5Pset_char_encoding(links, H5T_CSET_UTF8);
    return links;
}

// Chunks of about 1 MiB at most: one sample per chunk, split along its first axes.
std::vector<hsize_t> chunk_for(std::vector<hsize_t> dims, std::size_t element_size) {
    dims[0] = dims.size() == 1 ? 4096 : 1;
    std::size_t axis = 1;
    auto bytes = [&] {
        std::size_t n = element_size;
        for (hsize_t d : dims) n *= std::max<hsize_t>(d, 1);
        return n;
    };
    while (bytes() > (1u << 20) && axis < dims.size()) {
        if (dims[axis] > 1)
            dims[axis] = (dims[axis] + 1) / 2;
        else
            ++axis;
    }
    for (auto& d : dims) d = std::max<hsize_t>(d, 1);
    return dims;
}

using AttributeValue = std::variant<std::string, double, std::vector<std::string>>;

}  // namespace

struct LogFile::Pending {
    struct Rows {
        std::vector<float> data;
        std::vector<hsize_t> row_shape;
    };
    using Array = std::variant<std::vector<double>, std::vector<std::int64_t>, std::vector<float>>;
    struct Attribute {
        std::string path, name;
        AttributeValue value;
    };

    std::map<std::string, std::vector<double>> doubles;
    struct Unread {  // a value of doubles[path] still on the device
        std::string path;
        std::size_t index;
        torch::Tensor value;
    };
    std::vector<Unread> unread;
    std::map<std::string, std::vector<std::int64_t>> integers;
    std::map<std::string, Rows> rows;
    std::map<std::string, std::pair<Array, std::vector<hsize_t>>> arrays;
    std::vector<Attribute> attributes;
    std::map<std::string, std::pair<std::string, std::string>> descriptions;  // kept: applied at creation

    bool empty() const {
        return doubles.empty() && integers.empty() && rows.empty() && arrays.empty() && attributes.empty();
    }
    // Bytes of data queued (before compression; attributes and HDF5's own bookkeeping not counted).
    std::uint64_t bytes() const {
        std::uint64_t n = 0;
        for (const auto& [path, v] : doubles) n += v.size() * sizeof(double) + path.size();
        for (const auto& [path, v] : integers) n += v.size() * sizeof(std::int64_t) + path.size();
        for (const auto& [path, r] : rows) n += r.data.size() * sizeof(float) + path.size();
        for (const auto& [path, a] : arrays)
            std::visit([&](const auto& v) { n += v.size() * sizeof(v[0]) + path.size(); }, a.first);
        for (const auto& a : attributes) n += a.path.size() + a.name.size() + 256;
        return n;
    }
    void clear() {
        doubles.clear();
        unread.clear();
        integers.clear();
        rows.clear();
        arrays.clear();
        attributes.clear();
    }
};

namespace {

// Whether an existing attribute can take `value` in place (same kind and size):
// rewriting it there changes a few bytes of the object header instead of
// deleting and recreating a message, which keeps a kill mid-flush harmless.
bool rewrite_in_place(hid_t object, const std::string& name, const AttributeValue& value) {
    if (!std::holds_alternative<double>(value)) return false;
    Hdf5Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
    Hdf5Handle type(H5Aget_type(attr), H5Tclose);
    Hdf5Handle space(H5Aget_space(attr), H5Sclose);
    if (H5Tget_class(type) != H5T_FLOAT || H5Sget_simple_extent_npoints(space) != 1) return false;
    return H5Awrite(attr, H5T_NATIVE_DOUBLE, &std::get<double>(value)) >= 0;
}

void write_attribute(hid_t object, const std::string& name, const AttributeValue& value) {
    if (H5Aexists(object, name.c_str()) > 0) {
        if (rewrite_in_place(object, name, value)) return;
        H5Adelete(object, name.c_str());
    }
    if (const auto* text = std::get_if<std::string>(&value)) {
        Hdf5Handle type(utf8_string_type(), H5Tclose);
        Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        Hdf5Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        const char* c = text->c_str();
        H5Awrite(attr, type, &c);
    } else if (const auto* number = std::get_if<double>(&value)) {
        Hdf5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        Hdf5Handle attr(H5Acreate2(object, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        H5Awrite(attr, H5T_NATIVE_DOUBLE, number);
    } else {
        const auto& texts = std::get<std::vector<std::string>>(value);
        std::vector<const char*> c;
        for (const auto& t : texts) c.push_back(t.c_str());
        hsize_t n = c.size();
        Hdf5Handle type(utf8_string_type(), H5Tclose);
        Hdf5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        Hdf5Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        if (n > 0) H5Awrite(attr, type, c.data());
    }
}

// Appends `count` rows of `row_dims` to an extendible dataset, creating it first.
void append_to(hid_t file, const std::string& path, hid_t memory_type, const void* data, hsize_t count,
               const std::vector<hsize_t>& row_dims, const std::pair<std::string, std::string>* description) {
    const int rank = static_cast<int>(row_dims.size()) + 1;
    std::vector<hsize_t> dims{0};
    dims.insert(dims.end(), row_dims.begin(), row_dims.end());
    hid_t id;
    if (exists(file, path)) {
        id = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    } else {
        std::vector<hsize_t> max_dims(dims);
        max_dims[0] = H5S_UNLIMITED;
        Hdf5Handle space(H5Screate_simple(rank, dims.data(), max_dims.data()), H5Sclose);
        Hdf5Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        auto full = dims;
        full[0] = 1;
        auto chunk = chunk_for(full, H5Tget_size(memory_type));
        H5Pset_chunk(props, rank, chunk.data());
        if (rank > 1) {
            // One sample per chunk, written once: compressed. A per-step series keeps
            // appending into its last chunk, so it stays uncompressed: rewriting that
            // chunk writes its finished values unchanged, and a kill mid-write cannot
            // damage them.
            H5Pset_shuffle(props);
            H5Pset_deflate(props, 4);
        }
        Hdf5Handle links(link_properties(), H5Pclose);
        id = H5Dcreate2(file, path.c_str(), memory_type, space, links, props, H5P_DEFAULT);
        if (id >= 0 && description) {
            write_attribute(id, "description", description->first);
            write_attribute(id, "unit", description->second);
        }
    }
    if (id < 0) throw OutputError("cannot create or open dataset " + path);
    Hdf5Handle dataset(id, H5Dclose);
    {
        Hdf5Handle space(H5Dget_space(dataset), H5Sclose);
        H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    }
    const hsize_t old_rows = dims[0];
    dims[0] += count;
    if (H5Dset_extent(dataset, dims.data()) < 0) throw OutputError("cannot extend dataset " + path);
    Hdf5Handle file_space(H5Dget_space(dataset), H5Sclose);
    std::vector<hsize_t> start(rank, 0), block(dims);
    start[0] = old_rows;
    block[0] = count;
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, block.data(), nullptr);
    Hdf5Handle memory_space(H5Screate_simple(rank, block.data(), nullptr), H5Sclose);
    if (H5Dwrite(dataset, memory_type, memory_space, file_space, H5P_DEFAULT, data) < 0)
        throw OutputError("cannot write dataset " + path);
}

void write_whole(hid_t file, const std::string& path, hid_t memory_type, const void* data,
                 const std::vector<hsize_t>& dims, const std::pair<std::string, std::string>* description) {
    if (exists(file, path)) H5Ldelete(file, path.c_str(), H5P_DEFAULT);
    Hdf5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    Hdf5Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    hsize_t elements = 1;
    for (hsize_t d : dims) elements *= d;
    if (elements * H5Tget_size(memory_type) > 65536) {  // compress all but small arrays
        auto chunk = dims;
        for (auto& d : chunk) d = std::max<hsize_t>(d, 1);
        chunk = chunk_for(chunk, H5Tget_size(memory_type));
        chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], dims.size() == 1 ? 65536 : 1));
        H5Pset_chunk(props, static_cast<int>(dims.size()), chunk.data());
        H5Pset_shuffle(props);
        H5Pset_deflate(props, 4);
    }
    Hdf5Handle links(link_properties(), H5Pclose);
    Hdf5Handle dataset(H5Dcreate2(file, path.c_str(), memory_type, space, links, props, H5P_DEFAULT), H5Dclose);
    if (!dataset.valid() || (elements > 0 && H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
        throw OutputError("cannot write dataset " + path);
    if (description) {
        write_attribute(dataset, "description", description->first);
        write_attribute(dataset, "unit", description->second);
    }
}

}  // namespace

LogFile::LogFile(std::string path, Open mode)
    : path_(std::move(path)), name_(path_), pending_(std::make_unique<Pending>()) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (mode == Open::append) {
        Hdf5Handle file(H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
        if (!file.valid())
            throw InputError(name_ + ": cannot open the HDF5 log to continue it (missing, damaged or read-only)");
        created_ = true;
        return;
    }
    check_writable(path_);
}

namespace {
// The folder a file is in ("." for a bare name).
std::filesystem::path folder_of(const std::string& path) {
    auto parent = std::filesystem::path(path).parent_path();
    return parent.empty() ? std::filesystem::path(".") : parent;
}
}  // namespace

void LogFile::check_writable(const std::string& path) {
    const auto file = std::filesystem::path(path);
    const auto parent = folder_of(path);
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw OutputError(path + ": cannot create the folder " + parent.string() + " (" + ec.message() + ")");
    if (!std::filesystem::is_directory(parent)) throw OutputError(path + ": " + parent.string() + " is not a folder");
    if (access(parent.c_str(), W_OK) != 0)
        throw OutputError(path + ": the folder " + parent.string() + " is not writable (" + std::strerror(errno) + ")");
    if (std::filesystem::exists(file) && access(file.c_str(), W_OK) != 0)
        throw OutputError(path + ": the file exists and is not writable (" + std::strerror(errno) + ")");
}

LogFile::~LogFile() = default;

void LogFile::describe(const std::string& path, std::string description, std::string unit) {
    pending_->descriptions[path] = {std::move(description), std::move(unit)};
}

void LogFile::append(const std::string& path, double value) { pending_->doubles[path].push_back(value); }
void LogFile::append(const std::string& path, std::int64_t value) { pending_->integers[path].push_back(value); }

void LogFile::append(const std::string& path, const at::Tensor& value) {
    auto& series = pending_->doubles[path];
    pending_->unread.push_back({path, series.size(), value});
    series.push_back(std::numeric_limits<double>::quiet_NaN());  // read at the next flush
}

void LogFile::append_rows(const std::string& path, const float* data, std::int64_t rows,
                          const std::vector<std::int64_t>& row_shape) {
    auto& r = pending_->rows[path];
    auto shape = dims_of(row_shape);
    if (!r.data.empty() && r.row_shape != shape) throw std::logic_error(path + ": rows of a different shape");
    r.row_shape = shape;
    std::size_t per_row = 1;
    for (hsize_t d : shape) per_row *= d;
    r.data.insert(r.data.end(), data, data + per_row * static_cast<std::size_t>(rows));
}

void LogFile::write(const std::string& path, std::vector<double> values, std::vector<std::int64_t> shape) {
    pending_->arrays[path] = {std::move(values), dims_of(shape)};
}
void LogFile::write(const std::string& path, std::vector<std::int64_t> values, std::vector<std::int64_t> shape) {
    pending_->arrays[path] = {std::move(values), dims_of(shape)};
}
void LogFile::write(const std::string& path, std::vector<float> values, std::vector<std::int64_t> shape) {
    pending_->arrays[path] = {std::move(values), dims_of(shape)};
}

void LogFile::attribute(const std::string& path, const std::string& name, const std::string& value) {
    pending_->attributes.push_back({path, name, value});
}
void LogFile::attribute(const std::string& path, const std::string& name, double value) {
    pending_->attributes.push_back({path, name, value});
}
void LogFile::attribute(const std::string& path, const std::string& name, const std::vector<std::string>& values) {
    pending_->attributes.push_back({path, name, values});
}

namespace {
// Every series (a dataset extensible along its first axis) in the file, by path.
herr_t collect_series(hid_t group, const char* name, const H5L_info_t*, void* out) {
    H5O_info_t info;
    if (H5Oget_info_by_name(group, name, &info, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_DATASET) return 0;
    Hdf5Handle dataset(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose);
    Hdf5Handle space(H5Dget_space(dataset), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 1) return 0;
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank)), max_dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, dims.data(), max_dims.data());
    if (max_dims[0] == H5S_UNLIMITED)
        (*static_cast<std::map<std::string, std::int64_t>*>(out))["/" + std::string(name)] = std::int64_t(dims[0]);
    return 0;
}

// The length of every series in an open file.
std::map<std::string, std::int64_t> series_in(hid_t file) {
    std::map<std::string, std::int64_t> lengths;
    H5Lvisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, collect_series, &lengths);
    return lengths;
}
}  // namespace

void LogFile::check_room(std::uint64_t queued) const {
    const std::uint64_t need = 2 * queued + (1u << 20);  // generous: chunk and metadata overhead
    struct statvfs disk {};
    if (statvfs(folder_of(path_).c_str(), &disk) == 0) {
        const std::uint64_t free = std::uint64_t(disk.f_bavail) * disk.f_frsize;
        if (free < need)
            throw OutputError(name_ + ": the disk is full (" + std::to_string(free >> 20) +
                              " MiB free, the log needs about " + std::to_string(need >> 20) +
                              " MiB more); the log keeps everything written before");
    }
    struct rlimit limit {};
    if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        std::error_code ec;
        const auto size = created_ ? std::filesystem::file_size(path_, ec) : 0;
        if (std::uint64_t(size) + need > std::uint64_t(limit.rlim_cur))
            throw OutputError(name_ + ": the log would outgrow the file-size limit (ulimit -f: " +
                              std::to_string(std::uint64_t(limit.rlim_cur) >> 10) +
                              " KiB); the log keeps everything written before");
    }
}

std::map<std::string, std::int64_t> LogFile::series_lengths() {
    flush(true);
    Hdf5Handle file(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) throw InputError(name_ + ": cannot open the HDF5 log to read it");
    return series_in(file);
}

void LogFile::truncate_series(const std::map<std::string, std::int64_t>& lengths) {
    flush(true);
    Hdf5Handle file(H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) throw InputError(name_ + ": cannot open the HDF5 log to continue it");
    for (const auto& [path, length] : series_in(file)) {
        auto it = lengths.find(path);
        if (it == lengths.end()) {  // begun after the checkpoint
            H5Ldelete(file, path.c_str(), H5P_DEFAULT);
            continue;
        }
        if (it->second > length)
            throw InputError(name_ + ": " + path + " holds " + std::to_string(length) + " rows, fewer than the " +
                             std::to_string(it->second) +
                             " the checkpoint saw: this log is not the one the checkpoint belongs to");
        if (it->second == length) continue;
        Hdf5Handle dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
        Hdf5Handle space(H5Dget_space(dataset), H5Sclose);
        std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
        H5Sget_simple_extent_dims(space, dims.data(), nullptr);
        dims[0] = hsize_t(it->second);
        if (H5Dset_extent(dataset, dims.data()) < 0) throw OutputError(name_ + ": cannot shorten " + path);
    }
}

bool LogFile::flush(bool final) {
    Pending& p = *pending_;
    if (p.empty()) return true;
    if (!p.unread.empty()) {  // the device's values, in one transfer
        std::vector<torch::Tensor> scalars;
        for (const auto& u : p.unread) scalars.push_back(u.value);
        const std::vector<double> values = read_scalars(scalars);
        for (std::size_t i = 0; i < values.size(); ++i) p.doubles[p.unread[i].path][p.unread[i].index] = values[i];
        p.unread.clear();
    }
    const auto start = Clock::now();
    const auto patience = std::chrono::seconds(final ? 60 : 3);
    // HDF5 cannot undo a write cut short (a full disk): the file would be damaged. So a
    // flush that would not fit is refused before it touches the file, and the log as it
    // was is copied aside first and put back if the flush fails all the same.
    check_room(p.bytes());
    if (!created_) {  // created at the first flush: a run that fails before it has written nothing
        Hdf5Handle file(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
        if (!file.valid())
            throw OutputError(name_ + ": cannot create the HDF5 log (check that the folder is writable)");
        created_ = true;
    }
    Hdf5Handle file;
    while (!(file = Hdf5Handle(H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose)).valid()) {
        if (!std::filesystem::exists(path_))
            throw OutputError(name_ + ": the HDF5 log was removed while the run was writing it");
        if (Clock::now() - start > patience) {
            if (final)
                throw OutputError(
                    name_ +
                    ": cannot reopen the HDF5 log to write (another program may hold it open, or it is damaged)");
            return false;  // a reader holds it: keep the data queued
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::string before = path_ + ".flushing";
    std::error_code ec;
    std::filesystem::copy_file(path_, before, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) {
        file.close();
        std::filesystem::remove(before);
        throw OutputError(name_ + ": cannot write the log (" + ec.message() + "); it keeps everything written before");
    }
    try {
        write_pending(file);
    } catch (const std::exception& e) {
        file.close();
        std::filesystem::rename(before, path_);
        throw OutputError(std::string(e.what()) + "; the log is back as it was before this write");
    }
    if (file.close() < 0) {
        std::filesystem::rename(before, path_);
        throw OutputError(name_ +
                          ": cannot finish writing the log (disk full?); it is back as it was before this write");
    }
    std::filesystem::remove(before);
    p.clear();
    last_flush_seconds_ = std::chrono::duration<double>(Clock::now() - start).count();
    return true;
}

void LogFile::write_pending(hid_t file) {
    Pending& p = *pending_;
    auto description = [&](const std::string& path) -> const std::pair<std::string, std::string>* {
        auto it = p.descriptions.find(path);
        return it == p.descriptions.end() ? nullptr : &it->second;
    };
    for (const auto& [path, values] : p.doubles)
        append_to(file, path, H5T_NATIVE_DOUBLE, values.data(), values.size(), {}, description(path));
    for (const auto& [path, values] : p.integers)
        append_to(file, path, H5T_NATIVE_INT64, values.data(), values.size(), {}, description(path));
    for (const auto& [path, r] : p.rows) {
        std::size_t per_row = 1;
        for (hsize_t d : r.row_shape) per_row *= d;
        append_to(file, path, H5T_NATIVE_FLOAT, r.data.data(), per_row ? r.data.size() / per_row : 0, r.row_shape,
                  description(path));
    }
    for (const auto& [path, array] : p.arrays) {
        const auto& [values, dims] = array;
        std::visit(
            [&](const auto& v) {
                using T = typename std::decay_t<decltype(v)>::value_type;
                hid_t type = std::is_same_v<T, double>  ? H5T_NATIVE_DOUBLE
                             : std::is_same_v<T, float> ? H5T_NATIVE_FLOAT
                                                        : H5T_NATIVE_INT64;
                write_whole(file, path, type, v.data(), dims, description(path));
            },
            values);
    }
    for (const auto& a : p.attributes) {
        if (!exists(file, a.path)) {
            Hdf5Handle links(link_properties(), H5Pclose);
            Hdf5Handle group(H5Gcreate2(file, a.path.c_str(), links, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
        }
        Hdf5Handle object(H5Oopen(file, a.path.c_str(), H5P_DEFAULT), H5Oclose);
        if (!object.valid()) throw OutputError(name_ + ": cannot open " + a.path + " to set attribute " + a.name);
        write_attribute(object, a.name, a.value);
    }
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw OutputError(name_ + ": cannot write the log (disk full?)");
}

}  // namespace somnus
