#include "sim/cli/next_steps.hpp"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <system_error>

namespace somnus::cli {

namespace fs = std::filesystem;

namespace {

fs::path this_binary() {
    std::error_code error;
    const fs::path exe = fs::read_symlink("/proc/self/exe", error);
    return error ? fs::path() : exe;
}

// `path` relative to the working folder when it lies below it, else as it is.
std::string as_typed(const fs::path& path) {
    std::error_code error;
    const fs::path here = fs::current_path(error);
    if (error) return path.string();
    const fs::path relative = path.lexically_relative(here);
    if (relative.empty() || *relative.begin() == "..") return path.string();
    return relative.string();
}

bool folder_on_path(const fs::path& folder) {
    const char* path = std::getenv("PATH");
    if (!path) return false;
    std::stringstream entries(path);
    std::string entry;
    std::error_code error;
    while (std::getline(entries, entry, ':'))
        if (!entry.empty() && fs::equivalent(entry, folder, error)) return true;
    return false;
}

// How a shell finds this binary: "somnus" when its folder is on PATH, else its
// path (relative to the working folder when below it).
std::string somnus_command() {
    const fs::path exe = this_binary();
    if (exe.empty() || folder_on_path(exe.parent_path())) return "somnus";
    const std::string typed = as_typed(exe);
    return typed.find('/') == std::string::npos ? "./" + typed : typed;  // "somnus" alone would search PATH
}

// The folder to put on PYTHONPATH so that Debian's /usr/bin/python3 imports the
// somnus_analysis beside this binary; "" when that is already on the path (/usr)
// or there is none (then pip install it).
std::string analysis_pythonpath() {
    const fs::path exe = this_binary();
    if (exe.empty()) return "";
    // PREFIX/bin/somnus (an install), CHECKOUT/build/somnus, CHECKOUT/build-device/build/somnus.
    fs::path above = exe.parent_path();
    for (int level = 0; level < 3 && above.has_relative_path(); ++level) {
        above = above.parent_path();
        for (const fs::path folder : {above / "analysis" / "python", above / "lib" / "python3" / "dist-packages"}) {
            if (!fs::is_directory(folder / "somnus_analysis")) continue;
            return folder == fs::path("/usr/lib/python3/dist-packages") ? "" : as_typed(folder);
        }
    }
    return "";
}

}  // namespace

std::string next_steps_text(const std::string& log) {
    const std::string pythonpath = analysis_pythonpath();
    return "next: " + somnus_command() + " inspect " + log + "   (what the log holds; docs/analysis.md)\n" + "      " +
           (pythonpath.empty() ? "" : "PYTHONPATH=" + pythonpath + " ") +
           "/usr/bin/python3 -m somnus_analysis figures " + log + " figures/   (PNG figures)\n";
}

}  // namespace somnus::cli
