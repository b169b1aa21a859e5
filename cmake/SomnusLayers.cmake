# The layers of somnus, one static library each, in data-flow order:
#
#   somnus_layer(<target> FOLDERS <folders> [LAYERS <layers below>] [LIBRARIES <others>])
#
# builds the .cpp files of FOLDERS into <target>, linked to the LAYERS below it.
# A file may include headers of its own folders and of the folders of the layers
# its target links, directly or through them; the check below fails the build
# for any other project include, so no layer can reach up.

set(SOMNUS_LAYER_RULES "" CACHE INTERNAL "")

function(somnus_layer name)
  cmake_parse_arguments(L "WHOLE" "" "FOLDERS;LAYERS;LIBRARIES" ${ARGN})
  set(sources "")
  set(headers "")
  foreach(folder IN LISTS L_FOLDERS)
    file(GLOB cpp CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${folder}/*.cpp")
    file(GLOB hpp CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${folder}/*.hpp")
    list(APPEND sources ${cpp})
    list(APPEND headers ${hpp})
  endforeach()
  list(FILTER sources EXCLUDE REGEX "/sim/cli/main\\.cpp$")  # the executable's own
  if(sources)
    add_library(${name} STATIC ${sources} ${headers})
    set(scope PUBLIC)
    target_compile_options(${name} PRIVATE -Wall -Wextra)
    target_precompile_headers(${name} REUSE_FROM somnus_pch)
  else()
    add_library(${name} INTERFACE ${headers})
    set(scope INTERFACE)
  endif()
  target_link_libraries(${name} ${scope} somnus_build ${L_LIBRARIES})
  foreach(layer IN LISTS L_LAYERS)
    if(SOMNUS_WHOLE_${layer})
      # Registries (sim/states/registry.cpp, dreams/registry.cpp) are static objects
      # nothing calls by name: link their libraries whole so every program has them.
      target_link_libraries(${name} ${scope} "$<LINK_LIBRARY:WHOLE_ARCHIVE,${layer}>")
    else()
      target_link_libraries(${name} ${scope} ${layer})
    endif()
  endforeach()
  set(SOMNUS_WHOLE_${name} ${L_WHOLE} CACHE INTERNAL "")

  # The folders it may include: its own, and those of every layer below it.
  set(allowed ${L_FOLDERS})
  foreach(layer IN LISTS L_LAYERS)
    list(APPEND allowed ${SOMNUS_ALLOWED_${layer}})
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  set(SOMNUS_ALLOWED_${name} ${allowed} CACHE INTERNAL "")
  set(rules ${SOMNUS_LAYER_RULES})
  foreach(folder IN LISTS L_FOLDERS)
    string(REPLACE ";" "," allowed_text "${allowed}")
    list(APPEND rules "${name}:${folder}:${allowed_text}")
  endforeach()
  set(SOMNUS_LAYER_RULES ${rules} CACHE INTERNAL "")
  set_property(GLOBAL APPEND PROPERTY SOMNUS_LAYER_FILES ${sources} ${headers})
  set_property(GLOBAL APPEND PROPERTY SOMNUS_LAYERS ${name})
endfunction()

# After the last layer: a build step that checks every include of every layer,
# run before any of them compiles, and again whenever a source changes.
function(somnus_check_layers)
  get_property(files GLOBAL PROPERTY SOMNUS_LAYER_FILES)
  get_property(layers GLOBAL PROPERTY SOMNUS_LAYERS)
  set(stamp "${PROJECT_BINARY_DIR}/somnus_layers.checked")
  string(REPLACE ";" "|" rules "${SOMNUS_LAYER_RULES}")  # one argument
  add_custom_command(OUTPUT "${stamp}"
    COMMAND ${CMAKE_COMMAND} "-DROOT=${PROJECT_SOURCE_DIR}" "-DRULES=${rules}" "-DSTAMP=${stamp}"
            -P "${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake"
    DEPENDS ${files} "${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake"
    COMMENT "Checking that each layer includes only the layers below it"
    VERBATIM)
  add_custom_target(somnus_layers DEPENDS "${stamp}")
  foreach(layer IN LISTS layers)
    add_dependencies(${layer} somnus_layers)
  endforeach()
endfunction()
