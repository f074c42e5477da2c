// The generator's MQTT 5 client and its epoll loop. Packets are encoded into a per-socket
// output buffer and written once per dispatch round; input is read in large chunks and parsed
// packet by packet (MQTT 5, OASIS standard, sections 3.1-3.14).
#include "load_loop.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace imchat::bench {

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

namespace {

constexpr uint8_t kConnect = 0x10, kConnack = 0x20, kPublish = 0x30, kPuback = 0x40,
                  kSubscribe = 0x82, kSuback = 0x90, kPingreq = 0xC0, kPingresp = 0xD0,
                  kDisconnect = 0xE0;
// The broker allows 100 in flight per client (max_inflight_messages); so do we.
constexpr int kReceiveMaximum = 100;

void PutU16(std::string* out, unsigned v) {
  out->push_back(static_cast<char>((v >> 8) & 0xff));
  out->push_back(static_cast<char>(v & 0xff));
}

void PutString(std::string* out, const std::string& s) {
  PutU16(out, static_cast<unsigned>(s.size()));
  out->append(s);
}

void PutVarint(std::string* out, size_t v) {
  do {
    uint8_t b = v % 128;
    v /= 128;
    if (v) b |= 0x80;
    out->push_back(static_cast<char>(b));
  } while (v);
}

// Fixed header + body.
void PutPacket(std::string* out, uint8_t header, const std::string& body) {
  out->push_back(static_cast<char>(header));
  PutVarint(out, body.size());
  out->append(body);
}

// Reads a variable byte integer at p[*i]; false when incomplete or malformed.
bool GetVarint(const uint8_t* p, size_t n, size_t* i, size_t* value) {
  size_t v = 0, mult = 1;
  for (int k = 0; k < 4; ++k) {
    if (*i >= n) return false;
    uint8_t b = p[(*i)++];
    v += (b & 0x7f) * mult;
    if (!(b & 0x80)) {
      *value = v;
      return true;
    }
    mult *= 128;
  }
  return false;
}

unsigned GetU16(const uint8_t* p) { return (unsigned{p[0]} << 8) | p[1]; }

}  // namespace

int LoadClient::NextMid() {
  next_mid_ = next_mid_ % 65535 + 1;
  return next_mid_;
}

void LoadClient::WritePublish(const std::string& topic, const void* payload, int len, int qos,
                              int mid) {
  const size_t body = 2 + topic.size() + (qos > 0 ? 2 : 0) + 1 + static_cast<size_t>(len);
  out_.push_back(static_cast<char>(kPublish | (qos << 1)));
  PutVarint(&out_, body);
  PutString(&out_, topic);
  if (qos > 0) PutU16(&out_, static_cast<unsigned>(mid));
  out_.push_back(0);  // no properties
  out_.append(static_cast<const char*>(payload), static_cast<size_t>(len));
}

bool LoadClient::Publish(const std::string& topic, const void* payload, int len, int qos) {
  if (state_ != State::kConnected) return false;
  if (qos > 0 && (in_flight_ >= send_max_ || !waiting_.empty())) {
    waiting_.push_back(
        {topic, std::string(static_cast<const char*>(payload), static_cast<size_t>(len))});
    return true;
  }
  if (qos > 0) ++in_flight_;
  WritePublish(topic, payload, len, qos > 1 ? 1 : qos, qos > 0 ? NextMid() : 0);
  loop_->MarkDirty(this);
  return true;
}

bool LoadClient::Subscribe(const std::vector<std::string>& filters, int qos) {
  if (state_ != State::kConnected) return false;
  std::string body;
  PutU16(&body, static_cast<unsigned>(NextMid()));
  body.push_back(0);  // no properties
  for (const std::string& f : filters) {
    PutString(&body, f);
    body.push_back(static_cast<char>(qos > 1 ? 1 : qos));
  }
  PutPacket(&out_, kSubscribe, body);
  loop_->MarkDirty(this);
  return true;
}

void LoadClient::Disconnect() {
  if (state_ != State::kConnected && state_ != State::kWaitConnack) return;
  out_.push_back(static_cast<char>(kDisconnect));
  out_.push_back(0);
  state_ = State::kClosing;
  loop_->MarkDirty(this);
}

