// The builtin embedder's native core (see hash_embed.h for the feature definition).
#include "hash_embed.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>

#include "error.h"
#include "parallel.h"
#include "svd.h"
#include "unicode_tables.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#define TR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TR_CLONES
#endif

namespace tr::embed {
namespace {

constexpr const char* kData = "ERR_TASKROUTE_DATA";
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;
constexpr uint32_t kCharKind = 0x100;
constexpr uint32_t kSpace = 0x20;
constexpr int64_t kRowGrain = 256;  // texts per fixed chunk when building CSR results

inline const uint8_t* text_ptr(const Texts& t, int64_t i) { return t.bytes ? t.bytes + t.offsets[i] : nullptr; }
inline size_t text_len(const Texts& t, int64_t i) { return static_cast<size_t>(t.offsets[i + 1] - t.offsets[i]); }

inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

// ---- Unicode: class and lowercase of a code point ------------------------------------

struct Tables {
  std::vector<uint8_t> cls;     // [65536]
  std::vector<uint32_t> lower;  // [65536]
  Tables() : cls(65536, 0), lower(65536) {
    for (uint32_t c = 0; c < 65536; ++c) lower[c] = c;
    for (const auto& r : unicode::kClassRanges) {
      if (r.lo >= 65536) break;
      for (uint32_t c = r.lo; c <= std::min<uint32_t>(r.hi, 65535); ++c) cls[c] = r.cls;
    }
    for (const auto& r : unicode::kLowerRuns) {
      if (r.lo >= 65536) break;
      for (uint32_t c = r.lo; c <= std::min<uint32_t>(r.hi, 65535); c += r.stride)
        lower[c] = static_cast<uint32_t>(static_cast<int64_t>(c) + r.delta);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

uint8_t class_astral(uint32_t c) {
  const auto* b = std::begin(unicode::kClassRanges);
  const auto* e = std::end(unicode::kClassRanges);
  const auto* it = std::upper_bound(b, e, c, [](uint32_t x, const unicode::ClassRange& r) { return x < r.lo; });
  if (it == b) return 0;
  --it;
  return c <= it->hi ? it->cls : 0;
}

uint32_t lower_astral(uint32_t c) {
  for (const auto& r : unicode::kLowerRuns)
    if (c >= r.lo && c <= r.hi && (c - r.lo) % r.stride == 0) return static_cast<uint32_t>(static_cast<int64_t>(c) + r.delta);
  return c;
}

inline bool cont(uint8_t b) { return (b & 0xC0) == 0x80; }

// Decodes UTF-8 (each invalid byte → U+FFFD), lowercases, and classifies.
void decode(const uint8_t* s, size_t len, std::vector<uint32_t>& cps, std::vector<uint8_t>& cls) {
  const Tables& T = tables();
  cps.clear();
  cls.clear();
  size_t i = 0;
  while (i < len) {
    const uint8_t b = s[i];
    uint32_t cp;
    if (b < 0x80) {
      cp = b;
      i += 1;
    } else if ((b & 0xE0) == 0xC0 && i + 1 < len && cont(s[i + 1]) && b >= 0xC2) {
      cp = (static_cast<uint32_t>(b & 0x1F) << 6) | (s[i + 1] & 0x3F);
      i += 2;
    } else if ((b & 0xF0) == 0xE0 && i + 2 < len && cont(s[i + 1]) && cont(s[i + 2]) &&
               ((static_cast<uint32_t>(b & 0x0F) << 12) | (static_cast<uint32_t>(s[i + 1] & 0x3F) << 6)) >= 0x800 &&
               !(b == 0xED && s[i + 1] >= 0xA0)) {
      cp = (static_cast<uint32_t>(b & 0x0F) << 12) | (static_cast<uint32_t>(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      i += 3;
    } else if ((b & 0xF8) == 0xF0 && i + 3 < len && cont(s[i + 1]) && cont(s[i + 2]) && cont(s[i + 3])) {
      cp = (static_cast<uint32_t>(b & 0x07) << 18) | (static_cast<uint32_t>(s[i + 1] & 0x3F) << 12) |
           (static_cast<uint32_t>(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
      if (cp < 0x10000 || cp > 0x10FFFF) {
        cp = 0xFFFD;
        i += 1;
      } else {
        i += 4;
      }
    } else {
      cp = 0xFFFD;
      i += 1;
    }
    uint8_t k;
    if (cp < 65536) {
      cp = T.lower[cp];
      k = T.cls[cp];
    } else {
      cp = lower_astral(cp);
      k = class_astral(cp);
    }
    cps.push_back(cp);
    cls.push_back(k);
  }
}

// ---- n-gram hashing -------------------------------------------------------------------

struct Tokens {
  std::vector<uint32_t> cps;
  std::vector<uint8_t> cls;
  std::vector<std::pair<int32_t, int32_t>> words;
  std::vector<uint32_t> pad;
};

// Calls emit(f) with the finished 64-bit hash of every n-gram of the text.
template <class Emit>
void for_each_ngram(const uint8_t* s, size_t len, const HashParams& p, uint64_t seed_mix, Tokens& tk, Emit&& emit) {
  decode(s, len, tk.cps, tk.cls);
  const int64_t L = static_cast<int64_t>(tk.cps.size());
  const uint32_t* cp = tk.cps.data();
  const uint8_t* cl = tk.cls.data();
  if (p.word_ngram_max > 0) {
    auto& words = tk.words;
    words.clear();
    int32_t start = -1;
    for (int64_t i = 0; i < L; ++i) {
      const uint8_t c = cl[i];
      if (c == 2) {
        if (start < 0) start = static_cast<int32_t>(i);
        continue;
      }
      if (start >= 0) {
        words.emplace_back(start, static_cast<int32_t>(i));
        start = -1;
      }
      if (c == 3) words.emplace_back(static_cast<int32_t>(i), static_cast<int32_t>(i + 1));
    }
    if (start >= 0) words.emplace_back(start, static_cast<int32_t>(L));
    const int64_t W = static_cast<int64_t>(words.size());
    for (int n = 1; n <= p.word_ngram_max; ++n) {
      for (int64_t w = 0; w + n <= W; ++w) {
        uint64_t h = (seed_mix ^ static_cast<uint64_t>(n)) * kFnvPrime;
        for (int t = 0; t < n; ++t) {
          if (t) h = (h ^ kSpace) * kFnvPrime;
          const auto& wd = words[static_cast<size_t>(w + t)];
          for (int32_t i = wd.first; i < wd.second; ++i) h = (h ^ cp[i]) * kFnvPrime;
        }
        emit(fmix64(h));
      }
    }
  }
  if (p.char_ngram_max > 0) {
    auto& pad = tk.pad;
    const uint64_t h0 = (seed_mix ^ kCharKind) * kFnvPrime;
    const int lo = p.char_ngram_min, hi = p.char_ngram_max;
    int64_t i = 0;
    while (i < L) {
      while (i < L && cl[i] == 1) ++i;
      if (i >= L) break;
      const int64_t a = i;
      while (i < L && cl[i] != 1) ++i;
      pad.clear();
      pad.push_back(kSpace);
      pad.insert(pad.end(), cp + a, cp + i);
      pad.push_back(kSpace);
      const int64_t P = static_cast<int64_t>(pad.size());
      for (int64_t st = 0; st < P; ++st) {
        uint64_t h = h0;
        const int64_t top = std::min<int64_t>(hi, P - st);
        for (int64_t j = 0; j < top; ++j) {
          h = (h ^ pad[static_cast<size_t>(st + j)]) * kFnvPrime;
          if (j + 1 >= lo) emit(fmix64(h));
        }
      }
    }
  }
}

inline uint64_t seed_mix_of(const HashParams& p) { return kFnvOffset ^ fmix64(p.seed); }

// Signed counts per bucket of one text: small open-addressing map, reset per text.
struct BucketCounts {
  std::vector<uint32_t> keys;
  std::vector<int32_t> vals;
  std::vector<uint32_t> used;
  uint32_t mask = 0;
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  void reset(size_t expected) {
    size_t cap = 64;
    while (cap < 2 * expected) cap <<= 1;
    if (cap > keys.size()) {
      keys.assign(cap, kEmpty);
      vals.assign(cap, 0);
      mask = static_cast<uint32_t>(cap - 1);
    } else {
      for (uint32_t s : used) keys[s] = kEmpty;
    }
    used.clear();
  }
  void add(uint32_t bucket, int32_t sign) {
    uint32_t s = (bucket * 0x9E3779B1u) & mask;
    for (;;) {
      if (keys[s] == bucket) {
        vals[s] += sign;
        return;
      }
      if (keys[s] == kEmpty) {
        keys[s] = bucket;
        vals[s] = sign;
        used.push_back(s);
        return;
      }
      s = (s + 1) & mask;
    }
  }
};

// Upper bound on the n-grams of a text of `bytes` bytes (a code point is >= 1 byte).
size_t ngram_bound(size_t bytes, const HashParams& p) {
  const size_t sizes = p.char_ngram_max > 0 ? static_cast<size_t>(p.char_ngram_max - p.char_ngram_min + 1) : 0;
  return bytes * static_cast<size_t>(p.word_ngram_max) + (3 * bytes + 2) * sizes + 1;
}

void count_text(const uint8_t* s, size_t len, const HashParams& p, uint64_t seed_mix, Tokens& tk, BucketCounts& bc) {
  bc.reset(std::min<size_t>(ngram_bound(len, p), size_t{1} << p.bits));
  const uint64_t mask = (uint64_t{1} << p.bits) - 1;
  for_each_ngram(s, len, p, seed_mix, tk, [&](uint64_t f) {
    bc.add(static_cast<uint32_t>(f & mask), (f >> 63) ? -1 : 1);
  });
}

// Per-thread scratch for TF·IDF rows over a model's features.
struct RowScratch {
  Tokens tk;
  std::vector<uint64_t> hashes;  // the text's n-gram hashes, in order
  std::vector<int32_t> fid;      // their features (F: none)
  std::vector<int32_t> cnt;      // [F + 1] signed counts, all zero between texts
  std::vector<int32_t> feats;
  std::vector<float> weights;
  std::vector<double> wd;
  void ensure(int64_t F) {
    if (static_cast<int64_t>(cnt.size()) < F + 1) cnt.assign(static_cast<size_t>(F) + 1, 0);
  }
};

// 1 + ln(c) for small counts (most counts are 1 or 2).
constexpr int32_t kLogTable = 64;
const double* log_table() {
  static const std::vector<double> t = [] {
    std::vector<double> v(kLogTable, 0.0);
    for (int32_t c = 1; c < kLogTable; ++c) v[static_cast<size_t>(c)] = 1.0 + std::log(static_cast<double>(c));
    return v;
  }();
  return t.data();
}

// The L2-normalised TF·IDF of one text into sc.feats / sc.weights (first-seen order);
// false when the text has no known feature.
bool row_tfidf(const Model& m, const uint8_t* s, size_t len, uint64_t seed_mix, RowScratch& sc) {
  sc.ensure(m.features);
  sc.hashes.clear();
  for_each_ngram(s, len, m.hash, seed_mix, sc.tk, [&](uint64_t f) { sc.hashes.push_back(f); });
  // Branch-free passes: lookup, count (misses go to the spare slot F), then collect each
  // feature once in first-seen order (zeroing its count marks it as taken).
  const size_t nh = sc.hashes.size();
  const uint64_t mask = (uint64_t{1} << m.hash.bits) - 1;
  const int32_t F = static_cast<int32_t>(m.features);
  sc.fid.resize(nh);
  int32_t* fid = sc.fid.data();
  const uint64_t* hs = sc.hashes.data();
  for (size_t k = 0; k < nh; ++k) {
    const int32_t f = m.feature_of(static_cast<uint32_t>(hs[k] & mask));
    fid[k] = f < 0 ? F : f;
  }
  int32_t* cnt = sc.cnt.data();
  for (size_t k = 0; k < nh; ++k) cnt[fid[k]] += 1 - 2 * static_cast<int32_t>(hs[k] >> 63);
  cnt[F] = 0;
  sc.feats.resize(nh);
  sc.wd.resize(nh);
  int32_t* feats = sc.feats.data();
  double* wd = sc.wd.data();
  const double* lt = log_table();
  const float* idf = m.idf.data();
  size_t nnz = 0;
  double norm2 = 0.0;
  for (size_t k = 0; k < nh; ++k) {
    const int32_t feat = fid[k];
    const int32_t c = cnt[feat];
    if (c == 0) continue;
    cnt[feat] = 0;
    const int32_t ac = c < 0 ? -c : c;
    const double mag = ac < kLogTable ? lt[ac] : 1.0 + std::log(static_cast<double>(ac));
    const double w = (c < 0 ? -mag : mag) * static_cast<double>(idf[feat]);
    feats[nnz] = feat;
    wd[nnz] = w;
    ++nnz;
    norm2 += w * w;
  }
  sc.feats.resize(nnz);
  sc.weights.resize(nnz);
  if (!(norm2 > 0.0)) {
    sc.feats.clear();
    sc.weights.clear();
    return false;
  }
  const double inv = 1.0 / std::sqrt(norm2);
  for (size_t k = 0; k < nnz; ++k) sc.weights[k] = static_cast<float>(wd[k] * inv);
  return true;
}

// Projection of a batch of texts. Texts sharing a feature share one read of its row of
// the projection (the matrix is far larger than the caches), and every text sums its
// features in ascending feature order, so its output does not depend on the batch.
struct BatchScratch {
  RowScratch row;
  std::vector<int32_t> start;      // [F] count, then running offset, per touched feature
  std::vector<uint64_t> bitmap;    // [ceil(F / 64)] touched features
  std::vector<int32_t> tfeat, ttext, stext;
  std::vector<float> tw, sw;
  std::vector<uint8_t> empty;
  void ensure(int64_t F) {
    if (static_cast<int64_t>(start.size()) < F) {
      start.assign(static_cast<size_t>(F), 0);
      bitmap.assign(static_cast<size_t>((F + 63) / 64), 0);
    }
  }
};

// out[t, :] += w · row for the (t, w) pairs of one feature.
TR_CLONES void scatter_row(const float* __restrict row, int64_t d, const int32_t* texts, const float* w, int64_t cnt,
                           float* __restrict out) {
  for (int64_t k = 0; k < cnt; ++k) {
    const float a = w[k];
    float* __restrict o = out + static_cast<int64_t>(texts[k]) * d;
    for (int64_t j = 0; j < d; ++j) o[j] += a * row[j];
  }
}

void embed_batch(const Model& m, const Texts& t, uint64_t seed_mix, int64_t b, int64_t e, BatchScratch& sc, float* out) {
  const int64_t d = m.dim, nb = e - b;
  sc.ensure(m.features);
  sc.tfeat.clear();
  sc.ttext.clear();
  sc.tw.clear();
  sc.empty.assign(static_cast<size_t>(nb), 0);
  int32_t* start = sc.start.data();
  uint64_t* bits = sc.bitmap.data();
  for (int64_t i = b; i < e; ++i) {
    if (!row_tfidf(m, text_ptr(t, i), text_len(t, i), seed_mix, sc.row)) {
      sc.empty[static_cast<size_t>(i - b)] = 1;
      continue;
    }
    const auto& f = sc.row.feats;
    for (size_t k = 0; k < f.size(); ++k) {
      const int32_t feat = f[k];
      bits[feat >> 6] |= uint64_t{1} << (feat & 63);
      ++start[feat];
      sc.tfeat.push_back(feat);
      sc.ttext.push_back(static_cast<int32_t>(i - b));
      sc.tw.push_back(sc.row.weights[k]);
    }
  }
  // Counting sort of the (text, weight) pairs by feature, features ascending.
  const int64_t words = (m.features + 63) / 64;
  int32_t run = 0;
  for (int64_t wi = 0; wi < words; ++wi) {
    for (uint64_t x = bits[wi]; x; x &= x - 1) {
      const int64_t feat = wi * 64 + __builtin_ctzll(x);
      const int32_t c = start[feat];
      start[feat] = run;
      run += c;
    }
  }
  const size_t nnz = sc.tfeat.size();
  sc.stext.resize(nnz);
  sc.sw.resize(nnz);
  for (size_t k = 0; k < nnz; ++k) {
    const int32_t pos = start[sc.tfeat[k]]++;
    sc.stext[static_cast<size_t>(pos)] = sc.ttext[k];
    sc.sw[static_cast<size_t>(pos)] = sc.tw[k];
  }
  float* ob = out + b * d;
  std::fill(ob, ob + nb * d, 0.f);
  // The touched features in ascending order, so the next row can be prefetched.
  sc.tfeat.clear();
  for (int64_t wi = 0; wi < words; ++wi) {
    for (uint64_t x = bits[wi]; x; x &= x - 1) sc.tfeat.push_back(static_cast<int32_t>(wi * 64 + __builtin_ctzll(x)));
    bits[wi] = 0;
  }
  const float* P = m.projection.data();
  const size_t nf = sc.tfeat.size();
  int32_t pos = 0;
  for (size_t q = 0; q < nf; ++q) {
    const int64_t feat = sc.tfeat[q];
    if (q + 2 < nf) {
      const char* nx = reinterpret_cast<const char*>(P + static_cast<int64_t>(sc.tfeat[q + 2]) * d);
      for (int64_t off = 0; off < d * 4; off += 64) __builtin_prefetch(nx + off);
    }
    const int32_t end = start[feat];  // after the scatter: one past this feature's last pair
    scatter_row(P + feat * d, d, sc.stext.data() + pos, sc.sw.data() + pos, end - pos, ob);
    pos = end;
    start[feat] = 0;
  }
  for (int64_t r = 0; r < nb; ++r) {
    float* o = ob + r * d;
    bool ok = !sc.empty[static_cast<size_t>(r)];
    if (ok) {
      double n2 = 0.0;
      for (int64_t j = 0; j < d; ++j) n2 += static_cast<double>(o[j]) * o[j];
      if (n2 > 0.0) {
        const float inv = static_cast<float>(1.0 / std::sqrt(n2));
        for (int64_t j = 0; j < d; ++j) o[j] *= inv;
      } else {
        ok = false;
      }
    }
    if (!ok) std::memcpy(o, m.fallback.data(), sizeof(float) * static_cast<size_t>(d));
  }
}

// Deterministic sample of `k` of [0, n) (partial Fisher–Yates on a splitmix64 stream), ascending.
std::vector<int64_t> sample_rows(int64_t n, int64_t k, uint64_t seed) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), int64_t{0});
  if (k >= n) return idx;
  uint64_t st = seed ^ 0xbb67ae8584caa73bull;
  for (int64_t i = 0; i < k; ++i) {
    uint64_t z = (st += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const int64_t j = i + static_cast<int64_t>(z % static_cast<uint64_t>(n - i));
    std::swap(idx[static_cast<size_t>(i)], idx[static_cast<size_t>(j)]);
  }
  idx.resize(static_cast<size_t>(k));
  std::sort(idx.begin(), idx.end());
  return idx;
}


}  // namespace

void check_texts(const Texts& t, int64_t nbytes) {
  if (t.n < 0) throw Error(kInvalidArg, "texts: negative count");
  if (!t.offsets) throw Error(kInvalidArg, "texts: offsets missing");
  if (t.offsets[0] < 0) throw Error(kInvalidArg, "texts: offsets[0] is negative");
  for (int64_t i = 0; i < t.n; ++i)
    if (t.offsets[i + 1] < t.offsets[i])
      throw Error(kInvalidArg, "texts: offsets decrease at index " + std::to_string(i + 1));
  if (t.offsets[t.n] > nbytes)
    throw Error(kInvalidArg, "texts: offsets run past the end of the byte buffer (" + std::to_string(t.offsets[t.n]) +
                                 " > " + std::to_string(nbytes) + ")");
  if (t.offsets[t.n] > t.offsets[0] && !t.bytes) throw Error(kInvalidArg, "texts: the byte buffer is detached");
}

void check(const HashParams& p) {
  if (p.bits < 8 || p.bits > 26) throw Error(kInvalidArg, "bits must be in [8, 26]");
  if (p.word_ngram_max < 0 || p.word_ngram_max > 8) throw Error(kInvalidArg, "wordNgramMax must be in [0, 8]");
  if (p.char_ngram_max < 0 || p.char_ngram_max > 16) throw Error(kInvalidArg, "charNgramMax must be in [0, 16]");
  if (p.char_ngram_max > 0 && (p.char_ngram_min < 1 || p.char_ngram_min > p.char_ngram_max))
    throw Error(kInvalidArg, "charNgramMin must be in [1, charNgramMax]");
  if (p.word_ngram_max == 0 && p.char_ngram_max == 0) throw Error(kInvalidArg, "no n-grams: wordNgramMax and charNgramMax are both 0");
}

void hashed_counts(const Texts& t, const HashParams& p, int threads, std::vector<int64_t>& indptr,
                   std::vector<int32_t>& buckets, std::vector<int32_t>& counts) {
  check(p);
  threads = resolve_threads(threads);
  const uint64_t sm = seed_mix_of(p);
  const int64_t nch = (t.n + kRowGrain - 1) / kRowGrain;
  std::vector<std::vector<std::pair<int32_t, int32_t>>> chunk(static_cast<size_t>(nch));
  std::vector<int64_t> row_nnz(static_cast<size_t>(t.n), 0);
  struct Local {
    Tokens tk;
    BucketCounts bc;
  };
  std::vector<Local> loc(static_cast<size_t>(threads));
  parallel_dynamic(t.n, kRowGrain, threads, [&](int64_t b, int64_t e, int th) {
    Local& L = loc[static_cast<size_t>(th)];
    auto& out = chunk[static_cast<size_t>(b / kRowGrain)];
    std::vector<std::pair<int32_t, int32_t>> row;
    for (int64_t i = b; i < e; ++i) {
      count_text(text_ptr(t, i), text_len(t, i), p, sm, L.tk, L.bc);
      row.clear();
      for (uint32_t s : L.bc.used)
        if (L.bc.vals[s] != 0) row.emplace_back(static_cast<int32_t>(L.bc.keys[s]), L.bc.vals[s]);
      std::sort(row.begin(), row.end());
      row_nnz[static_cast<size_t>(i)] = static_cast<int64_t>(row.size());
      out.insert(out.end(), row.begin(), row.end());
    }
  });
  indptr.assign(static_cast<size_t>(t.n) + 1, 0);
  for (int64_t i = 0; i < t.n; ++i) indptr[static_cast<size_t>(i) + 1] = indptr[static_cast<size_t>(i)] + row_nnz[static_cast<size_t>(i)];
  buckets.clear();
  counts.clear();
  buckets.reserve(static_cast<size_t>(indptr.back()));
  counts.reserve(static_cast<size_t>(indptr.back()));
  for (const auto& c : chunk)
    for (const auto& [bk, v] : c) {
      buckets.push_back(bk);
      counts.push_back(v);
    }
}

void Model::index() {
  check(hash);
  if (features < 0 || dim < 1) throw Error(kInvalidArg, "model: features must be >= 0 and dim >= 1");
  const size_t F = static_cast<size_t>(features), d = static_cast<size_t>(dim);
  if (buckets.size() != F) throw Error(kInvalidArg, "model: buckets has " + std::to_string(buckets.size()) + " entries, expected " + std::to_string(F));
  if (idf.size() != F) throw Error(kInvalidArg, "model: idf has " + std::to_string(idf.size()) + " entries, expected " + std::to_string(F));
  if (projection.size() != F * d)
    throw Error(kInvalidArg, "model: projection has " + std::to_string(projection.size()) + " entries, expected features × dim = " + std::to_string(F * d));
  if (fallback.size() != d) throw Error(kInvalidArg, "model: fallback has " + std::to_string(fallback.size()) + " entries, expected " + std::to_string(d));
  const int64_t nb = int64_t{1} << hash.bits;
  for (size_t f = 0; f < F; ++f)
    if (buckets[f] < 0 || buckets[f] >= nb)
      throw Error(kInvalidArg, "model: bucket " + std::to_string(buckets[f]) + " of feature " + std::to_string(f) + " is outside [0, 2^" + std::to_string(hash.bits) + ")");
  std::vector<Slot>().swap(slots_);
  std::vector<int32_t>().swap(direct_);
  if (hash.bits <= 22) {
    direct_.assign(static_cast<size_t>(nb), -1);
    for (size_t f = 0; f < F; ++f) {
      int32_t& e = direct_[static_cast<size_t>(buckets[f])];
      if (e >= 0) throw Error(kInvalidArg, "model: bucket " + std::to_string(buckets[f]) + " appears twice (features " + std::to_string(e) + " and " + std::to_string(f) + ")");
      e = static_cast<int32_t>(f);
    }
    return;
  }
  size_t cap = 16;
  while (cap < 2 * F) cap <<= 1;
  slots_.assign(cap, Slot{-1, -1});
  slot_mask_ = static_cast<uint32_t>(cap - 1);
  for (size_t f = 0; f < F; ++f) {
    const int32_t b = buckets[f];
    uint32_t s = static_cast<uint32_t>(b) & slot_mask_;
    while (slots_[s].bucket >= 0) {
      if (slots_[s].bucket == b) throw Error(kInvalidArg, "model: bucket " + std::to_string(b) + " appears twice (features " + std::to_string(slots_[s].feature) + " and " + std::to_string(f) + ")");
      s = (s + 1) & slot_mask_;
    }
    slots_[s] = Slot{b, static_cast<int32_t>(f)};
  }
}

size_t Model::bytes() const {
  return buckets.size() * 4 + idf.size() * 4 + projection.size() * 4 + fallback.size() * 4 + slots_.size() * sizeof(Slot) + direct_.size() * 4;
}

Model fit(const Texts& t, const FitParams& p, FitInfo* info) {
  check(p.hash);
  if (p.min_df < 1) throw Error(kInvalidArg, "minDf must be >= 1");
  if (p.max_features < 1 || p.max_features > (int64_t{1} << 22)) throw Error(kInvalidArg, "maxFeatures must be in [1, 2^22]");
  if (p.dim < 1 || p.dim > 4096) throw Error(kInvalidArg, "dim must be in [1, 4096]");
  if (p.svd_samples < 1) throw Error(kInvalidArg, "svdSamples must be >= 1");
  if (t.n < 1) throw Error(kData, "no training texts");
  const int threads = resolve_threads(p.threads);
  const HashParams& hp = p.hash;
  const uint64_t sm = seed_mix_of(hp);
  const int64_t nb = int64_t{1} << hp.bits;

  // 1. Document frequency of every bucket (atomic integer sums: order-independent).
  std::vector<uint32_t> df(static_cast<size_t>(nb), 0);
  {
    struct Local {
      Tokens tk;
      BucketCounts bc;
    };
    std::vector<Local> loc(static_cast<size_t>(threads));
    parallel_dynamic(t.n, 64, threads, [&](int64_t b, int64_t e, int th) {
      Local& L = loc[static_cast<size_t>(th)];
      for (int64_t i = b; i < e; ++i) {
        count_text(text_ptr(t, i), text_len(t, i), hp, sm, L.tk, L.bc);
        for (uint32_t s : L.bc.used)
          if (L.bc.vals[s] != 0) __atomic_fetch_add(&df[L.bc.keys[s]], 1u, __ATOMIC_RELAXED);
      }
    });
  }

  // 2. Vocabulary: buckets with df >= min_df, most frequent first, at most max_features.
  int64_t min_df = p.min_df;
  std::vector<int32_t> cand;
  for (;;) {
    cand.clear();
    for (int64_t b = 0; b < nb; ++b)
      if (df[static_cast<size_t>(b)] >= static_cast<uint64_t>(min_df)) cand.push_back(static_cast<int32_t>(b));
    if (!cand.empty() || min_df == 1) break;
    min_df = 1;
  }
  if (cand.empty()) throw Error(kData, "the training texts have no features at all (every text is empty or whitespace)");
  const int64_t candidates = static_cast<int64_t>(cand.size());
  std::stable_sort(cand.begin(), cand.end(), [&](int32_t a, int32_t b) { return df[static_cast<size_t>(a)] > df[static_cast<size_t>(b)]; });
  if (static_cast<int64_t>(cand.size()) > p.max_features) cand.resize(static_cast<size_t>(p.max_features));

  Model m;
  m.hash = hp;
  m.features = static_cast<int64_t>(cand.size());
  m.dim = p.dim;
  m.buckets = cand;
  m.idf.resize(cand.size());
  for (size_t f = 0; f < cand.size(); ++f)
    m.idf[f] = static_cast<float>(std::log((1.0 + static_cast<double>(t.n)) / (1.0 + static_cast<double>(df[static_cast<size_t>(cand[f])]))) + 1.0);
  std::vector<uint32_t>().swap(df);
  m.projection.assign(static_cast<size_t>(m.features * m.dim), 0.f);
  m.fallback.assign(static_cast<size_t>(m.dim), 0.f);
  m.index();

  // 3. TF·IDF rows of the SVD sample, built in fixed chunks and concatenated in order.
  const std::vector<int64_t> rows = sample_rows(t.n, p.svd_samples, hp.seed);
  const int64_t ns = static_cast<int64_t>(rows.size());
  const int64_t nch = (ns + kRowGrain - 1) / kRowGrain;
  std::vector<std::vector<int32_t>> cidx(static_cast<size_t>(nch));
  std::vector<std::vector<float>> cval(static_cast<size_t>(nch));
  std::vector<int64_t> row_nnz(static_cast<size_t>(ns), 0);
  {
    std::vector<RowScratch> loc(static_cast<size_t>(threads));
    parallel_dynamic(ns, kRowGrain, threads, [&](int64_t b, int64_t e, int th) {
      RowScratch& sc = loc[static_cast<size_t>(th)];
      auto& oi = cidx[static_cast<size_t>(b / kRowGrain)];
      auto& ov = cval[static_cast<size_t>(b / kRowGrain)];
      for (int64_t r = b; r < e; ++r) {
        const int64_t i = rows[static_cast<size_t>(r)];
        row_tfidf(m, text_ptr(t, i), text_len(t, i), sm, sc);
        row_nnz[static_cast<size_t>(r)] = static_cast<int64_t>(sc.feats.size());
        oi.insert(oi.end(), sc.feats.begin(), sc.feats.end());
        ov.insert(ov.end(), sc.weights.begin(), sc.weights.end());
      }
    });
  }
  std::vector<int64_t> indptr(static_cast<size_t>(ns) + 1, 0);
  for (int64_t r = 0; r < ns; ++r) indptr[static_cast<size_t>(r) + 1] = indptr[static_cast<size_t>(r)] + row_nnz[static_cast<size_t>(r)];
  std::vector<int32_t> idx;
  std::vector<float> val;
  idx.reserve(static_cast<size_t>(indptr.back()));
  val.reserve(static_cast<size_t>(indptr.back()));
  for (int64_t c = 0; c < nch; ++c) {
    idx.insert(idx.end(), cidx[static_cast<size_t>(c)].begin(), cidx[static_cast<size_t>(c)].end());
    val.insert(val.end(), cval[static_cast<size_t>(c)].begin(), cval[static_cast<size_t>(c)].end());
    std::vector<int32_t>().swap(cidx[static_cast<size_t>(c)]);
    std::vector<float>().swap(cval[static_cast<size_t>(c)]);
  }

  // 4. Randomized SVD: projection = the top right singular vectors; columns past the
  // numerical rank (σ_j <= 1e-5·σ_0) stay zero, so d never depends on the data.
  svd::Csr a;
  a.rows = ns;
  a.cols = m.features;
  a.indptr = indptr.data();
  a.indices = idx.data();
  a.values = val.data();
  svd::RsvdParams sp;
  sp.rank = m.dim;
  sp.oversample = p.oversample;
  sp.power_iters = p.power_iters;
  sp.seed = hp.seed;
  sp.threads = threads;
  svd::RsvdResult sv = svd::randomized_svd(a, sp);
  int64_t rank = 0;
  const float s0 = sv.k > 0 ? sv.s[0] : 0.f;
  while (rank < sv.k && s0 > 0.f && sv.s[static_cast<size_t>(rank)] > 1e-5f * s0) ++rank;
  for (int64_t f = 0; f < m.features; ++f)
    for (int64_t j = 0; j < rank; ++j)
      m.projection[static_cast<size_t>(f * m.dim + j)] = sv.v[static_cast<size_t>(f * sv.k + j)];

  // 5. Fallback: the direction of the mean training row (what an average prompt looks like).
  std::vector<double> mean(static_cast<size_t>(m.features), 0.0);
  for (int64_t e = 0; e < indptr.back(); ++e) mean[static_cast<size_t>(idx[static_cast<size_t>(e)])] += val[static_cast<size_t>(e)];
  std::vector<double> fb(static_cast<size_t>(m.dim), 0.0);
  for (int64_t f = 0; f < m.features; ++f) {
    const double w = mean[static_cast<size_t>(f)];
    if (w == 0.0) continue;
    for (int64_t j = 0; j < m.dim; ++j) fb[static_cast<size_t>(j)] += w * m.projection[static_cast<size_t>(f * m.dim + j)];
  }
  double nrm = 0.0;
  for (double x : fb) nrm += x * x;
  nrm = std::sqrt(nrm);
  for (int64_t j = 0; j < m.dim; ++j) m.fallback[static_cast<size_t>(j)] = nrm > 0 ? static_cast<float>(fb[static_cast<size_t>(j)] / nrm) : (j == 0 ? 1.f : 0.f);

  if (info) {
    info->singular.assign(static_cast<size_t>(m.dim), 0.f);
    for (int64_t j = 0; j < rank; ++j) info->singular[static_cast<size_t>(j)] = sv.s[static_cast<size_t>(j)];
    info->rank = rank;
    info->min_df = min_df;
    info->samples = ns;
    info->candidates = candidates;
  }
  return m;
}

void embed(const Model& m, const Texts& t, int threads, float* out) {
  threads = resolve_threads(threads);
  const uint64_t sm = seed_mix_of(m.hash);
  std::vector<BatchScratch> loc(static_cast<size_t>(threads));
  parallel_dynamic(t.n, 256, threads, [&](int64_t b, int64_t e, int th) { embed_batch(m, t, sm, b, e, loc[static_cast<size_t>(th)], out); });
}

void tfidf(const Model& m, const Texts& t, int threads, std::vector<int64_t>& indptr, std::vector<int32_t>& features,
           std::vector<float>& values) {
  threads = resolve_threads(threads);
  const uint64_t sm = seed_mix_of(m.hash);
  const int64_t nch = (t.n + kRowGrain - 1) / kRowGrain;
  std::vector<std::vector<std::pair<int32_t, float>>> chunk(static_cast<size_t>(nch));
  std::vector<int64_t> row_nnz(static_cast<size_t>(t.n), 0);
  std::vector<RowScratch> loc(static_cast<size_t>(threads));
  parallel_dynamic(t.n, kRowGrain, threads, [&](int64_t b, int64_t e, int th) {
    RowScratch& sc = loc[static_cast<size_t>(th)];
    auto& out = chunk[static_cast<size_t>(b / kRowGrain)];
    std::vector<std::pair<int32_t, float>> row;
    for (int64_t i = b; i < e; ++i) {
      row_tfidf(m, text_ptr(t, i), text_len(t, i), sm, sc);
      row.clear();
      for (size_t k = 0; k < sc.feats.size(); ++k) row.emplace_back(sc.feats[k], sc.weights[k]);
      std::sort(row.begin(), row.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
      row_nnz[static_cast<size_t>(i)] = static_cast<int64_t>(row.size());
      out.insert(out.end(), row.begin(), row.end());
    }
  });
  indptr.assign(static_cast<size_t>(t.n) + 1, 0);
  for (int64_t i = 0; i < t.n; ++i) indptr[static_cast<size_t>(i) + 1] = indptr[static_cast<size_t>(i)] + row_nnz[static_cast<size_t>(i)];
  features.clear();
  values.clear();
  for (const auto& c : chunk)
    for (const auto& [f, v] : c) {
      features.push_back(f);
      values.push_back(v);
    }
}

}  // namespace tr::embed
