# The daemon's command parser, compiled on its own (no MQTT or SQLite needed).
set(imchat_commands_source ${PROJECT_SOURCE_DIR}/auth-service/daemon/commands.cpp)
if(EXISTS ${imchat_commands_source})
  imchat_fuzz_target(command ${CMAKE_CURRENT_SOURCE_DIR}/command_fuzz.cpp LIBS imchat_core)
  target_sources(fuzz_command PRIVATE ${imchat_commands_source})
  target_include_directories(fuzz_command PRIVATE ${PROJECT_SOURCE_DIR}/auth-service/daemon)
endif()
