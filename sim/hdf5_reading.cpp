#include "sim/hdf5_reading.hpp"

#include <filesystem>
#include <stdexcept>

namespace somnus {

hid_t open_for_reading(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": file not found");
    if (H5Fis_hdf5(path.c_str()) <= 0) throw std::runtime_error(path + ": not an HDF5 file");
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) throw std::runtime_error(path + ": cannot open the HDF5 file (damaged, or locked by a writer)");
    return file;
}

std::vector<std::string> read_strings(hid_t attr, hid_t type, hid_t space) {
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    std::vector<std::string> out;
    hid_t memory = H5Tcopy(H5T_C_S1);
    H5Tset_size(memory, H5T_VARIABLE);
    H5Tset_cset(memory, H5Tget_cset(type));
    std::vector<char*> texts(n, nullptr);
    if (n > 0 && H5Aread(attr, memory, texts.data()) >= 0) {
        for (char* t : texts) out.emplace_back(t ? t : "");
        H5Dvlen_reclaim(memory, space, H5P_DEFAULT, texts.data());
    }
    H5Tclose(memory);
    return out;
}

}  // namespace somnus
