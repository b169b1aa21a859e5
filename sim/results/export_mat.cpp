#include "sim/results/export_mat.hpp"

#include <matio.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "sim/base/errors.hpp"
#include "sim/base/files.hpp"
#include "sim/results/log_reading.hpp"

namespace somnus {

namespace {

// A valid MATLAB field name for an HDF5 link name.
std::string field_name(const std::string& name) {
    std::string out;
    for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0]))) out = "x" + out;
    return out.substr(0, 63);
}

matvar_t* text_var(const std::string& name, const std::string& text) {
    size_t dims[2] = {1, text.size()};
    return Mat_VarCreate(name.c_str(), MAT_C_CHAR, MAT_T_UTF8, 2, dims, const_cast<char*>(text.data()), 0);
}

matvar_t* double_var(const std::string& name, double value) {
    size_t dims[2] = {1, 1};
    return Mat_VarCreate(name.c_str(), MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, &value, 0);
}

matvar_t* empty_struct(const std::string& name) {
    size_t dims[2] = {1, 1};
    const char* none[] = {nullptr};
    return Mat_VarCreateStruct2(name.c_str(), 2, dims, none);
}

void add_field(matvar_t* parent, const std::string& name, matvar_t* value) {
    if (!value) return;
    Mat_VarAddStructField(parent, name.c_str());
    Mat_VarSetStructFieldByName(parent, name.c_str(), 0, value);
}

struct Export {
    std::size_t datasets = 0;
};

herr_t add_attribute(hid_t object, const char* name, const H5A_info_t*, void* data) {
    auto* attributes = static_cast<matvar_t*>(data);
    Hdf5Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    Hdf5Handle type(H5Aget_type(attr), H5Tclose), space(H5Aget_space(attr), H5Sclose);
    const std::string field = field_name(name);
    if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
        auto texts = read_strings(attr, type, space);
        if (H5Sget_simple_extent_ndims(space) == 0 && texts.size() == 1) {
            add_field(attributes, field, text_var(field, texts[0]));
        } else {
            size_t dims[2] = {texts.size(), 1};
            matvar_t* cell = Mat_VarCreate(field.c_str(), MAT_C_CELL, MAT_T_CELL, 2, dims, nullptr, 0);
            for (std::size_t i = 0; i < texts.size(); ++i) Mat_VarSetCell(cell, int(i), text_var("", texts[i]));
            add_field(attributes, field, cell);
        }
    } else if (H5Tget_class(type) == H5T_FLOAT || H5Tget_class(type) == H5T_INTEGER) {
        double value = 0;
        if (H5Sget_simple_extent_npoints(space) == 1 && H5Aread(attr, H5T_NATIVE_DOUBLE, &value) >= 0)
            add_field(attributes, field, double_var(field, value));
    }
    return 0;
}

matvar_t* dataset_var(hid_t dataset, const std::string& name) {
    Hdf5Handle type(H5Dget_type(dataset), H5Tclose), space(H5Dget_space(dataset), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> h5dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space, h5dims.data(), nullptr);
    std::vector<size_t> dims(h5dims.rbegin(), h5dims.rend());  // column-major view of C-order data, as h5read gives
    while (dims.size() < 2) dims.push_back(1);
    std::size_t n = 1;
    for (hsize_t d : h5dims) n *= d;
    matvar_t* var = nullptr;
    auto create = [&](auto zero, hid_t memory_type, matio_classes cls, matio_types mt) {
        std::vector<decltype(zero)> buffer(n);
        if (n > 0 && H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
            throw InputError("cannot read dataset " + name);
        var = Mat_VarCreate(name.c_str(), cls, mt, int(dims.size()), dims.data(), buffer.data(), 0);
    };
    switch (H5Tget_class(type)) {
        case H5T_FLOAT:
            if (H5Tget_size(type) == 4)
                create(float(0), H5T_NATIVE_FLOAT, MAT_C_SINGLE, MAT_T_SINGLE);
            else
                create(double(0), H5T_NATIVE_DOUBLE, MAT_C_DOUBLE, MAT_T_DOUBLE);
            break;
        case H5T_INTEGER: create(std::int64_t(0), H5T_NATIVE_INT64, MAT_C_INT64, MAT_T_INT64); break;
        default: break;  // no other types in a somnus log
    }
    return var;
}

matvar_t* group_var(hid_t group, const std::string& name, Export& e);

herr_t add_link(hid_t group, const char* name, const H5L_info_t*, void* data) {
    auto& [parent, e] = *static_cast<std::pair<matvar_t*, Export*>*>(data);
    H5O_info_t info;
    if (H5Oget_info_by_name(group, name, &info, H5P_DEFAULT) < 0) return 0;
    const std::string field = field_name(name);
    if (info.type == H5O_TYPE_GROUP) {
        Hdf5Handle child(H5Gopen2(group, name, H5P_DEFAULT), H5Gclose);
        add_field(parent, field, group_var(child, field, *e));
    } else if (info.type == H5O_TYPE_DATASET) {
        Hdf5Handle child(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose);
        matvar_t* var = dataset_var(child, field);
        if (var) {
            add_field(parent, field, var);
            ++e->datasets;
        }
    }
    return 0;
}

matvar_t* group_var(hid_t group, const std::string& name, Export& e) {
    matvar_t* s = empty_struct(name);
    std::pair<matvar_t*, Export*> data{s, &e};
    H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, add_link, &data);
    matvar_t* attributes = empty_struct("attributes");
    H5Aiterate2(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, add_attribute, attributes);
    if (Mat_VarGetNumberOfFields(attributes) > 0)
        add_field(s, "attributes", attributes);
    else
        Mat_VarFree(attributes);
    return s;
}

}  // namespace

std::size_t export_mat(const std::string& h5_path, const std::string& mat_path) {
    Export e;
    matvar_t* root = nullptr;
    {
        const Hdf5Handle file = open_for_reading(h5_path);
        const Hdf5Handle group(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose);
        root = group_var(group, "somnus_log", e);
    }
    PartialFile out(mat_path);  // removed on any failure; a file already at mat_path stays as it was
    mat_t* mat = Mat_CreateVer(out.path().c_str(), "somnus run log, exported from HDF5", MAT_FT_MAT5);
    if (!mat) {
        Mat_VarFree(root);
        throw OutputError(mat_path + ": cannot create the .mat file (" + std::strerror(errno) + ")");
    }
    // matio does not check its own writes: a full disk or a file-size limit leaves a torn
    // file it calls written. The write calls that failed leave their errno behind.
    errno = 0;
    const int status = Mat_VarWrite(mat, root, MAT_COMPRESSION_ZLIB);
    const int closed = Mat_Close(mat);
    const int write_errno = errno;
    Mat_VarFree(root);
    const bool write_failed = write_errno == EFBIG || write_errno == ENOSPC || write_errno == EDQUOT || write_errno == EIO;
    if (status != 0 || closed != 0 || write_failed)
        throw OutputError(mat_path + ": writing the .mat file failed (" +
                          (write_errno ? std::strerror(write_errno) : "a variable over 2 GiB?") + ")");
    out.commit();
    return e.datasets;
}

}  // namespace somnus
