#include "distributed/communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace lofimap::distributed {

bool MpiSession::launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    if (std::getenv(var)) return true;
  }
  const char* force = std::getenv("LOFIMAP_MPI");
  return force && std::string(force) == "1";
}

MpiSession::MpiSession(int* argc, char*** argv) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised && launched_by_mpi()) {
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  }
}

MpiSession::~MpiSession() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  if (initialised && !finalised) MPI_Finalize();
}

// The MPI communicator; communicators this process created (split, node_local) are freed with the last copy.
struct Communicator::Handle {
  MPI_Comm comm = MPI_COMM_NULL;
  bool owned = false;
  ~Handle() {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (owned && !finalised && comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
  }
};

namespace {

bool mpi_running() {
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  return initialised && !finalised;
}

MPI_Comm native(const void* handle) {
  return handle ? *static_cast<const MPI_Comm*>(handle) : MPI_COMM_NULL;
}

template <typename T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() {
  return MPI_FLOAT;
}
template <>
MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}
template <>
MPI_Datatype mpi_type<int>() {
  return MPI_INT;
}
template <>
MPI_Datatype mpi_type<long long>() {
  return MPI_LONG_LONG;
}
template <>
MPI_Datatype mpi_type<std::uint64_t>() {
  return MPI_UINT64_T;
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
      return MPI_SUM;
    case ReduceOp::Max:
      return MPI_MAX;
    case ReduceOp::Min:
      return MPI_MIN;
  }
  return MPI_SUM;
}

// MPI counts are int: large arrays go in pieces of at most 2^30 elements.
constexpr std::size_t kPiece = static_cast<std::size_t>(1) << 30;

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI ") + what + " failed");
}

// Displacements for v-collectives; the totals must fit MPI's int counts.
std::vector<int> to_int_counts(std::span<const long long> counts, const char* what) {
  std::vector<int> out(counts.size());
  long long total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] < 0 || counts[i] > INT_MAX)
      throw std::invalid_argument(std::string(what) + ": count out of range");
    out[i] = static_cast<int>(counts[i]);
    total += counts[i];
  }
  if (total > INT_MAX)
    throw std::invalid_argument(std::string(what) + ": more than 2^31 elements in one exchange");
  return out;
}

std::vector<int> displacements(const std::vector<int>& counts) {
  std::vector<int> d(counts.size(), 0);
  for (std::size_t i = 1; i < counts.size(); ++i) d[i] = d[i - 1] + counts[i - 1];
  return d;
}

}  // namespace

Communicator::Communicator(std::shared_ptr<const Handle> handle) : handle_(std::move(handle)) {
  if (!handle_ || handle_->comm == MPI_COMM_NULL) return;  // serial: a world of one
  MPI_Comm_rank(handle_->comm, &rank_);
  MPI_Comm_size(handle_->comm, &size_);
}

Communicator Communicator::world() {
  if (!mpi_running()) return Communicator(nullptr);
  return Communicator(std::make_shared<const Handle>(Handle{MPI_COMM_WORLD, false}));
}

Communicator Communicator::self() {
  if (!mpi_running()) return Communicator(nullptr);
  return Communicator(std::make_shared<const Handle>(Handle{MPI_COMM_SELF, false}));
}

const void* Communicator::mpi_handle() const {
  return handle_ ? &handle_->comm : nullptr;
}

template <typename T>
void Communicator::allreduce(std::span<T> data, ReduceOp op) const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) return;
  for (std::size_t off = 0; off < data.size(); off += kPiece) {
    const int count = static_cast<int>(std::min(kPiece, data.size() - off));
    check(MPI_Allreduce(MPI_IN_PLACE, data.data() + off, count, mpi_type<T>(), mpi_op(op), comm),
          "allreduce");
  }
}

struct PendingSum::Requests {
  std::vector<MPI_Request> pieces;
};

PendingSum::PendingSum() = default;
PendingSum::PendingSum(PendingSum&&) noexcept = default;
PendingSum& PendingSum::operator=(PendingSum&& other) noexcept {
  if (this != &other) {
    if (requests_ && mpi_running()) wait();
    requests_ = std::move(other.requests_);
  }
  return *this;
}
PendingSum::~PendingSum() {
  if (requests_ && mpi_running()) {
    try {
      wait();
    } catch (...) {  // a destructor must not throw; the job is failing already
    }
  }
}

