#include "sim/eval/reports.hpp"

#include <algorithm>
#include <numeric>

namespace somnus {

double ReadoutSeed::mean_of_last(std::size_t n) const {
    n = std::min(n, test_accuracy.size());
    return std::accumulate(test_accuracy.end() - n, test_accuracy.end(), 0.0) / double(n);
}

double ReadoutSeed::best() const { return *std::max_element(test_accuracy.begin(), test_accuracy.end()); }

}  // namespace somnus
