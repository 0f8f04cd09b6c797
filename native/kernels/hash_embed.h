// The builtin embedder's native core: a Unicode-aware tokenizer, hashed word and
// character n-gram features, TF·IDF over a fitted vocabulary of hash buckets, and the
// projection of those sparse vectors onto a randomized-SVD basis (svd.h).
//
// Features of a text (all over its lowercased code points; see unicode_tables.h):
//   - word n-grams of 1..word_ngram_max words. A word is a maximal run of word characters
//     (\p{L}\p{M}\p{N}\p{Pc}); a Han / Hiragana / Katakana character is a word by itself.
//     An n-gram is its words joined by U+0020.
//   - character n-grams of char_ngram_min..char_ngram_max code points inside each
//     whitespace-separated chunk padded with one U+0020 on each side (sklearn's
//     "char_wb"; punctuation and emoji stay in), only the n-grams that fit.
// Each n-gram is hashed with 64-bit FNV-1a over its code points (one step per code
// point), started from the seed and a kind (n for word n-grams, 0x100 for character
// n-grams) and finished with murmur3's fmix64: bucket = low `bits` bits, sign = top bit.
// A bucket's count in a text is the sum of the signs of its n-grams (a signed hash, so
// collisions cancel in expectation); tf = sign(c)·(1 + ln|c|); weight = tf·idf with the
// smooth idf ln((1+n)/(1+df)) + 1; each row is then L2-normalised.
//
// Deterministic: the same texts, parameters and seed give bit-identical output whatever
// the thread count (every row is computed by one thread in a fixed order; reductions
// run over fixed chunks).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tr::embed {

// UTF-8 texts: text i is bytes[offsets[i], offsets[i+1]). Invalid UTF-8 decodes to U+FFFD.
struct Texts {
  const uint8_t* bytes = nullptr;
  const int32_t* offsets = nullptr;  // [n + 1], non-decreasing
  int64_t n = 0;
};

// Throws tr::Error(kInvalidArg) unless offsets are non-decreasing within [0, nbytes].
void check_texts(const Texts& t, int64_t nbytes);

// Tokenizer and hash settings; part of a fitted model.
struct HashParams {
  int bits = 20;            // 2^bits hash buckets, in [8, 26]
  uint64_t seed = 0;        // hash seed
  int word_ngram_max = 2;   // word n-grams of 1..word_ngram_max words (0: none), <= 8
  int char_ngram_min = 3;   // character n-grams of char_ngram_min..char_ngram_max code points
  int char_ngram_max = 5;   // (0: none), <= 16
};
void check(const HashParams& p);

// Raw hashed features of each text: CSR with, per text, the buckets of non-zero signed
// count in ascending order. indptr [n + 1].
void hashed_counts(const Texts& t, const HashParams& p, int threads, std::vector<int64_t>& indptr,
                   std::vector<int32_t>& buckets, std::vector<int32_t>& counts);

// A fitted model. Feature f is hash bucket buckets[f]; features are numbered by
// decreasing document frequency (ties: lower bucket first).
struct Model {
  HashParams hash;
  int64_t features = 0;           // F
  int64_t dim = 0;                // d
  std::vector<int32_t> buckets;   // [F]
  std::vector<float> idf;         // [F]
  std::vector<float> projection;  // [F × d]
  std::vector<float> fallback;    // [d] unit vector for texts with no known feature

  // Builds the bucket → feature lookup; throws tr::Error(kInvalidArg) on sizes that do not
  // match, a bucket outside [0, 2^bits) or a repeated bucket.
  void index();
  // Feature of a bucket, -1 when the bucket is not in the vocabulary.
  int32_t feature_of(uint32_t bucket) const {
    if (!direct_.empty()) return direct_[bucket];
    uint32_t s = bucket & slot_mask_;
    for (;;) {
      const Slot& e = slots_[s];
      if (e.bucket == static_cast<int32_t>(bucket)) return e.feature;
      if (e.bucket < 0) return -1;
      s = (s + 1) & slot_mask_;
    }
  }
  size_t bytes() const;

 private:
  struct Slot {
    int32_t bucket, feature;
  };
  // Up to 2^22 buckets: a direct table (one load, no branches); beyond: open addressing.
  std::vector<int32_t> direct_;
  std::vector<Slot> slots_;
  uint32_t slot_mask_ = 0;
};

struct FitParams {
  HashParams hash;
  int64_t min_df = 2;           // keep buckets seen in >= min_df training texts (lowered to 1 when none is)
  int64_t max_features = 32768; // at most this many, the most frequent
  int64_t dim = 256;            // output dimension d
  int64_t oversample = 10;      // randomized SVD oversampling p
  int64_t power_iters = 2;      // randomized SVD power iterations q
  int64_t svd_samples = 20000;  // texts the SVD is fitted on (drawn with the seed); idf uses all
  int threads = 0;              // 0: default
};

struct FitInfo {
  std::vector<float> singular;  // [d] singular values of the sampled TF·IDF matrix (0 past the rank)
  int64_t rank = 0;             // columns of the projection that are not zero
  int64_t min_df = 0;           // the min_df actually used
  int64_t samples = 0;          // texts in the SVD
  int64_t candidates = 0;       // buckets that passed min_df (before max_features)
};

// Fits the vocabulary, idf and projection on the training texts. Throws tr::Error with
// code ERR_TASKROUTE_DATA when no text has any feature.
Model fit(const Texts& t, const FitParams& p, FitInfo* info);

// [n × d] row-major, each row L2-normalised (texts without a known feature get the fallback).
void embed(const Model& m, const Texts& t, int threads, float* out);

// The L2-normalised TF·IDF rows (CSR over feature ids, ascending within a row).
void tfidf(const Model& m, const Texts& t, int threads, std::vector<int64_t>& indptr, std::vector<int32_t>& features,
           std::vector<float>& values);

}  // namespace tr::embed
