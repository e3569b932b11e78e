# The version and git commit that `flagmeter --version` prints, compiled into
# a small library of their own. The commit is read at every build (not only
# at configure time), so a binary never reports a commit it was not built
# from; the generated file is rewritten only when it changes, so an unchanged
# commit recompiles nothing. Without a git checkout (the Docker build copies
# no .git) the commit is FLAGMETER_COMMIT, or "unknown".
set(FLAGMETER_COMMIT "" CACHE STRING "Commit reported by --version when the source tree is not a git checkout")

function(flagmeter_build_info library)
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/generated/build_info.cpp)
  add_custom_target(${library}_generate
    COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${generated}
            -DVERSION=${PROJECT_VERSION} -DFALLBACK_COMMIT=${FLAGMETER_COMMIT}
            -P ${PROJECT_SOURCE_DIR}/cmake/WriteBuildInfo.cmake
    BYPRODUCTS ${generated}
    COMMENT "Reading the git commit for --version"
    VERBATIM)
  add_library(${library} STATIC ${generated})
  target_include_directories(${library} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  add_dependencies(${library} ${library}_generate)
endfunction()
