# Turns text files into a C++ source with one table, returned by <NAMESPACE>::<FUNCTION>(), a
# function declared in HEADER as `const std::vector<chatd::core::EmbeddedFile>& FUNCTION();`.
# Invoked as a script at build time:
#   cmake -DOUT=... -DROOT=... -DFILES="a|b" -DHEADER=... -DNAMESPACE=... -DFUNCTION=... -P embed.cmake
set(content "// Generated from ${ROOT}; do not edit.\n#include \"${HEADER}\"\n\nnamespace ${NAMESPACE} {\nconst std::vector<chatd::core::EmbeddedFile>& ${FUNCTION}() {\n  static const std::vector<chatd::core::EmbeddedFile> kFiles = {\n")
string(REPLACE "|" ";" FILES "${FILES}")
foreach(f IN LISTS FILES)
  file(READ "${ROOT}/${f}" body)
  string(APPEND content "    {\"${f}\", R\"chatd_embed(${body})chatd_embed\"},\n")
endforeach()
string(APPEND content "  };\n  return kFiles;\n}\n}  // namespace ${NAMESPACE}\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT "${old}" STREQUAL "${content}")
  file(WRITE "${OUT}" "${content}")
endif()
