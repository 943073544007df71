# `cmake --install <build> --prefix P`: P/bin/chatd and its web assets under P/share/chatd/web,
# the layout chatd looks for next to itself (src/app/web_root.cpp; fixed paths, not
# GNUInstallDirs', for that reason). `cpack` (scripts/package.sh) adds the systemd unit and
# /etc/chatd/chatd.env and builds chatd_<version>_amd64.deb.
# Installing builds nothing: scripts/package.sh builds the two targets it needs (chatd,
# chatd_env_file) rather than every test and benchmark.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CHATD_WEB ${PROJECT_SOURCE_DIR}/web)
set(CHATD_WEB_DEST share/chatd/web)
set(CHATD_SWAGGER ${CHATD_WEB}/node_modules/swagger-ui-dist)
set(CHATD_SOCKETIO ${CHATD_WEB}/node_modules/socket.io-client)

install(TARGETS chatd RUNTIME DESTINATION bin)

# The npm assets come from web/package-lock.json: say how to get them rather than fail on a file.
install(CODE "
  foreach(f ${CHATD_SWAGGER}/swagger-ui-bundle.js ${CHATD_SOCKETIO}/dist/socket.io.js)
    if(NOT EXISTS \${f})
      message(FATAL_ERROR \"\${f} is missing: run scripts/npm-deps.sh web first\")
    endif()
  endforeach()")
install(FILES ${CHATD_WEB}/index.html ${CHATD_WEB}/api-docs.html ${CHATD_WEB}/api-docs-init.js
        DESTINATION ${CHATD_WEB_DEST})
install(DIRECTORY ${CHATD_WEB}/app DESTINATION ${CHATD_WEB_DEST})
# What api-docs.html loads, and the licences.
install(FILES ${CHATD_SWAGGER}/swagger-ui-bundle.js ${CHATD_SWAGGER}/swagger-ui.css
              ${CHATD_SWAGGER}/favicon-16x16.png ${CHATD_SWAGGER}/favicon-32x32.png
              ${CHATD_SWAGGER}/swagger-ui-bundle.js.LICENSE.txt ${CHATD_SWAGGER}/LICENSE
              ${CHATD_SWAGGER}/NOTICE ${CHATD_SWAGGER}/package.json
        DESTINATION ${CHATD_WEB_DEST}/node_modules/swagger-ui-dist)
# Every browser bundle with its source map (the web client imports socket.io.esm.min.js).
install(DIRECTORY ${CHATD_SOCKETIO}/dist DESTINATION ${CHATD_WEB_DEST}/node_modules/socket.io-client)
install(FILES ${CHATD_SOCKETIO}/LICENSE ${CHATD_SOCKETIO}/package.json
        DESTINATION ${CHATD_WEB_DEST}/node_modules/socket.io-client)

# --- The Debian package. The unit and the environment file only make sense there (the unit
# runs /usr/bin/chatd): component "system", which a plain `cmake --install` leaves out.
set(CHATD_ENV_FILE ${CMAKE_BINARY_DIR}/packaging/chatd.env)
add_custom_command(
  OUTPUT ${CHATD_ENV_FILE}
  COMMAND ${CMAKE_COMMAND} -DCHATD=$<TARGET_FILE:chatd>
          -DHEAD=${PROJECT_SOURCE_DIR}/packaging/chatd.env.head -DOUT=${CHATD_ENV_FILE}
          -P ${PROJECT_SOURCE_DIR}/packaging/env-file.cmake
  DEPENDS chatd ${PROJECT_SOURCE_DIR}/packaging/chatd.env.head
          ${PROJECT_SOURCE_DIR}/packaging/env-file.cmake
  COMMENT "Writing chatd.env from the settings table" VERBATIM)
add_custom_target(chatd_env_file ALL DEPENDS ${CHATD_ENV_FILE})

install(FILES ${PROJECT_SOURCE_DIR}/packaging/chatd.service DESTINATION lib/systemd/system
        COMPONENT system EXCLUDE_FROM_ALL)
# Secrets may go into it (JWE_KEY, passwords in DATABASE_URL): root only; systemd reads it as root.
install(FILES ${CHATD_ENV_FILE} DESTINATION /etc/chatd PERMISSIONS OWNER_READ OWNER_WRITE
        COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/configuration.md
              ${PROJECT_SOURCE_DIR}/docs/cli.md
        DESTINATION share/doc/chatd COMPONENT system EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME chatd)
set(CPACK_PACKAGE_CONTACT "chatd maintainers <maintainers@chatd.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time chat server: REST API, Socket.IO and a web client")
set(CPACK_PACKAGE_DESCRIPTION
    "One binary serving a chat REST API, a Socket.IO server (Engine.IO v4 / Socket.IO v5), \
Swagger UI and a web client on one port, over SQLite or PostgreSQL, optionally clustered \
through Redis. Runs as chatd.service; settings in /etc/chatd/chatd.env.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# /etc/chatd lies outside the prefix: staged through DESTDIR, with /usr as the prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL Unspecified system)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql, redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/conffiles ${PROJECT_SOURCE_DIR}/packaging/postinst
    ${PROJECT_SOURCE_DIR}/packaging/prerm ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
