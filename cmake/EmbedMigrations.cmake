# Compiles migrations/NNNN_name.sql into the store library, so the binary
# carries its own schema and needs no files beside it at run time.
function(flagmeter_embed_migrations target dir)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  if(NOT sql_files)
    # A binary without its schema would fail at start-up; fail the build instead.
    message(FATAL_ERROR "no migrations in ${dir}: is the folder missing from the source tree (or a Docker COPY)?")
  endif()
  list(SORT sql_files)
  set(entries "")
  foreach(sql_file ${sql_files})
    get_filename_component(name ${sql_file} NAME_WE)
    string(REGEX MATCH "^[0-9]+" version ${name})
    if(NOT version)
      message(FATAL_ERROR "migration ${sql_file}: name must start with its version number")
    endif()
    math(EXPR version "${version}")
    file(READ ${sql_file} sql)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${sql_file})
    string(APPEND entries "    {${version}, \"${name}\", R\"fmsql(${sql})fmsql\"},\n")
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/generated/embedded_migrations.cpp)
  file(CONFIGURE OUTPUT ${out} CONTENT
"// Generated from ${dir} by cmake/EmbedMigrations.cmake.
#include \"flagmeter/store/migrations.hpp\"

namespace flagmeter {

const std::vector<Migration>& EmbeddedMigrations() {
  static const std::vector<Migration> kMigrations = {
${entries}  };
  return kMigrations;
}

}  // namespace flagmeter
" @ONLY)
  target_sources(${target} PRIVATE ${out})
endfunction()
