# Compiles the dashboard's files (web/) into the http library, so the binary
# serves its own page and needs no files beside it at run time, and no build
# step other than CMake. web/index.html is served at "/", every other file at
# "/<its path under web/>" (web/assets/app.js at /assets/app.js). Bytes are
# embedded as hex, so any file (an image too) is taken as it is.
function(flagmeter_embed_web_assets target dir)
  file(GLOB_RECURSE web_files CONFIGURE_DEPENDS ${dir}/*)
  if(NOT EXISTS ${dir}/index.html)
    # The binary would serve no dashboard; fail the build instead.
    message(FATAL_ERROR "${dir}/index.html does not exist: is the folder missing from the source tree (or a Docker COPY)?")
  endif()
  list(SORT web_files)
  set(arrays "")
  set(entries "")
  set(index 0)
  foreach(web_file ${web_files})
    file(RELATIVE_PATH relative ${dir} ${web_file})
    if(relative STREQUAL "index.html")
      set(url "/")
    else()
      set(url "/${relative}")
    endif()
    get_filename_component(extension ${web_file} LAST_EXT)
    string(TOLOWER "${extension}" extension)
    if(extension STREQUAL ".html")
      set(type "text/html; charset=utf-8")
    elseif(extension STREQUAL ".js" OR extension STREQUAL ".mjs")
      set(type "text/javascript; charset=utf-8")
    elseif(extension STREQUAL ".css")
      set(type "text/css; charset=utf-8")
    elseif(extension STREQUAL ".svg")
      set(type "image/svg+xml")
    elseif(extension STREQUAL ".png")
      set(type "image/png")
    elseif(extension STREQUAL ".ico")
      set(type "image/x-icon")
    elseif(extension STREQUAL ".json")
      set(type "application/json")
    else()
      message(FATAL_ERROR "web asset ${web_file}: no content type known for '${extension}'; add it to ${CMAKE_CURRENT_FUNCTION_LIST_FILE}")
    endif()
    file(READ ${web_file} hex HEX)
    file(SHA256 ${web_file} digest)
    string(SUBSTRING ${digest} 0 16 digest)
    string(LENGTH "${hex}" hex_length)
    math(EXPR size "${hex_length} / 2")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
    string(APPEND arrays "const unsigned char kAsset${index}[] = {${bytes}0x00};\n")
    string(APPEND entries "    {\"${url}\", \"${type}\", \"\\\"${digest}\\\"\", {kAsset${index}, ${size}}},\n")
    math(EXPR index "${index} + 1")
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/generated/embedded_web_assets.cpp)
  # Written through a scratch file and copied only when it changed, so a
  # re-configure does not rebuild the library for nothing.
  file(WRITE ${out}.new
"// Generated from ${dir} by cmake/EmbedWebAssets.cmake.
#include \"http/static_assets.hpp\"

namespace flagmeter {
namespace {

${arrays}
}  // namespace

std::span<const StaticAsset> EmbeddedWebAssets() {
  static const StaticAsset kAssets[] = {
${entries}    {\"\", \"\", \"\", {}},
  };
  return std::span<const StaticAsset>(kAssets, sizeof(kAssets) / sizeof(kAssets[0]) - 1);
}

}  // namespace flagmeter
")
  configure_file(${out}.new ${out} COPYONLY)
  target_sources(${target} PRIVATE ${out})
endfunction()
