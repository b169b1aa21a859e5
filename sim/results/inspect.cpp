#include "sim/results/inspect.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "sim/results/log_reading.hpp"

namespace somnus {

namespace {

std::string type_name(hid_t type) {
    const std::size_t bytes = H5Tget_size(type);
    switch (H5Tget_class(type)) {
        case H5T_FLOAT: return bytes == 4 ? "float32" : "float64";
        case H5T_INTEGER: return "int" + std::to_string(8 * bytes);
        case H5T_STRING: return "string";
        default: return "other";
    }
}

struct Walk {
    std::ostringstream out;
    std::uint64_t bytes = 0;
    std::size_t datasets = 0;
};

herr_t visit(hid_t root, const char* name, const H5O_info_t* info, void* data) {
    auto& walk = *static_cast<Walk*>(data);
    std::string path = name;
    if (path == ".") return 0;
    const auto depth = static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
    const std::string leaf = path.substr(path.rfind('/') + 1);
    const std::string indent(2 * depth + 2, ' ');
    if (info->type == H5O_TYPE_GROUP) {
        walk.out << indent << leaf << "/\n";
        return 0;
    }
    if (info->type != H5O_TYPE_DATASET) return 0;
    Hdf5Handle dataset(H5Dopen2(root, name, H5P_DEFAULT), H5Dclose);
    Hdf5Handle space(H5Dget_space(dataset), H5Sclose);
    Hdf5Handle type(H5Dget_type(dataset), H5Tclose);
    int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    std::string shape = "(";
    for (std::size_t i = 0; i < dims.size(); ++i) shape += (i ? ", " : "") + std::to_string(dims[i]);
    shape += dims.size() == 1 ? ",)" : ")";
    std::string line = indent + leaf + "  " + shape + " " + type_name(type);
    std::string unit = read_attribute(dataset, "unit");
    if (!unit.empty() && unit != "1") line += " [" + unit + "]";
    walk.out << line << "\n";
    walk.bytes += H5Dget_storage_size(dataset);
    ++walk.datasets;
    return 0;
}

}  // namespace

std::string inspect_log(const std::string& path, bool spec) {
    const Hdf5Handle file = open_for_reading(path);
    std::ostringstream out;
    out << path << "\n";
    for (const char* name : {"experiment", "status", "command", "seed", "device", "threads", "epochs_finished",
                             "epochs_planned", "iterations_per_epoch", "train_images", "wall_seconds", "started",
                             "finished", "somnus_version", "torch_version", "hdf5_version"}) {
        std::string value = read_attribute(file, name);
        if (!value.empty()) out << "  " << name << ": " << value << "\n";
    }
    Walk walk;
    H5Ovisit(file, H5_INDEX_NAME, H5_ITER_INC, visit, &walk);
    out << "contents (" << walk.datasets << " datasets, " << walk.bytes / 1024 << " KiB stored):\n" << walk.out.str();
    if (spec) out << "spec:\n" << read_attribute(file, "spec") << "\n";
    return out.str();
}

}  // namespace somnus
