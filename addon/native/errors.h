// The errors the addon throws: "what: reason", with errno set on the error.
#pragma once
#include <napi.h>
#include <string.h>
#include <string>
#include "../common/errtext.h"

namespace ocits_native {

inline std::string ErrText(int err) { return ocits::go_strerror(err); }

// "what: Strerror text" (err 0: what alone).
inline Napi::Error ErrnoError(Napi::Env env, int err, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, err ? what + ": " + strerror(err) : what);
  if (err) e.Set("errno", Napi::Number::New(env, err));
  return e;
}

// "what: strerror text", worded as Go's (messages callers match, as runc's).
inline Napi::Error GoError(Napi::Env env, int err, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, err ? what + ": " + ErrText(err) : what);
  if (err) e.Set("errno", Napi::Number::New(env, err));
  return e;
}

}  // namespace ocits_native
