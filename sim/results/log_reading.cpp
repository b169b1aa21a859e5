#include "sim/results/log_reading.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "sim/base/errors.hpp"
#include "sim/run/runner.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

Hdf5Handle open_for_reading(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (!std::filesystem::exists(path)) throw InputError(path + ": file not found");
    if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError(path + ": not an HDF5 file");
    Hdf5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) throw InputError(path + ": cannot open the HDF5 file (damaged, or locked by a writer)");
    return file;
}

std::vector<std::string> read_strings(hid_t attr, hid_t type, hid_t space) {
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    std::vector<std::string> out;
    Hdf5Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory, H5T_VARIABLE);
    H5Tset_cset(memory, H5Tget_cset(type));
    std::vector<char*> texts(n, nullptr);
    if (n > 0 && H5Aread(attr, memory, texts.data()) >= 0) {
        for (char* t : texts) out.emplace_back(t ? t : "");
        H5Dvlen_reclaim(memory, space, H5P_DEFAULT, texts.data());
    }
    return out;
}

std::string read_attribute(hid_t object, const char* name) {
    if (H5Aexists(object, name) <= 0) return "";
    Hdf5Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    Hdf5Handle type(H5Aget_type(attr), H5Tclose);
    Hdf5Handle space(H5Aget_space(attr), H5Sclose);
    const H5T_class_t kind = H5Tget_class(type);
    if (kind == H5T_STRING) {
        if (H5Tis_variable_str(type) <= 0) return "";
        auto texts = read_strings(attr, type, space);
        return texts.size() == 1 ? texts[0] : "[" + std::to_string(texts.size()) + " strings]";
    }
    double value = 0;
    if ((kind == H5T_FLOAT || kind == H5T_INTEGER) && H5Sget_simple_extent_npoints(space) == 1 &&
        H5Aread(attr, H5T_NATIVE_DOUBLE, &value) >= 0) {
        std::ostringstream s;
        s << value;
        return s.str();
    }
    return "";
}

double read_number_attribute(hid_t file, const std::string& path, const char* name) {
    double value = std::nan("");
    if (path != "/" && H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) return value;
    Hdf5Handle object(H5Oopen(file, path.c_str(), H5P_DEFAULT), H5Oclose);
    if (!object.valid() || H5Aexists(object, name) <= 0) return value;
    Hdf5Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    Hdf5Handle space(H5Aget_space(attr), H5Sclose);
    if (H5Sget_simple_extent_npoints(space) != 1 || H5Aread(attr, H5T_NATIVE_DOUBLE, &value) < 0) value = std::nan("");
    return value;
}

std::vector<std::string> group_children(hid_t file, const std::string& path) {
    std::vector<std::string> names;
    if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) return names;
    Hdf5Handle group(H5Gopen2(file, path.c_str(), H5P_DEFAULT), H5Gclose);
    if (!group.valid()) return names;
    H5Literate(
        group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
            static_cast<std::vector<std::string>*>(out)->emplace_back(name);
            return 0;
        },
        &names);
    return names;
}

std::vector<double> read_doubles(hid_t file, const std::string& path) {
    std::vector<double> values;
    if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) return values;  // also when a parent group is missing
    Hdf5Handle dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset.valid()) return values;
    Hdf5Handle space(H5Dget_space(dataset), H5Sclose);
    values.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    if (!values.empty() && H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
        values.clear();
    return values;
}

RecordedRun read_recorded_run(const std::string& log) {
    const Hdf5Handle file = open_for_reading(log);
    RecordedRun run;
    run.status = RunStatus::parse(read_attribute(file, "status"));
    const std::string spec = read_attribute(file, "spec");
    if (!spec.empty()) {
        run.spec = Json::parse(spec, nullptr, /*allow_exceptions=*/false);
        if (run.spec.is_discarded()) throw InputError(log + ": its \"spec\" attribute is not JSON (a damaged log)");
    }
    return run;
}

PreviousRun previous_run(const std::string& log, const Json& spec_source) {
    PreviousRun p;
    if (!std::filesystem::exists(log)) return p;
    RecordedRun recorded;
    try {
        recorded = read_recorded_run(log);
        p.status = recorded.status;
    } catch (const std::exception&) {
        p.kind = PreviousRun::unfinished;  // a log that does not open is redone
        return p;
    }
    if (!recorded.spec.is_null()) {
        Json before = recorded.spec;
        try {  // a log of an older version may record its spec unresolved
            before = parse_spec_sections(before).source;
        } catch (const std::exception&) {  // compared as it is
        }
        Json now = spec_source;
        for (Json* j : {&before, &now}) {
            if (!j->is_object()) continue;
            j->erase("threads");
            j->erase("device");
        }
        p.difference = first_difference(before, now, "in the log", "now");
    }
    if (p.status == RunStatus::finished)
        p.kind = PreviousRun::finished;
    else if (std::filesystem::exists(resume_path_for(log)))
        p.kind = PreviousRun::resumable;
    else
        p.kind = PreviousRun::unfinished;
    return p;
}

}  // namespace somnus
