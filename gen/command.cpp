#include "command.hpp"

#include <fmt/format.h>

#include <iostream>

#include "util.hpp"

namespace po = boost::program_options;

namespace tg {

bool parse_options(const std::string& cmd, const std::vector<std::string>& args, po::options_description& desc,
                   const po::positional_options_description& pos, po::variables_map& vm, const std::string& usage) {
  desc.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: tritgate " << cmd << " " << usage << "\n\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(fmt::format("{}: {} (see 'tritgate {} --help')", cmd, e.what(), cmd));
  }
  return true;
}

}  // namespace tg
