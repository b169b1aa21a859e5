// What to do with a finished run's log, printed when `somnus run` ends: the
// commands as this machine runs them, whether somnus is run from its build
// folder in a checkout or from an install (cmake --install, the Debian package).
#pragma once

#include <string>

namespace somnus::cli {

// The two lines after a run: `somnus inspect LOG` and the figure command
// (`python3 -m somnus_analysis figures LOG figures/`), each ending in a newline.
std::string next_steps_text(const std::string& log);

// How a shell finds this binary: "somnus" when its folder is on PATH, else its
// path (relative to the working folder when below it).
std::string somnus_command();

// The folder to put on PYTHONPATH so that Debian's /usr/bin/python3 imports
// somnus_analysis: the checkout's analysis/python beside the build folder, or an
// install's lib/python3/dist-packages; "" when that is already on the path
// (/usr) or the package is not found beside the binary (then pip install it).
std::string analysis_pythonpath();

}  // namespace somnus::cli
