// The addon's own threading. One rule: BLAS runs single-threaded inside our worker
// threads, so the two never oversubscribe the cores (see gemm.h).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tr {

// Default thread count: TASKROUTE_THREADS if set (>0), else hardware concurrency.
int default_threads();
// Overrides the default for the process (0 restores the environment/hardware value).
void set_default_threads(int n);
// Resolves a per-call request: <= 0 means the default.
inline int resolve_threads(int requested) { return requested > 0 ? requested : default_threads(); }

// Runs f(begin, end, thread_index) over [0, n) split into contiguous chunks on up to
// `threads` threads (the calling thread takes one chunk). Exceptions from any chunk
// are rethrown on the caller after all threads join.
template <class F>
void parallel_for(int64_t n, int threads, F&& f) {
  if (n <= 0) return;
  int t = static_cast<int>(std::min<int64_t>(std::max(1, threads), n));
  if (t == 1) {
    f(int64_t{0}, n, 0);
    return;
  }
  std::vector<std::thread> pool;
  std::exception_ptr err;
  std::mutex mu;
  int64_t chunk = (n + t - 1) / t;
  auto run = [&](int i) {
    int64_t b = i * chunk, e = std::min(n, b + chunk);
    if (b >= e) return;
    try {
      f(b, e, i);
    } catch (...) {
      std::lock_guard<std::mutex> g(mu);
      if (!err) err = std::current_exception();
    }
  };
  pool.reserve(t - 1);
  for (int i = 1; i < t; ++i) pool.emplace_back(run, i);
  run(0);
  for (auto& th : pool) th.join();
  if (err) std::rethrow_exception(err);
}

// Dynamic scheduling: items [0, n) handed out `grain` at a time; f(begin, end, thread_index).
template <class F>
void parallel_dynamic(int64_t n, int64_t grain, int threads, F&& f) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int t = static_cast<int>(std::min<int64_t>(std::max(1, threads), (n + grain - 1) / grain));
  std::atomic<int64_t> next{0};
  std::exception_ptr err;
  std::mutex mu;
  auto run = [&](int i) {
    try {
      for (;;) {
        int64_t b = next.fetch_add(grain);
        if (b >= n) break;
        f(b, std::min(n, b + grain), i);
      }
    } catch (...) {
      std::lock_guard<std::mutex> g(mu);
      if (!err) err = std::current_exception();
      next.store(n);
    }
  };
  if (t == 1) {
    run(0);
  } else {
    std::vector<std::thread> pool;
    pool.reserve(t - 1);
    for (int i = 1; i < t; ++i) pool.emplace_back(run, i);
    run(0);
    for (auto& th : pool) th.join();
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace tr
