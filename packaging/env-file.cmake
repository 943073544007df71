# Writes the package's /etc/chatd/chatd.env: packaging/chatd.env.head, then what `chatd env-file`
# prints with only DATA_DIR set (as the unit sets it), run in an empty environment and in a folder
# without a .env, so nothing of the build machine leaks in.
# Usage: cmake -DCHATD=<binary> -DHEAD=<head file> -DOUT=<file> -P env-file.cmake
get_filename_component(dir ${OUT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
execute_process(COMMAND env -i DATA_DIR=/var/lib/chatd ${CHATD} env-file
                WORKING_DIRECTORY ${dir} OUTPUT_VARIABLE body RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "chatd env-file failed (${rc})")
endif()
file(READ ${HEAD} head)
file(WRITE ${OUT} "${head}${body}")
