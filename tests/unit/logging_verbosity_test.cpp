// Unit tests of the logger's verbosity (logging.hpp): Mesos's glog
// verbosity mapped onto Tepui's levels, and a replaced change's revert
// doing nothing.
#include <gtest/gtest.h>

#include "common/logging.hpp"

namespace tepui::logging {
namespace {

// Leaves the process's logger as it found it.
class LoggingVerbosityTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = level(); }
  void TearDown() override {
    revertVerbosity(setVerbosity(0));
    setLevel(saved_);
  }
  Level saved_ = Level::INFO;
};

TEST_F(LoggingVerbosityTest, ZeroIsTheSetLevelAndAnyMoreAddsDebug) {
  setLevel(Level::INFO);
  EXPECT_EQ(verbosity(), 0u);
  EXPECT_EQ(level(), Level::INFO);
  auto change = setVerbosity(1);
  EXPECT_EQ(verbosity(), 1u);
  EXPECT_EQ(level(), Level::DEBUG);
  revertVerbosity(change);
  EXPECT_EQ(verbosity(), 0u);
  EXPECT_EQ(level(), Level::INFO);

  // The level verbosity 0 stands for follows setLevel.
  setLevel(Level::WARNING);
  EXPECT_EQ(level(), Level::WARNING);
  change = setVerbosity(7);
  EXPECT_EQ(level(), Level::DEBUG);
  setLevel(Level::ERROR);  // kept for when the verbosity goes back
  EXPECT_EQ(level(), Level::DEBUG);
  revertVerbosity(change);
  EXPECT_EQ(level(), Level::ERROR);
}

TEST_F(LoggingVerbosityTest, OnlyTheLatestChangeReverts) {
  auto first = setVerbosity(1);
  auto second = setVerbosity(3);
  revertVerbosity(first);  // replaced: nothing happens
  EXPECT_EQ(verbosity(), 3u);
  EXPECT_EQ(level(), Level::DEBUG);
  revertVerbosity(second);
  EXPECT_EQ(verbosity(), 0u);
  revertVerbosity(second);  // twice is harmless
  EXPECT_EQ(verbosity(), 0u);
}

}  // namespace
}  // namespace tepui::logging
