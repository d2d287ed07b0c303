// KeyLog; see key_log.hpp.
#include "allocator/key_log.hpp"

#include <algorithm>

namespace tepui::allocator {

void KeyLog::sortUnique() {
  std::sort(log_.begin(), log_.end());
  log_.erase(std::unique(log_.begin(), log_.end()), log_.end());
}

}  // namespace tepui::allocator
