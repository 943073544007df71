# Turns text files into a C++ source with one table: chatd::embedded::files().
# Invoked as a script at build time: cmake -DOUT=... -DROOT=... -DFILES="a;b" -P embed.cmake
set(content "// Generated from ${ROOT}; do not edit.\n#include \"app/embedded.hpp\"\n\nnamespace chatd::embedded {\nconst std::vector<File>& files() {\n  static const std::vector<File> kFiles = {\n")
foreach(f IN LISTS FILES)
  file(READ "${ROOT}/${f}" body)
  string(APPEND content "    {\"${f}\", R\"chatd_embed(${body})chatd_embed\"},\n")
endforeach()
string(APPEND content "  };\n  return kFiles;\n}\n}  // namespace chatd::embedded\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT "${old}" STREQUAL "${content}")
  file(WRITE "${OUT}" "${content}")
endif()