bool PendingSum::test() {
  if (!requests_) return true;
  int done = 0;
  check(MPI_Testall(static_cast<int>(requests_->pieces.size()), requests_->pieces.data(), &done,
                    MPI_STATUSES_IGNORE),
        "test of a non-blocking all-reduce");
  if (done) requests_.reset();
  return done != 0;
}

void PendingSum::wait() {
  if (!requests_) return;
  auto requests = std::move(requests_);
  check(MPI_Waitall(static_cast<int>(requests->pieces.size()), requests->pieces.data(), MPI_STATUSES_IGNORE),
        "wait for a non-blocking all-reduce");
}

template <typename T>
void Communicator::send(std::span<const T> data, int dest) const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) throw std::logic_error("send: no other rank in a world of one");
  long long n = static_cast<long long>(data.size());
  check(MPI_Send(&n, 1, MPI_LONG_LONG, dest, 0, comm), "send (length)");
  for (std::size_t off = 0; off < data.size(); off += kPiece) {
    const int count = static_cast<int>(std::min(kPiece, data.size() - off));
    check(MPI_Send(data.data() + off, count, mpi_type<T>(), dest, 1, comm), "send");
  }
}

template <typename T>
std::vector<T> Communicator::receive(int source) const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) throw std::logic_error("receive: no other rank in a world of one");
  long long n = 0;
  check(MPI_Recv(&n, 1, MPI_LONG_LONG, source, 0, comm, MPI_STATUS_IGNORE), "receive (length)");
  std::vector<T> out(static_cast<std::size_t>(n));
  for (std::size_t off = 0; off < out.size(); off += kPiece) {
    const int count = static_cast<int>(std::min(kPiece, out.size() - off));
    check(MPI_Recv(out.data() + off, count, mpi_type<T>(), source, 1, comm, MPI_STATUS_IGNORE), "receive");
  }
  return out;
}

template <typename T>
PendingSum Communicator::iallreduce_sum(std::span<T> data) const {
  PendingSum pending;
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL || data.empty()) return pending;
  pending.requests_ = std::make_unique<PendingSum::Requests>();
  for (std::size_t off = 0; off < data.size(); off += kPiece) {
    const int count = static_cast<int>(std::min(kPiece, data.size() - off));
    MPI_Request request = MPI_REQUEST_NULL;
    check(MPI_Iallreduce(MPI_IN_PLACE, data.data() + off, count, mpi_type<T>(), MPI_SUM, comm, &request),
          "non-blocking all-reduce");
    pending.requests_->pieces.push_back(request);
  }
  return pending;
}
template PendingSum Communicator::iallreduce_sum<float>(std::span<float>) const;
template PendingSum Communicator::iallreduce_sum<double>(std::span<double>) const;

template <typename T>
void Communicator::reduce_sum_to_root(std::span<T> data) const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) return;
  for (std::size_t off = 0; off < data.size(); off += kPiece) {
    const int count = static_cast<int>(std::min(kPiece, data.size() - off));
    if (rank_ == 0)
      check(MPI_Reduce(MPI_IN_PLACE, data.data() + off, count, mpi_type<T>(), MPI_SUM, 0, comm), "reduce");
    else
      check(MPI_Reduce(data.data() + off, nullptr, count, mpi_type<T>(), MPI_SUM, 0, comm), "reduce");
  }
}

template <typename T>
void Communicator::broadcast(std::span<T> data, int root) const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) return;
  for (std::size_t off = 0; off < data.size(); off += kPiece) {
    const int count = static_cast<int>(std::min(kPiece, data.size() - off));
    check(MPI_Bcast(data.data() + off, count, mpi_type<T>(), root, comm), "broadcast");
  }
}

template <typename T>
std::vector<T> Communicator::allgatherv(std::span<const T> local) const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) return {local.begin(), local.end()};
  std::vector<long long> counts(static_cast<std::size_t>(size_));
  long long mine = static_cast<long long>(local.size());
  check(MPI_Allgather(&mine, 1, MPI_LONG_LONG, counts.data(), 1, MPI_LONG_LONG, comm), "allgather");
  const auto c = to_int_counts(counts, "allgatherv");
  const auto d = displacements(c);
  std::vector<T> out(static_cast<std::size_t>(d.back() + c.back()));
  check(MPI_Allgatherv(local.data(), static_cast<int>(mine), mpi_type<T>(), out.data(), c.data(), d.data(),
                       mpi_type<T>(), comm),
        "allgatherv");
  return out;
}

