// A fixed-capacity byte ring for one direction of a bridge: one reader appends at the tail
// while one writer sends from the head, so the next chunk can be read while the previous one
// is still being written, and a side that stops reading stalls the other once the ring is
// full (the memory bound). Not thread-safe (the gateway runs one io_context thread).
//
// Protocol: at most one read region is outstanding at a time: take Free() or
// FreeContiguous(), read into its start, then Commit(n) before taking another. The writer
// takes Filled() (a snapshot; later commits do not move it), writes it, then Consume(n).
// The storage is allocated on the first Free*() call and not zeroed, so an idle ring only
// costs the pages its bytes have touched; when the ring is empty at a Free*() call, the
// positions restart at the beginning so an idle connection keeps touching the same pages.
#ifndef IMCHAT_GATEWAY_BYTE_RING_H_
#define IMCHAT_GATEWAY_BYTE_RING_H_

#include <array>
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace imchat::gateway {

class ByteRing {
 public:
  explicit ByteRing(std::size_t capacity) : capacity_(capacity) {}

  std::size_t capacity() const { return capacity_; }
  // Bytes committed and not yet consumed.
  std::size_t size() const { return static_cast<std::size_t>(tail_ - head_); }
  bool full() const { return size() == capacity_; }

  // All free space, as up to two regions (the second after the wrap; empty if none).
  std::array<boost::asio::mutable_buffer, 2> Free();
  // The free space up to the wrap only: for reads that take a single buffer.
  boost::asio::mutable_buffer FreeContiguous();
  // n bytes were read into the start of the last Free*() result. n <= its size.
  void Commit(std::size_t n);

  // The committed bytes, oldest first, as up to two regions.
  std::array<boost::asio::const_buffer, 2> Filled() const;
  // The first n committed bytes were written. n <= size().
  void Consume(std::size_t n);

 private:
  void PrepareForRead();

  std::size_t capacity_;
  std::unique_ptr<unsigned char[]> data_;
  // Positions grow without wrapping; the index into data_ is position % capacity_.
  std::uint64_t head_ = 0;
  std::uint64_t tail_ = 0;
};

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_BYTE_RING_H_
