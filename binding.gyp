{
  "targets": [
    {
      "target_name": "ocits_native",
      "sources": ["addon/native/addon.cc", "addon/native/seccomp.cc", "addon/native/devices_bpf.cc", "addon/native/tty.cc", "addon/native/pump.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-lseccomp"]
    },
    {
      "target_name": "ocits_systemd",
      "sources": ["addon/systemd/sdbus.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-lsystemd"]
    },
    {
      "target_name": "ocits-init",
      "type": "executable",
      "sources": [
        "addon/init/main.cc",
        "addon/init/plan.cc",
        "addon/init/report.cc",
        "addon/init/namespaces.cc",
        "addon/init/mounts.cc",
        "addon/init/bindsources.cc",
        "addon/init/devices.cc",
        "addon/init/process.cc",
        "addon/init/seccomp.cc",
        "addon/init/hooks.cc",
        "addon/init/console.cc"
      ],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-missing-field-initializers", "-fno-rtti", "-ffunction-sections", "-fdata-sections"],
      "ldflags": ["-static", "-s", "-Wl,--gc-sections"]
    }
  ]
}
