// One owner for every identifier the HDF5 C API hands out (a file, a group, a
// dataset, an attribute, a dataspace, a datatype, a property list): closed when
// it goes out of scope, or by close() where the result must be checked (the
// close that completes a file's writes).
#pragma once

#include <hdf5.h>

#include <utility>

namespace somnus {

class Hdf5Handle {
public:
    Hdf5Handle() = default;
    // Owns `id` (ignored when negative, an HDF5 failure), closed with `close`, e.g. H5Dclose.
    Hdf5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
    ~Hdf5Handle() { close(); }
    Hdf5Handle(Hdf5Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
    Hdf5Handle& operator=(Hdf5Handle&& other) noexcept {
        if (this != &other) {
            close();
            id_ = std::exchange(other.id_, -1);
            close_ = other.close_;
        }
        return *this;
    }
    Hdf5Handle(const Hdf5Handle&) = delete;
    Hdf5Handle& operator=(const Hdf5Handle&) = delete;

    operator hid_t() const& { return id_; }
    // Not from a temporary: `hid_t file = open_for_reading(path);` would close the file at once.
    operator hid_t() const&& = delete;
    bool valid() const { return id_ >= 0; }
    // Closes it now; negative when HDF5 could not (for a file: its last writes failed).
    herr_t close() {
        if (id_ < 0 || !close_) return 0;
        return close_(std::exchange(id_, -1));
    }

private:
    hid_t id_ = -1;
    herr_t (*close_)(hid_t) = nullptr;
};

}  // namespace somnus
