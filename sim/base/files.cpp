#include "sim/base/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sim/base/errors.hpp"

namespace somnus {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void cannot_write(const fs::path& path, const std::string& reason) {
    throw OutputError(path.string() + ": cannot write (" + reason + "); the previous file there is kept");
}

}  // namespace

void write_file_atomically(const fs::path& path, const std::string& bytes) {
    std::error_code error;
    if (path.has_parent_path()) {
        fs::create_directories(path.parent_path(), error);
        if (error) cannot_write(path, error.message());
    }
    const fs::path partial = path.string() + ".partial";
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) cannot_write(path, std::strerror(errno));
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string reason = n < 0 ? std::strerror(errno) : "nothing written";
            ::close(fd);
            fs::remove(partial, error);
            cannot_write(
                path, reason + ", after " + std::to_string(written) + " of " + std::to_string(bytes.size()) + " bytes");
        }
        written += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;  // on disk before it takes the name
    const std::string sync_error = synced ? "" : std::strerror(errno);
    ::close(fd);
    if (!synced) {
        fs::remove(partial, error);
        cannot_write(path, sync_error);
    }
    fs::rename(partial, path, error);
    if (error) {
        const std::string reason = error.message();
        fs::remove(partial, error);
        cannot_write(path, reason);
    }
}

}  // namespace somnus
