# cmake -DROOT=<source> -DCHECK=<cmake/check_layers.cmake> -DWORK=<scratch folder> -P wrong_way_include.cmake
#
# The layer check (cmake/check_layers.cmake) on a scratch tree of two layers: a
# spec file that includes the runner fails it, naming the file, the header and
# what the layer may include, whether the include is written "..." or <...>; the
# same tree with the include going down passes, and so do system headers.
cmake_minimum_required(VERSION 3.22)
file(REMOVE_RECURSE "${WORK}")
file(WRITE "${WORK}/sim/spec/spec.cpp" "#include \"sim/spec/spec.hpp\"\n#include <vector>\n#include <torch/torch.h>\n")
file(WRITE "${WORK}/sim/run/runner.cpp" "#include \"sim/run/runner.hpp\"\n#include \"sim/spec/spec.hpp\"\n")
set(rules "somnus_spec:sim/spec:sim/spec,areas|somnus_run:sim/run:sim/run,sim/spec,areas")

function(check expect_ok)
  execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${WORK} "-DRULES=${rules}" -DSTAMP=${WORK}/checked -P ${CHECK}
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expect_ok AND NOT code EQUAL 0)
    message(FATAL_ERROR "a tree whose includes go down failed the check:\n${err}")
  endif()
  set(code ${code} PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

# The check fails, saying `expected` (whitespace folded).
function(expect_failure include_text expected)
  check(FALSE)
  if(code EQUAL 0)
    message(FATAL_ERROR "sim/spec/spec.cpp includes ${include_text}, and the check passed")
  endif()
  string(REGEX REPLACE "[ \t\r\n]+" " " folded "${err}")
  string(FIND "${folded}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the check failed without saying: ${expected}\nit said: ${folded}")
  endif()
endfunction()

set(expected "sim/spec/spec.cpp includes \"sim/run/runner.hpp\": sim/run/ is not a layer below sim/spec/ (somnus_spec may include sim/spec,areas)")
check(TRUE)
file(APPEND "${WORK}/sim/spec/spec.cpp" "#include \"sim/run/runner.hpp\"\n")
expect_failure("\"sim/run/runner.hpp\"" "${expected}")
message(STATUS "a wrong-way include fails the check: ${expected}")

# The same include in angle brackets.
file(WRITE "${WORK}/sim/spec/spec.cpp" "#include \"sim/spec/spec.hpp\"\n#include <sim/run/runner.hpp>\n")
expect_failure("<sim/run/runner.hpp>" "${expected}")
message(STATUS "a wrong-way include in angle brackets fails the check too")
