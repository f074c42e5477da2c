#include "byte_ring.h"

#include <algorithm>
#include <cassert>

namespace imchat::gateway {

namespace asio = boost::asio;

void ByteRing::PrepareForRead() {
  // new[] without () leaves the bytes uninitialised: zeroing would touch every page of every
  // idle connection's rings.
  if (!data_) data_.reset(new unsigned char[capacity_]);
  // Only the reader calls this, and no write is in flight when the ring is empty (a write
  // covers committed bytes), so nobody holds a region that the restart would move.
  if (head_ == tail_) head_ = tail_ = 0;
}

std::array<asio::mutable_buffer, 2> ByteRing::Free() {
  PrepareForRead();
  const std::size_t free_bytes = capacity_ - size();
  const std::size_t at = static_cast<std::size_t>(tail_ % capacity_);
  const std::size_t first = std::min(free_bytes, capacity_ - at);
  return {asio::mutable_buffer(data_.get() + at, first),
          asio::mutable_buffer(data_.get(), free_bytes - first)};
}

asio::mutable_buffer ByteRing::FreeContiguous() { return Free()[0]; }

void ByteRing::Commit(std::size_t n) {
  assert(n <= capacity_ - size());
  tail_ += n;
}

std::array<asio::const_buffer, 2> ByteRing::Filled() const {
  if (!data_) return {};
  const std::size_t used = size();
  const std::size_t at = static_cast<std::size_t>(head_ % capacity_);
  const std::size_t first = std::min(used, capacity_ - at);
  return {asio::const_buffer(data_.get() + at, first),
          asio::const_buffer(data_.get(), used - first)};
}

void ByteRing::Consume(std::size_t n) {
  assert(n <= size());
  head_ += n;
}

}  // namespace imchat::gateway
