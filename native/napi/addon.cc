// The one export list: every napi/*.cc registers its functions through Registrar,
// and this module init installs them all.
#include "common.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tr::napi::register_all(env, exports);
  return exports;
}

NODE_API_MODULE(taskroute, Init)
