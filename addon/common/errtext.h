// strerror as Go (and so runc) words it, "no such file or directory":
// callers (conmon, containerd) match these texts. Shared by the init and the addon.
#pragma once
#include <string.h>
#include <string>

namespace ocits {

inline std::string go_strerror(int err) {
  std::string s = strerror(err);
  if (s.size() > 1 && s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z')) s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

}  // namespace ocits
