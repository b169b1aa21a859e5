// Writing a small text file (a table, a spec, a script) whole: into PATH.partial,
// then renamed, so a reader never sees half of it; its folder is created.
#pragma once

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace somnus {

inline void write_text_file(const std::filesystem::path& path, const std::string& text) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    const std::filesystem::path partial = path.string() + ".partial";
    {
        std::ofstream file(partial);
        if (!(file << text) || !file.flush()) throw std::runtime_error(path.string() + ": cannot write");
    }
    std::filesystem::rename(partial, path);
}

}  // namespace somnus
