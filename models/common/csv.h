#pragma once
// CSV as RFC 4180 defines it, for every report writer: a field holding a
// comma, a double quote, CR or LF is enclosed in double quotes, with its
// quotes doubled; any other field is written as it is. Layer, workload and
// platform names are user text, and one comma in them shifts every later
// column of summary.csv.
#include <string>
#include <string_view>
#include <vector>

namespace masr {

// One field, quoted when it must be.
std::string csv_field(std::string_view text);

// Fields joined by commas, each through csv_field, without a line end.
std::string csv_line(const std::vector<std::string>& fields);

}  // namespace masr