bool LoadClient::HandleInput() {
  const auto* p = reinterpret_cast<const uint8_t*>(in_.data());
  const size_t n = in_.size();
  size_t pos = 0;
  while (pos < n) {
    size_t i = pos + 1, len = 0;
    if (!GetVarint(p, n, &i, &len)) {
      if (i - pos > 4) return false;  // a length of more than 4 bytes
      break;                          // incomplete header
    }
    if (n - i < len) break;  // incomplete body
    if (!HandlePacket(p[pos], p + i, len)) return false;
    if (state_ == State::kClosed) return true;
    pos = i + len;
  }
  in_.erase(0, pos);
  return true;
}

bool LoadClient::HandlePacket(uint8_t header, const uint8_t* p, size_t n) {
  switch (header & 0xf0) {
    case kPublish: {
      const int qos = (header >> 1) & 3;
      if (n < 2) return false;
      const size_t tlen = GetU16(p);
      size_t i = 2 + tlen;
      if (i > n) return false;
      std::string topic(reinterpret_cast<const char*>(p + 2), tlen);
      int mid = 0;
      if (qos > 0) {
        if (i + 2 > n) return false;
        mid = static_cast<int>(GetU16(p + i));
        i += 2;
      }
      size_t plen = 0;
      if (!GetVarint(p, n, &i, &plen) || i + plen > n) return false;
      i += plen;  // properties (id, ts, ...) are not needed here
      if (on_message) {
        on_message(topic.c_str(), reinterpret_cast<const char*>(p + i), static_cast<int>(n - i));
      }
      if (qos == 1) {
        out_.push_back(static_cast<char>(kPuback));
        out_.push_back(2);
        PutU16(&out_, static_cast<unsigned>(mid));
        loop_->MarkDirty(this);
      }
      return qos < 2;  // the generator subscribes at QoS 1 at most
    }
    case kPuback: {
      if (n < 2) return false;
      const int mid = static_cast<int>(GetU16(p));
      if (in_flight_ > 0) --in_flight_;
      while (!waiting_.empty() && in_flight_ < send_max_) {
        ++in_flight_;
        const Queued& q = waiting_.front();
        WritePublish(q.topic, q.payload.data(), static_cast<int>(q.payload.size()), 1, NextMid());
        waiting_.pop_front();
        loop_->MarkDirty(this);
      }
      if (on_publish) on_publish(mid);
      return true;
    }
    case kConnack: {
      if (n < 2) return false;
      const int reason = p[1];
      size_t i = 2, plen = 0;
      if (n > 2 && GetVarint(p, n, &i, &plen)) {
        const size_t end = std::min(n, i + plen);
        // Only Receive Maximum (0x21) matters; stop at the first property we cannot size.
        while (i < end) {
          const uint8_t id = p[i++];
          if (id == 0x21 && i + 2 <= end) {
            send_max_ = static_cast<int>(GetU16(p + i));
            i += 2;
          } else if (id == 0x24 || id == 0x25 || id == 0x28 || id == 0x29 || id == 0x2A ||
                     id == 0x01 || id == 0x17 || id == 0x19) {
            i += 1;
          } else if (id == 0x13 || id == 0x22 || id == 0x23) {
            i += 2;
          } else if (id == 0x11 || id == 0x27 || id == 0x02 || id == 0x18) {
            i += 4;
          } else {
            break;
          }
        }
      }
      if (send_max_ < 1) send_max_ = 65535;
      state_ = reason == 0 ? State::kConnected : State::kClosing;
      if (reason != 0) failed_ = true;
      if (on_connect) on_connect(reason);
      return true;
    }
    case kSuback:
      if (n < 2) return false;
      if (on_subscribe) on_subscribe(static_cast<int>(GetU16(p)));
      return true;
    case kPingresp:
      return true;
    case kDisconnect:
      state_ = State::kClosing;
      return true;
    default:
      return false;
  }
}

LoadLoop::LoadLoop(std::string host, int port, std::string ws_path)
    : host_(std::move(host)),
      port_(port),
      ws_path_(std::move(ws_path)),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {}

LoadLoop::~LoadLoop() {
  for (auto& c : clients_) {
    if (c->fd_ >= 0) close(c->fd_);
  }
  close(epoll_fd_);
}

