#pragma once
// The tools' command lines (Boost.Program_options, which each tool links).
#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace masr {

// Stores argv's options into vm and returns the first word that is no
// option's value ("" when there is none), so that the tool can refuse it by
// name: boost would otherwise say only "too many positional options". Throws
// boost::program_options::error for malformed options.
inline std::string store_command_line(int argc, char** argv,
                                      const boost::program_options::options_description& options,
                                      boost::program_options::variables_map& vm) {
    namespace po = boost::program_options;
    po::options_description hidden;
    hidden.add_options()("stray-argument", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(options).add(hidden);
    po::positional_options_description positional;
    positional.add("stray-argument", -1);
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
    return vm.count("stray-argument") ? vm["stray-argument"].as<std::vector<std::string>>().front()
                                      : std::string();
}

}  // namespace masr
