#include "sim/base/writer_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "sim/base/errors.hpp"

namespace somnus {

namespace {

// The process id written in a lock file, "" when there is none yet.
std::string holder_of(int fd) {
    char buffer[32] = {};
    const ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
    std::string text = n > 0 ? std::string(buffer, std::size_t(n)) : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

WriterLock::WriterLock(const std::string& path) : lock_path_(path + ".lock") {
    std::error_code ec;
    const auto folder = std::filesystem::path(path).parent_path();
    if (!folder.empty()) std::filesystem::create_directories(folder, ec);
    // A holder removes its lock file as it ends; a lock taken on a file that was
    // removed meanwhile guards nothing, so it is taken again on the new one.
    for (int attempt = 0; attempt < 8; ++attempt) {
        const int fd = open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const bool busy = errno == EWOULDBLOCK;
            const std::string holder = busy ? holder_of(fd) : "";
            close(fd);
            if (!busy) return;
            throw OutputError(path + ": another run" + (holder.empty() ? "" : " (process " + holder + ")") +
                              " is writing this log; wait for it to end, or give --out to write elsewhere");
        }
        struct stat held {
        }, named{};
        if (fstat(fd, &held) == 0 && stat(lock_path_.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
            held.st_dev == named.st_dev) {
            // The id is for the message a second run prints; the lock holds without it.
            const std::string pid = std::to_string(getpid()) + "\n";
            [[maybe_unused]] const bool noted =
                ftruncate(fd, 0) == 0 && pwrite(fd, pid.data(), pid.size(), 0) == ssize_t(pid.size());
            fd_ = fd;
            return;
        }
        close(fd);
    }
}

WriterLock::~WriterLock() {
    if (fd_ < 0) return;
    unlink(lock_path_.c_str());
    close(fd_);
}

}  // namespace somnus
