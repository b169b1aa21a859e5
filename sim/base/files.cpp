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

// Whether two paths name one file (hard links and symbolic links included); false when either is missing.
bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code error;
    const bool same = fs::equivalent(a, b, error);
    return !error && same;
}

}  // namespace

void check_output(const fs::path& target, const std::vector<fs::path>& inputs, Replace replace, bool asked,
                  const std::string& what) {
    if (target.empty()) throw UsageError("somnus: an empty path was given for " + what);
    std::error_code error;
    const auto status = fs::status(target, error);
    if (fs::is_directory(status))
        throw UsageError("somnus: " + target.string() + ": is a folder; give the path of " + what + " to write");
    for (const auto& input : inputs)
        if (same_file(target, input))
            throw UsageError("somnus: " + target.string() + ": is " +
                             (input == target ? std::string("an input") : "the same file as the input " + input.string()) +
                             " of this command; " + what + " would replace it; give another path");
    if (fs::exists(status) && !fs::is_regular_file(status))
        throw UsageError("somnus: " + target.string() + ": is not a regular file; give the path of " + what +
                         " to write");
    if (fs::exists(status) && replace == Replace::if_asked && !asked)
        throw UsageError("somnus: " + target.string() + ": exists; give --overwrite to replace it, or another path for " +
                         what);
}

PartialFile::PartialFile(fs::path target) : target_(std::move(target)), partial_(target_.string() + ".partial") {
    std::error_code error;
    if (target_.has_parent_path()) {
        fs::create_directories(target_.parent_path(), error);
        if (error) cannot_write(target_, "cannot create the folder " + target_.parent_path().string() + ": " +
                                             error.message());
    }
    if (fs::is_directory(target_)) cannot_write(target_, "it is a folder");
}

PartialFile::~PartialFile() {
    if (committed_) return;
    std::error_code error;
    fs::remove(partial_, error);  // a failure on the way leaves nothing behind
}

void PartialFile::commit() {
    // On disk before it takes the name: a crash leaves the old file or the new one, never a torn one.
    const int fd = ::open(partial_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) cannot_write(target_, std::string("the file written is gone: ") + std::strerror(errno));
    const bool synced = ::fsync(fd) == 0;
    const std::string sync_error = synced ? "" : std::strerror(errno);
    ::close(fd);
    if (!synced) cannot_write(target_, sync_error);
    std::error_code error;
    fs::rename(partial_, target_, error);
    if (error) cannot_write(target_, error.message());
    committed_ = true;
}

void write_file_atomically(const fs::path& path, const std::string& bytes) {
    PartialFile file(path);
    const int fd = ::open(file.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) cannot_write(path, std::strerror(errno));
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string reason = n < 0 ? std::strerror(errno) : "nothing written";
            ::close(fd);
            cannot_write(
                path, reason + ", after " + std::to_string(written) + " of " + std::to_string(bytes.size()) + " bytes");
        }
        written += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) cannot_write(path, std::strerror(errno));
    file.commit();
}

}  // namespace somnus
