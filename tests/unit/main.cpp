// The Catch2 runner for the unit tests; each *_test.cpp beside it adds cases.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
