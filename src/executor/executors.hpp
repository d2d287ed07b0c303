// Entry points of the executors built into the tepui binary
// (`tepui executor command`, `tepui executor default`). Each returns the process exit code.
#pragma once

namespace tepui::executor {

int commandExecutorMain();
int defaultExecutorMain();

}  // namespace tepui::executor
