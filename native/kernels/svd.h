// Randomized truncated SVD of a sparse matrix (Halko, Martinsson & Tropp 2011, "Finding
// structure with randomness", Alg. 4.4 with re-orthonormalisation after every product):
//
//   Ω ~ N(0,1) [cols × l], l = k + p     Y = A·Ω, Q = orth(Y)
//   q times:  Z = Aᵀ·Q, Q' = orth(Z);  Y = A·Q', Q = orth(Y)
//   Bᵀ = Aᵀ·Q = Q₂·R (thin QR)           R·Rᵀ = W·Λ·Wᵀ (cyclic Jacobi, double)
//   σ = √Λ, V = Q₂·W  (right singular vectors of A, [cols × k])
//
// orth() is a blocked classical Gram–Schmidt run twice (CGS2: block projections with
// tr::sgemm, columns inside a block one by one); numerically dependent columns become
// zero, so rank-deficient input (fewer rows than k, repeated rows) never fails.
// All of it is plain C++ (no LAPACK): it runs with the built-in GEMM too.
// Deterministic for a seed whatever the thread count: reductions over rows use fixed
// chunks summed in order, and every output row is owned by one thread.
#pragma once
#include <cstdint>
#include <vector>

namespace tr::svd {

// A read-only CSR matrix [rows × cols]; indices within a row need not be sorted.
struct Csr {
  int64_t rows = 0, cols = 0;
  const int64_t* indptr = nullptr;  // [rows + 1]
  const int32_t* indices = nullptr; // [nnz], each in [0, cols)
  const float* values = nullptr;    // [nnz]
};

struct RsvdParams {
  int64_t rank = 10;        // k: singular triplets wanted (clamped to min(rows, cols))
  int64_t oversample = 10;  // p: extra sketch columns
  int64_t power_iters = 2;  // q: power iterations
  uint64_t seed = 0;        // seed of the Gaussian sketch
  int threads = 0;          // 0: default
};

struct RsvdResult {
  int64_t k = 0;             // triplets returned: min(rank, rows, cols)
  std::vector<float> s;      // [k] singular values, descending
  std::vector<float> v;      // [cols × k] right singular vectors (columns); sign: largest |entry| > 0
};

RsvdResult randomized_svd(const Csr& a, const RsvdParams& p);

// Orthonormalises the columns of Y [m × l] (row-major, leading dimension l) in place;
// with R non-null, also returns R [l × l] (upper triangular) with Y_in = Y_out·R.
// A column that is numerically dependent on the earlier ones comes out zero (R[j][j] = 0).
void orthonormalize(float* y, int64_t m, int64_t l, float* r, int threads);

// Eigen-decomposition of a symmetric matrix A [n × n] (row-major, destroyed) by cyclic
// Jacobi rotations: eigenvalues w [n] descending, eigenvectors as the columns of V [n × n].
void jacobi_eigen(int64_t n, double* a, double* w, double* v);

}  // namespace tr::svd
