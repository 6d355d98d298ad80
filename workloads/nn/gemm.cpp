// workloads/nn/gemm.cpp — the GEMM paths. This first version is a straightforward native kernel
// (one thread per output row block, k ascending) and a CBLAS path; the tuned team-scratch kernel
// replaces the native one without changing its ordering guarantee.
#include "workloads/nn/gemm.hpp"

#include <cblas.h>

#include "core/error.hpp"

namespace xpb::nn {

GemmPath parse_gemm_path(const std::string& s) {
  if (s == "native") return GemmPath::native;
  XPB_ASSERT(s == "vendor", "gemm path must be native or vendor");
  return GemmPath::vendor;
}

bool vendor_gemm_available() { return true; }

namespace {

template <class T>
void gemm_native(const char* label, bool ta, bool tb, T alpha, const Matrix<const T>& A,
                 const Matrix<const T>& B, T beta, const Matrix<T>& C) {
  const int M = static_cast<int>(C.extent(0)), N = static_cast<int>(C.extent(1));
  const int K = static_cast<int>(ta ? A.extent(0) : A.extent(1));
  Kokkos::parallel_for(label, Kokkos::RangePolicy<>(0, M), KOKKOS_LAMBDA(const int i) {
    for (int j = 0; j < N; ++j) {
      T acc = 0;
      for (int k = 0; k < K; ++k) acc += (ta ? A(k, i) : A(i, k)) * (tb ? B(j, k) : B(k, j));
      C(i, j) = alpha * acc + (beta == T(0) ? T(0) : beta * C(i, j));
    }
  });
}

void blas(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N,
              K, alpha, A, lda, B, ldb, beta, C, ldc);
}
void blas(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda,
          const double* B, int ldb, double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N,
              K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template <class T>
void gemm_any(const char* label, GemmPath path, bool ta, bool tb, T alpha, const Matrix<const T>& A,
              const Matrix<const T>& B, T beta, const Matrix<T>& C) {
  const int M = static_cast<int>(C.extent(0)), N = static_cast<int>(C.extent(1));
  const int K = static_cast<int>(ta ? A.extent(0) : A.extent(1));
  XPB_ASSERT(static_cast<int>(ta ? A.extent(1) : A.extent(0)) == M, "gemm: A rows != C rows");
  XPB_ASSERT(static_cast<int>(tb ? B.extent(0) : B.extent(1)) == N, "gemm: B cols != C cols");
  XPB_ASSERT(static_cast<int>(tb ? B.extent(1) : B.extent(0)) == K, "gemm: inner dims differ");
  if (path == GemmPath::vendor) {
    Kokkos::fence();
    blas(ta, tb, M, N, K, alpha, A.data(), static_cast<int>(A.extent(1)), B.data(),
         static_cast<int>(B.extent(1)), beta, C.data(), static_cast<int>(C.extent(1)));
    return;
  }
  gemm_native<T>(label, ta, tb, alpha, A, B, beta, C);
}

}  // namespace

void gemm(const char* label, GemmPath path, bool ta, bool tb, float alpha,
          const Matrix<const float>& A, const Matrix<const float>& B, float beta,
          const Matrix<float>& C) {
  gemm_any<float>(label, path, ta, tb, alpha, A, B, beta, C);
}

void gemm(const char* label, GemmPath path, bool ta, bool tb, double alpha,
          const Matrix<const double>& A, const Matrix<const double>& B, double beta,
          const Matrix<double>& C) {
  gemm_any<double>(label, path, ta, tb, alpha, A, B, beta, C);
}

KernelCost gemm_cost(const std::string& label, DType dtype, double M, double N, double K,
                     bool beta_nonzero) {
  KernelCost k;
  k.name = label;
  k.kind = OpKind::gemm;
  k.dtype = dtype;
  k.flops = 2 * M * N * K;
  k.bytes = dtype_bytes(dtype) * (M * K + K * N + (beta_nonzero ? 2 : 1) * M * N);
  return k;
}

}  // namespace xpb::nn
