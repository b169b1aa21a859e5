// Writing a file whole, so that no reader and no crash ever sees half of it:
// the bytes go to PATH.partial, are flushed to disk (fsync), then take the name.
// A file already at PATH stays as it was until then. The one writer for specs,
// tables, scripts, status files and checkpoints.
#pragma once

#include <filesystem>
#include <string>

namespace somnus {

// Writes `bytes` to `path` atomically and durably; creates the folder. Throws
// OutputError naming the path and the reason; the previous file there is kept.
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes);

// The same for text (a table, a spec, a script).
inline void write_text_file(const std::filesystem::path& path, const std::string& text) {
    write_file_atomically(path, text);
}

}  // namespace somnus