template <typename T>
std::vector<T> Communicator::alltoallv(std::span<const T> send, std::span<const long long> send_counts,
                                       std::vector<long long>* recv_counts) const {
  if (send_counts.size() != static_cast<std::size_t>(size_))
    throw std::invalid_argument("alltoallv: one send count per rank expected");
  long long total = 0;
  for (long long n : send_counts) total += n;
  if (total != static_cast<long long>(send.size()))
    throw std::invalid_argument("alltoallv: send counts do not add up to the data");
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) {
    if (recv_counts) recv_counts->assign(send_counts.begin(), send_counts.end());
    return {send.begin(), send.end()};
  }
  std::vector<long long> rc(static_cast<std::size_t>(size_));
  check(MPI_Alltoall(send_counts.data(), 1, MPI_LONG_LONG, rc.data(), 1, MPI_LONG_LONG, comm), "alltoall");
  const auto sc = to_int_counts(send_counts, "alltoallv"), rci = to_int_counts(rc, "alltoallv");
  const auto sd = displacements(sc), rd = displacements(rci);
  std::vector<T> out(static_cast<std::size_t>(rd.back() + rci.back()));
  check(MPI_Alltoallv(send.data(), sc.data(), sd.data(), mpi_type<T>(), out.data(), rci.data(), rd.data(),
                      mpi_type<T>(), comm),
        "alltoallv");
  if (recv_counts) *recv_counts = std::move(rc);
  return out;
}

#define LOFIMAP_COMMUNICATOR_TYPES(T)                                                                \
  template void Communicator::allreduce<T>(std::span<T>, ReduceOp) const;                            \
  template void Communicator::send<T>(std::span<const T>, int) const;                                \
  template std::vector<T> Communicator::receive<T>(int) const;                                       \
  template void Communicator::reduce_sum_to_root<T>(std::span<T>) const;                             \
  template void Communicator::broadcast<T>(std::span<T>, int) const;                                 \
  template std::vector<T> Communicator::allgatherv<T>(std::span<const T>) const;                     \
  template std::vector<T> Communicator::alltoallv<T>(std::span<const T>, std::span<const long long>, \
                                                     std::vector<long long>*) const;
LOFIMAP_COMMUNICATOR_TYPES(float)
LOFIMAP_COMMUNICATOR_TYPES(double)
LOFIMAP_COMMUNICATOR_TYPES(int)
LOFIMAP_COMMUNICATOR_TYPES(long long)
LOFIMAP_COMMUNICATOR_TYPES(std::uint64_t)
#undef LOFIMAP_COMMUNICATOR_TYPES

Communicator::Offset Communicator::offset_of(long long count) const {
  const auto counts = allgatherv(std::span<const long long>(&count, 1));
  Offset o;
  for (int r = 0; r < size(); ++r) {
    if (r < rank()) o.first += counts[static_cast<std::size_t>(r)];
    o.total += counts[static_cast<std::size_t>(r)];
  }
  return o;
}

void Communicator::barrier() const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm != MPI_COMM_NULL) check(MPI_Barrier(comm), "barrier");
}

std::string Communicator::broadcast(const std::string& value) const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) return value;
  long long len = static_cast<long long>(value.size());
  check(MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm), "broadcast");
  std::vector<char> buf(value.begin(), value.end());
  buf.resize(static_cast<std::size_t>(len));
  check(MPI_Bcast(buf.data(), static_cast<int>(len), MPI_CHAR, 0, comm), "broadcast");
  return std::string(buf.begin(), buf.end());
}

Communicator Communicator::split(int colour, int key) const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) return Communicator(nullptr);
  auto handle = std::make_shared<Handle>();
  check(MPI_Comm_split(comm, colour, key, &handle->comm), "comm_split");
  handle->owned = true;
  return Communicator(std::move(handle));
}

Communicator Communicator::node_local() const {
  const MPI_Comm comm = native(mpi_handle());
  if (comm == MPI_COMM_NULL) return Communicator(nullptr);
  auto handle = std::make_shared<Handle>();
  check(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &handle->comm),
        "comm_split_type");
  handle->owned = true;
  return Communicator(std::move(handle));
}

void abort_all_ranks(int exit_code) {
  if (!mpi_running()) return;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
}

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string s(text, static_cast<std::size_t>(len));
  const auto comma = s.find(',');
  return comma == std::string::npos ? s : s.substr(0, comma);
}

RowRange split_rows(long total, int rank, int size) {
  const long base = total / size, extra = total % size;
  const long begin = rank * base + std::min<long>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

}  // namespace lofimap::distributed
