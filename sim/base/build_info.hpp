// What this build of somnus is: its version and the git commit it was built from
// (written at every build by cmake/build_info.cmake; "unknown" outside a git checkout,
// with "-dirty" when the checkout had uncommitted changes to tracked files).
#pragma once

namespace somnus {

const char* git_commit();

}  // namespace somnus
