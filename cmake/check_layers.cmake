# cmake -DROOT=<source dir> -DRULES=<target:folder:allowed,...|...> -DSTAMP=<file> -P check_layers.cmake
#
# Fails when a file of a layer includes a project header of a folder that is not
# its own or one of a layer below it (cmake/SomnusLayers.cmake), whether it is
# written "sim/run/runner.hpp" or <sim/run/runner.hpp>: an angle-bracket include
# is the project's when its first folder is one of the layers' top folders.
cmake_minimum_required(VERSION 3.22)

set(errors "")
string(REPLACE "|" ";" RULES "${RULES}")
set(project_roots "")  # sim, areas, data, ...: the first folder of every layer
foreach(rule IN LISTS RULES)
  string(REPLACE ":" ";" parts "${rule}")
  list(GET parts 1 folder)
  string(REGEX REPLACE "/.*" "" root "${folder}")
  list(APPEND project_roots "${root}")
endforeach()
foreach(rule IN LISTS RULES)
  string(REPLACE ":" ";" parts "${rule}")
  list(GET parts 0 target)
  list(GET parts 1 folder)
  list(GET parts 2 allowed_text)
  string(REPLACE "," ";" allowed "${allowed_text}")
  file(GLOB files "${ROOT}/${folder}/*.cpp" "${ROOT}/${folder}/*.hpp")
  foreach(file IN LISTS files)
    file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]*)[\">].*" "\\1" header "${line}")
      get_filename_component(header_folder "${header}" DIRECTORY)
      if(line MATCHES "include[ \t]*<")  # a system header unless its first folder is the project's
        string(REGEX REPLACE "/.*" "" header_root "${header}")
        if(NOT header MATCHES "/" OR NOT header_root IN_LIST project_roots)
          continue()
        endif()
      endif()
      if(header_folder STREQUAL "" OR header_folder IN_LIST allowed)
        continue()
      endif()
      file(RELATIVE_PATH relative "${ROOT}" "${file}")
      string(APPEND errors "  ${relative} includes \"${header}\": ${header_folder}/ is not a layer below ${folder}/ "
                           "(${target} may include ${allowed_text})\n")
    endforeach()
  endforeach()
endforeach()
if(errors)
  message(FATAL_ERROR "somnus: an include reaches up the layers (docs/architecture.md):\n${errors}")
endif()
file(TOUCH "${STAMP}")
