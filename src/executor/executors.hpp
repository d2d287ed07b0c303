// Entry points of the executors built into the tepui binary
// (`tepui executor command`, ...). Each returns the process exit code.
#pragma once

namespace tepui::executor {

int commandExecutorMain();

}  // namespace tepui::executor
