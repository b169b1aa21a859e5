#include "sim/hdf5_reading.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>
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

std::string read_attribute(hid_t object, const char* name) {
    if (H5Aexists(object, name) <= 0) return "";
    hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    std::string out;
    if (H5Tget_class(type) == H5T_STRING) {
        if (H5Tis_variable_str(type) > 0) {
            hid_t space = H5Aget_space(attr);
            auto texts = read_strings(attr, type, space);
            out = texts.size() == 1 ? texts[0] : "[" + std::to_string(texts.size()) + " strings]";
            H5Sclose(space);
        }
    } else if (H5Tget_class(type) == H5T_FLOAT || H5Tget_class(type) == H5T_INTEGER) {
        double value = 0;
        hid_t space = H5Aget_space(attr);
        if (H5Sget_simple_extent_npoints(space) == 1 && H5Aread(attr, H5T_NATIVE_DOUBLE, &value) >= 0) {
            std::ostringstream s;
            s << value;
            out = s.str();
        }
        H5Sclose(space);
    }
    H5Tclose(type);
    H5Aclose(attr);
    return out;
}

double read_number_attribute(hid_t file, const std::string& path, const char* name) {
    double value = std::nan("");
    if (path != "/" && H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) return value;
    hid_t object = H5Oopen(file, path.c_str(), H5P_DEFAULT);
    if (object < 0) return value;
    if (H5Aexists(object, name) > 0) {
        hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
        hid_t space = H5Aget_space(attr);
        if (H5Sget_simple_extent_npoints(space) != 1 || H5Aread(attr, H5T_NATIVE_DOUBLE, &value) < 0) value = std::nan("");
        H5Sclose(space);
        H5Aclose(attr);
    }
    H5Oclose(object);
    return value;
}

std::vector<double> read_doubles(hid_t file, const std::string& path) {
    std::vector<double> values;
    if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) return values;  // also when a parent group is missing
    hid_t dataset = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    if (dataset < 0) return values;
    hid_t space = H5Dget_space(dataset);
    values.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    if (!values.empty() && H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
        values.clear();
    H5Sclose(space);
    H5Dclose(dataset);
    return values;
}

}  // namespace somnus
