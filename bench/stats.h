// Small statistics helpers for the report.
#pragma once

#include <vector>

namespace imchat::bench {

// The p-th percentile (0..100, nearest rank) of values; 0 for an empty set. Sorts a copy.
double Percentile(std::vector<double> values, double p);
// Median of values; NaN-free: 0 for an empty set.
double Median(const std::vector<double>& values);

}  // namespace imchat::bench