LoadClient* LoadLoop::Add(const ClientOptions& options) {
  std::unique_ptr<LoadClient> client(new LoadClient());
  client->options_ = options;
  client->loop_ = this;
  clients_.push_back(std::move(client));
  return clients_.back().get();
}

bool LoadLoop::Connect(LoadClient* c) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  if (inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_INET;
    if (getaddrinfo(host_.c_str(), nullptr, &hints, &res) != 0 || !res) {
      c->failed_ = true;
      return false;
    }
    addr.sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
    freeaddrinfo(res);
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    c->failed_ = true;
    return false;
  }
  // Like the broker (set_tcp_nodelay): without it Nagle holds small packets for the peer's
  // delayed ACK, adding ~40 ms whenever a client both sends and receives.
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    close(fd);
    c->failed_ = true;
    return false;
  }
  c->fd_ = fd;
  c->state_ = LoadClient::State::kTcpConnecting;
  c->in_.clear();
  c->out_.clear();
  c->wire_.clear();
  c->ws_in_.clear();
  c->ws_reader_ = WsReader();
  c->out_off_ = 0;
  c->in_flight_ = 0;
  c->waiting_.clear();

  const ClientOptions& o = c->options_;
  std::string body;
  PutString(&body, "MQTT");
  body.push_back(5);
  uint8_t flags = o.clean_start ? 0x02 : 0;
  if (!o.username.empty()) flags |= 0x80 | 0x40;
  body.push_back(static_cast<char>(flags));
  PutU16(&body, static_cast<unsigned>(o.keepalive_s));
  std::string props;
  if (o.session_expiry_s > 0) {
    props.push_back(0x11);
    const uint32_t v = static_cast<uint32_t>(o.session_expiry_s);
    for (int shift = 24; shift >= 0; shift -= 8) props.push_back(static_cast<char>(v >> shift));
  }
  props.push_back(0x21);
  PutU16(&props, kReceiveMaximum);
  PutVarint(&body, props.size());
  body.append(props);
  PutString(&body, o.client_id);
  if (!o.username.empty()) {
    PutString(&body, o.username);
    PutString(&body, o.password);
  }
  PutPacket(&c->out_, kConnect, body);

  epoll_event ev{};
  c->events_ = EPOLLIN | EPOLLOUT;
  ev.events = c->events_;
  ev.data.ptr = c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  return true;
}

void LoadLoop::Remove(LoadClient* c) {
  Drop(c);
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), c), dirty_.end());
  clients_.erase(std::remove_if(clients_.begin(), clients_.end(),
                                [c](const std::unique_ptr<LoadClient>& p) { return p.get() == c; }),
                 clients_.end());
}

void LoadLoop::MarkDirty(LoadClient* c) {
  if (!c->dirty_) {
    c->dirty_ = true;
    dirty_.push_back(c);
  }
}

void LoadLoop::SetInterest(LoadClient* c, uint32_t events) {
  if (c->fd_ < 0 || events == c->events_) return;
  c->events_ = events;
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd_, &ev);
}

void LoadLoop::Flush(LoadClient* c) {
  if (c->fd_ < 0 || c->state_ == LoadClient::State::kTcpConnecting) return;
  std::string* buf = &c->out_;
  if (!ws_path_.empty()) {
    // MQTT waits (CONNECT included) until the gateway has accepted the upgrade.
    if (c->state_ != LoadClient::State::kWsHandshake && !c->out_.empty()) {
      AppendWsFrames(c->out_, &c->wire_);
      c->out_.clear();
    }
    buf = &c->wire_;
  }
  while (c->out_off_ < buf->size()) {
    ssize_t w = send(c->fd_, buf->data() + c->out_off_, buf->size() - c->out_off_, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        SetInterest(c, EPOLLIN | EPOLLOUT);
        return;
      }
      Drop(c);
      return;
    }
    c->out_off_ += static_cast<size_t>(w);
    c->last_write_ns_ = NowNs();
  }
  buf->clear();
  c->out_off_ = 0;
  SetInterest(c, EPOLLIN);
  if (c->state_ == LoadClient::State::kClosing) Drop(c);
}

