// The systemd D-Bus client of the systemd cgroup driver (lib/cgroups/systemd),
// through libsystemd's sd-bus: a module of its own (ocits_systemd.node) so that
// libsystemd is loaded only by the commands of containers that use the driver,
// never by the always-loaded addon. Every call is synchronous (the CLI is):
// one connection per process, opened on first use, as root the manager's
// private socket (what systemctl does), else the system bus.
#include <napi.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

sd_bus* bus = nullptr;

Napi::Error BusError(Napi::Env env, const std::string& what, int r, const sd_bus_error* e) {
  std::string msg = what + ": ";
  if (e && sd_bus_error_is_set(e)) {
    msg += e->message ? e->message : e->name;
  } else {
    msg += strerror(r < 0 ? -r : r);
  }
  Napi::Error err = Napi::Error::New(env, msg);
  if (e && sd_bus_error_is_set(e)) err.Set("dbusName", Napi::String::New(env, e->name));
  err.Set("errno", Napi::Number::New(env, r < 0 ? -r : r));
  return err;
}

sd_bus* Bus(Napi::Env env) {
  if (bus) return bus;
  int r = -ENOENT;
  std::string tried;
  if (geteuid() == 0) {
    // Direct to the manager: no dbus-daemon in the way (or needed).
    sd_bus* b = nullptr;
    r = sd_bus_new(&b);
    if (r >= 0) r = sd_bus_set_address(b, "unix:path=/run/systemd/private");
    if (r >= 0) r = sd_bus_start(b);
    if (r >= 0) { bus = b; return bus; }
    sd_bus_unref(b);
    tried = std::string("/run/systemd/private: ") + strerror(-r) + "; ";
  }
  r = sd_bus_open_system(&bus);
  if (r < 0) {
    bus = nullptr;
    throw Napi::Error::New(env, "connect to systemd: " + tried + "system bus: " + strerror(-r));
  }
  return bus;
}

uint64_t NowUsec() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000ULL + static_cast<uint64_t>(ts.tv_nsec) / 1000ULL;
}

// ---- values: JS -> D-Bus by signature --------------------------------------

// The end of the single complete type starting at sig[i].
size_t TypeEnd(const std::string& sig, size_t i) {
  if (i >= sig.size()) throw std::runtime_error("signature ends early");
  char c = sig[i];
  if (c == 'a') return TypeEnd(sig, i + 1);
  if (c == '(' || c == '{') {
    char close = c == '(' ? ')' : '}';
    size_t j = i + 1;
    while (j < sig.size() && sig[j] != close) j = TypeEnd(sig, j);
    if (j >= sig.size()) throw std::runtime_error("unbalanced signature");
    return j + 1;
  }
  return i + 1;
}

int64_t Int(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Int64Value(&lossless);
  }
  return static_cast<int64_t>(v.As<Napi::Number>().Int64Value());
}

uint64_t Uint(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  double d = v.As<Napi::Number>().DoubleValue();
  return d < 0 ? 0 : static_cast<uint64_t>(d);
}

int Append(sd_bus_message* m, const std::string& type, const Napi::Value& v);

int AppendArray(sd_bus_message* m, const std::string& elem, const Napi::Value& v) {
  if (elem == "y" && v.IsBuffer()) {
    auto b = v.As<Napi::Buffer<uint8_t>>();
    return sd_bus_message_append_array(m, 'y', b.Data(), b.Length());
  }
  int r = sd_bus_message_open_container(m, 'a', elem.c_str());
  if (r < 0) return r;
  auto a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    r = Append(m, elem, a.Get(i));
    if (r < 0) return r;
  }
  return sd_bus_message_close_container(m);
}

