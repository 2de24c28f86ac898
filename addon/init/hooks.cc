// OCI hooks the init runs itself: createContainer (in the container's
// namespaces, before pivot_root) and startContainer (after `start`, before
// the process). The runtime runs the others (lib/runtime/hooks.ts).
#include "init.h"

namespace ocits {

bool run_hooks(const std::vector<HookEntry>& hooks, const std::string& state, const char* kind, std::string* why) {
  if (hooks.empty()) return true;
  *why = std::string(kind) + " hooks are not implemented yet";
  return false;
}

}  // namespace ocits
