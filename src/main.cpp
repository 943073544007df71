// chatd: serve, or run one command (chatd --help).
#include "app/cli.hpp"

int main(int argc, char** argv) {
  return chatd::app::run_command_line(argc, argv);
}
