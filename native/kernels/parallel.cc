// Thread-count defaults for the addon (TASKROUTE_THREADS, hardware concurrency).
#include "parallel.h"

#include <cstdlib>

namespace tr {
namespace {
std::atomic<int> g_override{0};

int from_env() {
  const char* s = std::getenv("TASKROUTE_THREADS");
  if (s && *s) {
    int v = std::atoi(s);
    if (v > 0) return v;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}
}  // namespace

int default_threads() {
  int o = g_override.load();
  if (o > 0) return o;
  static const int env = from_env();
  return env;
}

void set_default_threads(int n) { g_override.store(n > 0 ? n : 0); }

}  // namespace tr