int Append(sd_bus_message* m, const std::string& type, const Napi::Value& v) {
  switch (type[0]) {
    case 'a': return AppendArray(m, type.substr(1), v);
    case '(': {
      std::string inner = type.substr(1, type.size() - 2);
      int r = sd_bus_message_open_container(m, 'r', inner.c_str());
      if (r < 0) return r;
      auto a = v.As<Napi::Array>();
      uint32_t k = 0;
      for (size_t i = 0; i < inner.size(); k++) {
        size_t e = TypeEnd(inner, i);
        r = Append(m, inner.substr(i, e - i), a.Get(k));
        if (r < 0) return r;
        i = e;
      }
      return sd_bus_message_close_container(m);
    }
    case 's': case 'o': {
      std::string s = v.As<Napi::String>().Utf8Value();
      return sd_bus_message_append_basic(m, type[0], s.c_str());
    }
    case 'b': { int b = v.ToBoolean().Value() ? 1 : 0; return sd_bus_message_append_basic(m, 'b', &b); }
    case 'y': { uint8_t x = static_cast<uint8_t>(Uint(v)); return sd_bus_message_append_basic(m, 'y', &x); }
    case 'n': { int16_t x = static_cast<int16_t>(Int(v)); return sd_bus_message_append_basic(m, 'n', &x); }
    case 'q': { uint16_t x = static_cast<uint16_t>(Uint(v)); return sd_bus_message_append_basic(m, 'q', &x); }
    case 'i': { int32_t x = static_cast<int32_t>(Int(v)); return sd_bus_message_append_basic(m, 'i', &x); }
    case 'u': { uint32_t x = static_cast<uint32_t>(Uint(v)); return sd_bus_message_append_basic(m, 'u', &x); }
    case 'x': { int64_t x = Int(v); return sd_bus_message_append_basic(m, 'x', &x); }
    case 't': { uint64_t x = Uint(v); return sd_bus_message_append_basic(m, 't', &x); }
    case 'd': { double x = v.As<Napi::Number>().DoubleValue(); return sd_bus_message_append_basic(m, 'd', &x); }
    default: return -EINVAL;
  }
}

// props: [[name, signature, value], ...] -> a(sv)
void AppendProperties(Napi::Env env, sd_bus_message* m, const Napi::Array& props) {
  int r = sd_bus_message_open_container(m, 'a', "(sv)");
  for (uint32_t i = 0; r >= 0 && i < props.Length(); i++) {
    auto p = props.Get(i).As<Napi::Array>();
    std::string name = p.Get(0u).As<Napi::String>().Utf8Value();
    std::string sig = p.Get(1u).As<Napi::String>().Utf8Value();
    try {
      if (sig.empty() || TypeEnd(sig, 0) != sig.size()) throw std::runtime_error("not one complete type");
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, "unit property " + name + ": signature \"" + sig + "\": " + e.what());
    }
    r = sd_bus_message_open_container(m, 'r', "sv");
    if (r >= 0) r = sd_bus_message_append_basic(m, 's', name.c_str());
    if (r >= 0) r = sd_bus_message_open_container(m, 'v', sig.c_str());
    if (r >= 0) r = Append(m, sig, p.Get(2u));
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r < 0) throw BusError(env, "unit property " + name + " (" + sig + ")", r, nullptr);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r < 0) throw BusError(env, "unit properties", r, nullptr);
}

// ---- jobs -------------------------------------------------------------------

struct JobWait {
  std::string path;
  std::string result;
  bool done = false;
};

int OnJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* w = static_cast<JobWait*>(userdata);
  uint32_t id;
  const char *path, *unit, *result;
  if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0) return 0;
  if (!w->path.empty() && w->path == path) {
    w->result = result;
    w->done = true;
  }
  return 0;
}

// Call a Manager method that returns a job (o), then wait for its JobRemoved.
// Returns the job's result ("done", "failed", "canceled", "timeout", "dependency",
// "skipped"), or "timeout" when none came within timeoutMs.
std::string CallJob(Napi::Env env, const std::string& what, sd_bus_message* call, uint64_t timeoutMs) {
  sd_bus* b = Bus(env);
  JobWait w;
  sd_bus_slot* slot = nullptr;
  // A direct connection's messages carry no sender: match by sender only through a bus.
  int r = sd_bus_match_signal(b, &slot, sd_bus_is_bus_client(b) > 0 ? kDest : nullptr, kPath, kManager, "JobRemoved", OnJobRemoved, &w);
  if (r < 0) throw BusError(env, what + ": match JobRemoved", r, nullptr);
  sd_bus_error err = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  r = sd_bus_call(b, call, 0, &err, &reply);
  if (r < 0) {
    Napi::Error e = BusError(env, what, r, &err);
    sd_bus_error_free(&err);
    sd_bus_slot_unref(slot);
    throw e;
  }
  const char* job = nullptr;
  r = sd_bus_message_read(reply, "o", &job);
  if (r >= 0) w.path = job;
  sd_bus_message_unref(reply);
  if (r < 0) {
    sd_bus_slot_unref(slot);
    throw BusError(env, what + ": read the job", r, nullptr);
  }
  uint64_t deadline = NowUsec() + timeoutMs * 1000ULL;
  while (!w.done) {
    r = sd_bus_process(b, nullptr);
    if (r < 0) break;
    if (r > 0) continue;
    uint64_t now = NowUsec();
    if (now >= deadline) break;
    r = sd_bus_wait(b, deadline - now);
    if (r < 0 && r != -EINTR) break;
  }
  sd_bus_slot_unref(slot);
  if (!w.done && r < 0) throw BusError(env, what + ": wait for the job", r, nullptr);
  return w.done ? w.result : "timeout";
}

