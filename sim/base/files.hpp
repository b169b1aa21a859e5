// Writing files so that nothing is lost or misread. The one rule every command
// that writes follows (docs/troubleshooting.md, "Files somnus writes"):
//   1. it never writes over one of its own inputs (not even with --overwrite);
//   2. it replaces an existing file only when told (--overwrite), except the
//      files somnus keeps current itself (a batch folder's summaries and manifests);
//   3. it writes through PATH.partial, in the target's own folder, and renames
//      that onto PATH once it is complete and on disk; on any failure the partial
//      file is removed and a file already at PATH stays as it was;
//   4. its error names the file and the reason.
// check_output() is rules 1, 2 and a target that cannot be a file; PartialFile
// and write_file_atomically() are rule 3; both throw errors that are rule 4.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace somnus {

// Whether an existing file at the target may be replaced.
enum class Replace {
    if_asked,  // only with --overwrite: `asked` says whether it was given
    always,    // a file somnus keeps current itself (summary.md, sweep.json, a run's specs)
};

// The place a command is about to write: refuses (UsageError, naming the file and the
// reason) a target that is a folder, one that is the same file as one of `inputs`
// (hard links and symbolic links included), and an existing file unless `replace`
// allows it. `what` says what the file is ("the NWB file"), for the error.
void check_output(const std::filesystem::path& target, const std::vector<std::filesystem::path>& inputs,
                  Replace replace, bool asked, const std::string& what);

// A file written whole: the writer writes to path() (TARGET.partial, in the target's
// folder, which is created); commit() syncs it to disk and renames it onto the
// target. Destroyed uncommitted (an exception on the way), it removes the partial
// file, so a failure leaves nothing behind and a previous file at the target as it was.
class PartialFile {
public:
    explicit PartialFile(std::filesystem::path target);
    ~PartialFile();
    PartialFile(const PartialFile&) = delete;
    PartialFile& operator=(const PartialFile&) = delete;

    const std::filesystem::path& path() const { return partial_; }
    const std::filesystem::path& target() const { return target_; }
    // Throws OutputError naming the target and the reason; the partial file is removed.
    void commit();

private:
    std::filesystem::path target_, partial_;
    bool committed_ = false;
};

// Writes `bytes` to `path` through a PartialFile (atomically and durably); creates the
// folder. Throws OutputError naming the path and the reason; the previous file there is kept.
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes);

// The same for text (a table, a spec, a script).
inline void write_text_file(const std::filesystem::path& path, const std::string& text) {
    write_file_atomically(path, text);
}

}  // namespace somnus
