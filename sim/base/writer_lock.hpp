// One writer per output file. A run holds PATH.lock (an flock, with its process
// id inside) from before it opens or replaces PATH until it ends, so a second run
// started at the same PATH stops at once, told which process is writing there,
// instead of failing inside HDF5 or replacing a log that is being written.
#pragma once

#include <string>

namespace somnus {

class WriterLock {
public:
    // Takes the lock of `path`; throws OutputError naming the process that holds it.
    // Where no lock file can be made (a read-only folder, a file system without
    // flock) it takes none and throws nothing: the writer's own checks then say why
    // the folder cannot be written.
    explicit WriterLock(const std::string& path);
    ~WriterLock();  // removes PATH.lock, then lets go of it
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;

    bool held() const { return fd_ >= 0; }
    const std::string& lock_path() const { return lock_path_; }

private:
    std::string lock_path_;
    int fd_ = -1;
};

}  // namespace somnus
