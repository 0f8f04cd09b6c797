{
  # The portable CPU addon: built by `npm install` (node-gyp-build) when no prebuilt
  # binary matches, and packed into prebuilds/ by `npm run prebuild`.
  # OpenBLAS is linked statically when libopenblas-dev is present at build time,
  # otherwise the built-in blocked SGEMM is used (info().blas says which).
  "variables": {
    "openblas_lib%": "<!(node scripts/detect-openblas.cjs)"
  },
  "targets": [
    {
      "target_name": "taskroute",
      "sources": ["<!@(node scripts/list-sources.cjs)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fPIC", "-fno-math-errno"],
      "cflags": ["-O3"],
      "conditions": [
        ["openblas_lib!=''", {
          "defines": ["TASKROUTE_OPENBLAS"],
          "libraries": ["<(openblas_lib)", "-lpthread"]
        }]
      ],
      "ldflags": ["-Wl,--exclude-libs,ALL"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CFLAGS": ["-O3"]
      }
    }
  ]
}
