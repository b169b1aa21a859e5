// What to do with a finished run's log, printed when `somnus run` ends: the
// commands as this machine runs them, whether somnus is run from its build
// folder in a checkout or from an install (cmake --install, the Debian package).
#pragma once

#include <string>

namespace somnus::cli {

// The two lines after a run: `somnus inspect LOG` and the figure command
// (`python3 -m somnus_analysis figures LOG figures/`), each ending in a newline.
// They name this binary as a shell finds it ("somnus" when its folder is on PATH,
// else its path) and put on PYTHONPATH the somnus_analysis beside it (a checkout's
// analysis/python, an install's lib/python3/dist-packages; nothing under /usr).
std::string next_steps_text(const std::string& log);

}  // namespace somnus::cli
