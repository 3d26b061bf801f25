// HEALPix throws PlanckError, which is not a std::exception: the exit-code table names it through
// healpix_error_message, whatever HEALPix call it came from.
#include "pipeline/sphere/healpix_error.hpp"

#include <gtest/gtest.h>
#include <healpix_base.h>

#include <functional>
#include <stdexcept>

namespace lofimap::pipeline {
namespace {

std::exception_ptr thrown_by(const std::function<void()>& f) {
  try {
    f();
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

TEST(HealpixError, APlanckErrorFromARealHealpixCallIsNamed) {
  // NESTED ordering needs a power-of-two nside: HEALPix refuses 100 by throwing PlanckError.
  const auto error = thrown_by([] { Healpix_Base2 base(100, NEST, SET_NSIDE); });
  ASSERT_TRUE(error);
  const std::string message = healpix_error_message(error);
  EXPECT_FALSE(message.empty());
  EXPECT_NE(message.find("power of 2"), std::string::npos) << message;
}

TEST(HealpixError, OtherExceptionsAndNothingAreNotHealpixErrors) {
  EXPECT_EQ(healpix_error_message(thrown_by([] { throw std::runtime_error("x"); })), "");
  EXPECT_EQ(healpix_error_message(thrown_by([] { throw 42; })), "");
  EXPECT_EQ(healpix_error_message(nullptr), "");
}

}  // namespace
}  // namespace lofimap::pipeline
