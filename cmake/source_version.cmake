# Writes the source's git state (commit, whether the tree differs from it) as a header, at every
# build (a target that always runs), but touches the header only when its contents change, so
# that only the few files including it are recompiled. Run as:
#   cmake -DSOURCE_DIR=<repo> -DOUTPUT=<header> -P cmake/source_version.cmake
# Without git or outside a repository, the commit is "unknown".
set(commit "unknown")
set(dirty 0)
set(diff_checksum "")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse HEAD
    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE out RESULT_VARIABLE rc
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0)
    set(commit "${out}")
    # Tracked files that differ from the commit (untracked files are not part of the build's
    # identity unless added). The diff's checksum tells two dirty builds apart.
    execute_process(COMMAND ${GIT_EXECUTABLE} diff HEAD --no-ext-diff --binary
      WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE diff RESULT_VARIABLE rc
      ERROR_QUIET)
    if(rc EQUAL 0 AND NOT diff STREQUAL "")
      set(dirty 1)
      string(SHA1 diff_checksum "${diff}")
    endif()
  endif()
endif()
set(content "#pragma once
// Generated at build time by cmake/source_version.cmake: the git state of the source.
namespace govsim {
inline constexpr const char* git_commit = \"${commit}\";
/// true when tracked files differed from git_commit at build time
inline constexpr bool git_dirty = ${dirty};
/// SHA-1 of `git diff HEAD` when dirty (empty otherwise): tells two dirty builds apart
inline constexpr const char* git_diff_checksum = \"${diff_checksum}\";
} // namespace govsim
")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
endif()
