// core/base/mpi.cpp — MPI start-up and world queries; stubs when built without MPI.
// Only this file and the collective workloads include <mpi.h>.
#include "core/base/mpi.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <thread>
#include <utility>

#include "core/base/mpi_api.hpp"

namespace xpb::mpi {
namespace {
bool g_we_initialised = false;  // process-wide by nature: MPI itself is process-global
}

bool compiled_in() {
#ifdef XPB_HAS_MPI
  return true;
#else
  return false;
#endif
}

bool launched_by_launcher() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(var) != nullptr) return true;
  }
  return false;
}

bool init_if_launched(int* argc, char*** argv) {
#ifdef XPB_HAS_MPI
  int already = 0;
  MPI_Initialized(&already);
  if (already) return true;
  if (!launched_by_launcher()) return false;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return false;
  g_we_initialised = true;
  return true;
#else
  (void)argc;
  (void)argv;
  return false;
#endif
}

bool active() {
#ifdef XPB_HAS_MPI
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
#else
  return false;
#endif
}

void finalize() {
#ifdef XPB_HAS_MPI
  if (g_we_initialised && active()) MPI_Finalize();
  g_we_initialised = false;
#endif
}

int rank() { return Group::world().rank(); }
int size() { return Group::world().size(); }

double wtime() {
#ifdef XPB_HAS_MPI
  if (active()) return MPI_Wtime();
#endif
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

void abort(int code) {
#ifdef XPB_HAS_MPI
  if (active()) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::_Exit(code);
}

// ------------------------------------------------------------------------------------------------
// Group

struct Group::Impl {
#ifdef XPB_HAS_MPI
  MPI_Comm comm = MPI_COMM_NULL;
  bool owned = false;  // split off by us: freed with the last copy (while MPI is still up)
  ~Impl() {
    if (owned && comm != MPI_COMM_NULL && active()) MPI_Comm_free(&comm);
  }
#endif
};

Group::Group() = default;

Group Group::world() {
  Group g;
#ifdef XPB_HAS_MPI
  if (active()) {
    g.m_impl = std::make_shared<Impl>();
    g.m_impl->comm = MPI_COMM_WORLD;
  }
#endif
  return g;
}

int Group::rank() const {
#ifdef XPB_HAS_MPI
  if (m_impl) {
    int r = 0;
    MPI_Comm_rank(m_impl->comm, &r);
    return r;
  }
#endif
  return 0;
}

int Group::size() const {
#ifdef XPB_HAS_MPI
  if (m_impl) {
    int s = 1;
    MPI_Comm_size(m_impl->comm, &s);
    return s;
  }
#endif
  return 1;
}

Group Group::split(int colour, int key) const {
  Group g;
#ifdef XPB_HAS_MPI
  if (m_impl) {
    MPI_Comm out = MPI_COMM_NULL;
    MPI_Comm_split(m_impl->comm, colour < 0 ? MPI_UNDEFINED : colour, key, &out);
    if (out != MPI_COMM_NULL) {
      g.m_impl = std::make_shared<Impl>();
      g.m_impl->comm = out;
      g.m_impl->owned = true;
    }
  }
#else
  (void)colour;
  (void)key;
#endif
  return g;
}

int Group::ranks_on_node() const {
#ifdef XPB_HAS_MPI
  if (m_impl) {
    MPI_Comm node = MPI_COMM_NULL;
    MPI_Comm_split_type(m_impl->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    int n = 1;
    if (node != MPI_COMM_NULL) {
      MPI_Comm_size(node, &n);
      MPI_Comm_free(&node);
    }
    return n;
  }
#endif
  return 1;
}

void Group::barrier() const {
#ifdef XPB_HAS_MPI
  if (m_impl) MPI_Barrier(m_impl->comm);
#endif
}

bool Group::barrier_while(const std::function<bool()>& keep_waiting) const {
#ifdef XPB_HAS_MPI
  if (m_impl) {
    MPI_Request req = MPI_REQUEST_NULL;
    MPI_Ibarrier(m_impl->comm, &req);
    auto last = std::chrono::steady_clock::now();
    for (;;) {
      int done = 0;
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
      if (done) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      const auto now = std::chrono::steady_clock::now();
      if (now - last >= std::chrono::milliseconds(50)) {
        last = now;
        if (!keep_waiting()) return false;
      }
    }
  }
#else
  (void)keep_waiting;
#endif
  return true;
}

int Group::broadcast(int value, int root) const {
#ifdef XPB_HAS_MPI
  if (m_impl) MPI_Bcast(&value, 1, MPI_INT, root, m_impl->comm);
#else
  (void)root;
#endif
  return value;
}

double Group::max(double x) const {
#ifdef XPB_HAS_MPI
  if (m_impl) {
    double y = x;
    MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_MAX, m_impl->comm);
    return y;
  }
#endif
  return x;
}

void Group::sum(std::vector<double>& values) const {
#ifdef XPB_HAS_MPI
  if (m_impl && !values.empty())
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                  m_impl->comm);
#else
  (void)values;
#endif
}

namespace {
template <class T>
void copy_own(const T* send, const std::vector<int>& scounts, const std::vector<int>& sdispls, T* recv,
              const std::vector<int>& rdispls) {
  std::copy(send + sdispls[0], send + sdispls[0] + scounts[0], recv + rdispls[0]);
}
}  // namespace

#ifdef XPB_HAS_MPI
#define XPB_ALLTOALLV(TYPE, MPITYPE)                                                                    \
  void Group::alltoallv(const TYPE* send, const std::vector<int>& scounts, const std::vector<int>& sdispls, \
                        TYPE* recv, const std::vector<int>& rcounts, const std::vector<int>& rdispls) const { \
    if (!m_impl) return copy_own(send, scounts, sdispls, recv, rdispls);                              \
    MPI_Alltoallv(send, scounts.data(), sdispls.data(), MPITYPE, recv, rcounts.data(), rdispls.data(),  \
                  MPITYPE, m_impl->comm);                                                             \
  }                                                                                                   \
  void Group::allgatherv(TYPE* buf, const std::vector<int>& counts, const std::vector<int>& displs) const { \
    if (!m_impl) return;                                                                              \
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts.data(), displs.data(), MPITYPE,     \
                   m_impl->comm);                                                                     \
  }
XPB_ALLTOALLV(float, MPI_FLOAT)
XPB_ALLTOALLV(double, MPI_DOUBLE)
#undef XPB_ALLTOALLV
#else
#define XPB_ALLTOALLV(TYPE)                                                                             \
  void Group::alltoallv(const TYPE* send, const std::vector<int>& scounts, const std::vector<int>& sdispls, \
                        TYPE* recv, const std::vector<int>&, const std::vector<int>& rdispls) const {   \
    copy_own(send, scounts, sdispls, recv, rdispls);                                                  \
  }                                                                                                   \
  void Group::allgatherv(TYPE*, const std::vector<int>&, const std::vector<int>&) const {}
XPB_ALLTOALLV(float)
XPB_ALLTOALLV(double)
#undef XPB_ALLTOALLV
#endif

const void* Group::native() const {
#ifdef XPB_HAS_MPI
  if (m_impl) return &m_impl->comm;
#endif
  return nullptr;
}

}  // namespace xpb::mpi