sd_bus_message* NewCall(Napi::Env env, const char* method) {
  sd_bus_message* m = nullptr;
  int r = sd_bus_message_new_method_call(Bus(env), &m, kDest, kPath, kManager, method);
  if (r < 0) throw BusError(env, method, r, nullptr);
  return m;
}

// ---- exports ------------------------------------------------------------------

// startTransientUnit(name, mode, props, timeoutMs) -> job result
Napi::Value StartTransientUnit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string mode = info[1].As<Napi::String>().Utf8Value();
  sd_bus_message* m = NewCall(env, "StartTransientUnit");
  std::string result;
  try {
    int r = sd_bus_message_append(m, "ss", name.c_str(), mode.c_str());
    if (r < 0) throw BusError(env, "StartTransientUnit", r, nullptr);
    AppendProperties(env, m, info[2].As<Napi::Array>());
    r = sd_bus_message_append(m, "a(sa(sv))", 0);  // no auxiliary units
    if (r < 0) throw BusError(env, "StartTransientUnit", r, nullptr);
    result = CallJob(env, "start unit " + name, m, Uint(info[3]));
  } catch (...) {
    sd_bus_message_unref(m);
    throw;
  }
  sd_bus_message_unref(m);
  return Napi::String::New(env, result);
}

// stopUnit(name, mode, timeoutMs) -> job result
Napi::Value StopUnit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string mode = info[1].As<Napi::String>().Utf8Value();
  sd_bus_message* m = NewCall(env, "StopUnit");
  std::string result;
  try {
    int r = sd_bus_message_append(m, "ss", name.c_str(), mode.c_str());
    if (r < 0) throw BusError(env, "StopUnit", r, nullptr);
    result = CallJob(env, "stop unit " + name, m, Uint(info[2]));
  } catch (...) {
    sd_bus_message_unref(m);
    throw;
  }
  sd_bus_message_unref(m);
  return Napi::String::New(env, result);
}

// A Manager method without a job: ResetFailedUnit(s), SetUnitProperties(sba(sv)).
void CallPlain(Napi::Env env, const std::string& what, sd_bus_message* m) {
  sd_bus_error err = SD_BUS_ERROR_NULL;
  int r = sd_bus_call(Bus(env), m, 0, &err, nullptr);
  sd_bus_message_unref(m);
  if (r < 0) {
    Napi::Error e = BusError(env, what, r, &err);
    sd_bus_error_free(&err);
    throw e;
  }
}

Napi::Value ResetFailedUnit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  sd_bus_message* m = NewCall(env, "ResetFailedUnit");
  int r = sd_bus_message_append(m, "s", name.c_str());
  if (r < 0) { sd_bus_message_unref(m); throw BusError(env, "ResetFailedUnit", r, nullptr); }
  CallPlain(env, "reset failed unit " + name, m);
  return env.Undefined();
}

// setUnitProperties(name, runtime, props)
Napi::Value SetUnitProperties(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  int runtime = info[1].ToBoolean().Value() ? 1 : 0;
  sd_bus_message* m = NewCall(env, "SetUnitProperties");
  try {
    int r = sd_bus_message_append(m, "sb", name.c_str(), runtime);
    if (r < 0) throw BusError(env, "SetUnitProperties", r, nullptr);
    AppendProperties(env, m, info[2].As<Napi::Array>());
  } catch (...) {
    sd_bus_message_unref(m);
    throw;
  }
  CallPlain(env, "set properties of unit " + name, m);
  return env.Undefined();
}

// managerProperty(name) -> string (Version, ControlGroup, ...)
Napi::Value ManagerProperty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  sd_bus_error err = SD_BUS_ERROR_NULL;
  char* value = nullptr;
  int r = sd_bus_get_property_string(Bus(env), kDest, kPath, kManager, name.c_str(), &err, &value);
  if (r < 0) {
    Napi::Error e = BusError(env, "get manager property " + name, r, &err);
    sd_bus_error_free(&err);
    throw e;
  }
  Napi::String s = Napi::String::New(env, value ? value : "");
  free(value);
  return s;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("startTransientUnit", Napi::Function::New(env, StartTransientUnit));
  exports.Set("stopUnit", Napi::Function::New(env, StopUnit));
  exports.Set("resetFailedUnit", Napi::Function::New(env, ResetFailedUnit));
  exports.Set("setUnitProperties", Napi::Function::New(env, SetUnitProperties));
  exports.Set("managerProperty", Napi::Function::New(env, ManagerProperty));
  return exports;
}

}  // namespace

NODE_API_MODULE(ocits_systemd, Init)
