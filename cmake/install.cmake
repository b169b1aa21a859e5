# What `cmake --install build --prefix P` puts where, and the Debian package
# `cpack -G DEB` (run in the build folder) makes of it (docs/install.md):
#   P/bin/somnus, somnus_bench
#   P/share/somnus/experiments/         the example specs and sweeps, somnus.schema.json, somnus.sweep.schema.json
#   P/share/somnus/classifiers/         the fixed image classifier of eval.generated_images
#   P/share/somnus/python/              somnus_analysis as a pip-installable project, its examples
#   P/share/somnus/matlab/+somnus/      the MATLAB/Octave readers
#   P/lib/python3/dist-packages/        somnus_analysis for Debian's python3 (on its path when P is /usr)
#   P/share/doc/somnus/                 README.md and docs/
include(GNUInstallDirs)

# A binary built against a LibTorch outside the system folders (scripts/build-cuda.sh)
# keeps the run path to it once installed.
set_target_properties(somnus somnus_bench PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
install(TARGETS somnus somnus_bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(SOMNUS_SHARE ${CMAKE_INSTALL_DATADIR}/somnus)
install(DIRECTORY experiments/ DESTINATION ${SOMNUS_SHARE}/experiments)
install(DIRECTORY data/classifiers/ DESTINATION ${SOMNUS_SHARE}/classifiers)
install(DIRECTORY analysis/python/ DESTINATION ${SOMNUS_SHARE}/python
        PATTERN tests EXCLUDE PATTERN __pycache__ EXCLUDE PATTERN *.egg-info EXCLUDE PATTERN build EXCLUDE)
install(DIRECTORY analysis/python/somnus_analysis DESTINATION lib/python3/dist-packages PATTERN __pycache__ EXCLUDE)
install(DIRECTORY analysis/matlab/ DESTINATION ${SOMNUS_SHARE}/matlab)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The Debian package. Depends: what dpkg-shlibdeps finds for the libraries the two
# binaries link (LibTorch, HDF5, matio, zlib, the C++ runtime), plus OpenBLAS's
# threaded build, which Debian's LibTorch finds through the libblas.so.3 alternative
# (30x faster matrix products than the reference BLAS it would otherwise get).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME somnus)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "learning-during-sleep experiments on cortical models (PAD, wake-sleep)")
set(CPACK_PACKAGE_DESCRIPTION
    "somnus trains cortical models (PAD, adversarial wake-sleep, the Helmholtz machine, negative-phase sleep) over\n"
    "schedules of wake and sleep states written as JSON specs, and writes HDF5 logs for Python and MATLAB.")
set(CPACK_PACKAGE_CONTACT "somnus developers <somnus@localhost>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # somnus_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread")
# The embedded default data set, and what the Python readers import.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist, python3-h5py, python3-numpy, python3-matplotlib, python3-scipy")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "graphviz, python3-pandas, python3-xarray, octave, slurm-wlm")
include(CPack)
