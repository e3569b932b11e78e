# Compiles the OpenAPI document (docs/openapi.yaml) into the http library as
# JSON, served at GET /api/openapi.json. At build time
# cmake/openapi_to_json.py converts the YAML (python3 with python3-yaml), then
# this file, run as a script, writes the JSON's bytes into a C++ source. The
# JSON stays in the build folder as openapi.json, where the tests read it.

if(CMAKE_SCRIPT_MODE_FILE)
  # cmake -Djson=<file> -Dout=<file.cpp> -P EmbedOpenApi.cmake
  file(READ ${json} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  file(WRITE ${out}
"// Generated from docs/openapi.yaml by cmake/EmbedOpenApi.cmake.
#include \"http/openapi_document.hpp\"

namespace flagmeter {
namespace {

const unsigned char kOpenApiJson[] = {${bytes}0x00};

}  // namespace

std::string_view OpenApiJson() { return std::string_view(reinterpret_cast<const char*>(kOpenApiJson), ${size}); }

}  // namespace flagmeter
")
  return()
endif()

# Debian's interpreter first: python3-yaml (and the tests' python3-jsonschema)
# are installed for it.
find_program(FLAGMETER_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(FLAGMETER_PYTHON3 NAMES python3 REQUIRED)

function(flagmeter_embed_openapi target yaml)
  execute_process(COMMAND ${FLAGMETER_PYTHON3} -c "import yaml" RESULT_VARIABLE no_yaml OUTPUT_QUIET ERROR_QUIET)
  if(no_yaml)
    message(FATAL_ERROR "${FLAGMETER_PYTHON3} cannot import yaml, which converts ${yaml} to JSON: "
                        "apt-get install python3-yaml")
  endif()
  set(json ${PROJECT_BINARY_DIR}/openapi.json)
  set(cpp ${CMAKE_CURRENT_BINARY_DIR}/generated/embedded_openapi.cpp)
  add_custom_command(
    OUTPUT ${json} ${cpp}
    COMMAND ${FLAGMETER_PYTHON3} ${PROJECT_SOURCE_DIR}/cmake/openapi_to_json.py ${yaml} ${json}
    COMMAND ${CMAKE_COMMAND} -Djson=${json} -Dout=${cpp} -P ${CMAKE_CURRENT_FUNCTION_LIST_FILE}
    DEPENDS ${yaml} ${PROJECT_SOURCE_DIR}/cmake/openapi_to_json.py ${CMAKE_CURRENT_FUNCTION_LIST_FILE}
    COMMENT "Converting ${yaml} to JSON"
    VERBATIM)
  target_sources(${target} PRIVATE ${cpp})
endfunction()
