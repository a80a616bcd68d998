// Subcommands of the tritgate tool. The core commands live in gen/main.cpp; optional modules
// (train/, analyze/) contribute their own lists, linked in when the module is built.
#pragma once
#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace tg {

struct Command {
  const char* name;
  const char* summary;
  // args: the arguments after the command name; full: the whole command line (provenance).
  int (*run)(const std::vector<std::string>& args, const std::string& full);
};

std::vector<Command> train_commands();    // defined in train/ when TG_HAVE_TRAIN
std::vector<Command> analyze_commands();  // defined in analyze/ when TG_HAVE_ANALYZE
std::vector<Command> cosim_commands();    // defined in cosim/ when TG_HAVE_COSIM

// Parses `args` against `desc` (a --help option is added) and positional names. Returns false
// after printing help for --help; throws tg::Error naming the command on bad options.
bool parse_options(const std::string& cmd, const std::vector<std::string>& args,
                   boost::program_options::options_description& desc,
                   const boost::program_options::positional_options_description& pos,
                   boost::program_options::variables_map& vm, const std::string& usage);

}  // namespace tg