void LoadLoop::Drop(LoadClient* c) {
  if (c->fd_ >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd_, nullptr);
    close(c->fd_);
    c->fd_ = -1;
  }
  // A refused CONNACK was reported by on_connect already; anything else that ends a
  // connection (ours, the broker's, an error) is a disconnect.
  const bool notify = c->state_ != LoadClient::State::kClosed &&
                      (c->state_ == LoadClient::State::kConnected || !c->failed_);
  c->state_ = LoadClient::State::kClosed;
  c->failed_ = true;
  if (notify && c->on_disconnect) c->on_disconnect();
}

bool LoadLoop::Received(LoadClient* c, const char* data, size_t n) {
  if (ws_path_.empty()) {
    c->in_.append(data, n);
    return true;
  }
  if (c->state_ == LoadClient::State::kWsHandshake) {
    c->ws_in_.append(data, n);
    std::string error;
    switch (ParseWsUpgradeResponse(&c->ws_in_, &error)) {
      case WsHandshake::kIncomplete:
        return true;
      case WsHandshake::kRefused:
        // Dropped as a lost connection (on_disconnect), so a login wave fails at once.
        std::fprintf(stderr, "bench: %s: %s\n", c->name().c_str(), error.c_str());
        return false;
      case WsHandshake::kAccepted:
        break;
    }
    c->state_ = LoadClient::State::kWaitConnack;
    MarkDirty(c);  // the CONNECT, framed now
    std::string rest;
    rest.swap(c->ws_in_);
    return c->ws_reader_.Feed(rest.data(), rest.size(), &c->in_, &c->wire_);
  }
  // A pong is framed by the reader already, so it goes to the wire directly.
  const size_t wire_before = c->wire_.size();
  if (!c->ws_reader_.Feed(data, n, &c->in_, &c->wire_)) return false;
  if (c->wire_.size() != wire_before) MarkDirty(c);
  return true;
}

void LoadLoop::Service(LoadClient* c, uint32_t events) {
  if (c->state_ == LoadClient::State::kTcpConnecting && (events & (EPOLLOUT | EPOLLERR))) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      Drop(c);
      return;
    }
    if (ws_path_.empty()) {
      c->state_ = LoadClient::State::kWaitConnack;
    } else {
      c->state_ = LoadClient::State::kWsHandshake;
      c->wire_ = WsUpgradeRequest(host_, port_, ws_path_);
    }
    MarkDirty(c);
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    char buf[65536];
    while (c->fd_ >= 0) {
      ssize_t r = recv(c->fd_, buf, sizeof buf, 0);
      if (r > 0) {
        if (!Received(c, buf, static_cast<size_t>(r))) {
          Drop(c);
          return;
        }
        if (static_cast<size_t>(r) < sizeof buf) break;
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      Drop(c);  // closed by the broker, or an error
      return;
    }
    if (!c->HandleInput()) {
      Drop(c);
      return;
    }
  }
  if (c->fd_ >= 0) MarkDirty(c);
}

bool LoadLoop::RunUntil(const std::function<bool()>& done, double timeout_s,
                        const std::function<void()>& tick, int tick_ms) {
  const int64_t deadline = NowNs() + static_cast<int64_t>(timeout_s * 1e9);
  epoll_event events[256];
  while (true) {
    if (tick) tick();
    // Callbacks may queue output on any client, even one flushed earlier in this round.
    while (!dirty_.empty()) {
      std::vector<LoadClient*> round;
      round.swap(dirty_);
      for (LoadClient* c : round) {
        c->dirty_ = false;
        Flush(c);
      }
    }
    if (done()) return true;
    int64_t now = NowNs();
    if (now >= deadline) return false;
    if (now - last_misc_ns_ > 1000000000) {  // keepalive pings for clients that sent nothing
      last_misc_ns_ = now;
      for (auto& c : clients_) {
        if (c->state_ == LoadClient::State::kConnected && c->options_.keepalive_s > 0 &&
            now - c->last_write_ns_ > int64_t{c->options_.keepalive_s} * 500000000) {
          c->out_.push_back(static_cast<char>(kPingreq));
          c->out_.push_back(0);
          MarkDirty(c.get());
        }
      }
    }
    int n = epoll_wait(epoll_fd_, events, 256, tick ? tick_ms : 5);
    for (int i = 0; i < n; ++i) {
      Service(static_cast<LoadClient*>(events[i].data.ptr), events[i].events);
    }
  }
}

}  // namespace imchat::bench
