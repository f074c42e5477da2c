// epoll-driven libmosquitto clients. libmosquitto only queues packets published from inside
// its callbacks, so clients that gained output are marked dirty and their write interest is
// refreshed after each dispatch round.
#include "load_loop.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

namespace imchat::bench {

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

namespace {

LoadClient* Self(void* userdata) { return static_cast<LoadClient*>(userdata); }

struct LibInit {
  LibInit() { mosquitto_lib_init(); }
};

}  // namespace

bool LoadClient::Publish(const std::string& topic, const void* payload, int len, int qos) {
  int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), len, payload, qos, false);
  loop_->MarkDirty(this);
  return rc == MOSQ_ERR_SUCCESS;
}

bool LoadClient::Subscribe(const std::vector<std::string>& filters, int qos) {
  std::vector<char*> subs;
  for (const auto& f : filters) subs.push_back(const_cast<char*>(f.c_str()));
  int rc = mosquitto_subscribe_multiple(mosq_, nullptr, static_cast<int>(subs.size()), subs.data(),
                                        qos, 0, nullptr);
  loop_->MarkDirty(this);
  return rc == MOSQ_ERR_SUCCESS;
}

void LoadClient::Disconnect() {
  mosquitto_disconnect(mosq_);
  loop_->MarkDirty(this);
}

LoadLoop::LoadLoop(std::string host, int port)
    : host_(std::move(host)), port_(port), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  static LibInit init;
}

LoadLoop::~LoadLoop() {
  for (auto& c : clients_) mosquitto_destroy(c->mosq_);
  close(epoll_fd_);
}

LoadClient* LoadLoop::Add(const ClientOptions& options) {
  std::unique_ptr<LoadClient> client(new LoadClient());
  client->options_ = options;
  client->loop_ = this;
  LoadClient* c = client.get();
  c->mosq_ = mosquitto_new(options.client_id.c_str(), options.clean_start, c);
  mosquitto_int_option(c->mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  // The broker allows 100 in flight per client (max_inflight_messages); let both directions use it.
  mosquitto_int_option(c->mosq_, MOSQ_OPT_RECEIVE_MAXIMUM, 100);
  mosquitto_int_option(c->mosq_, MOSQ_OPT_SEND_MAXIMUM, 100);
  // Like the broker (set_tcp_nodelay): without it Nagle holds small packets for the peer's
  // delayed ACK, adding ~40 ms whenever a client both sends and receives.
  mosquitto_int_option(c->mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  if (!options.username.empty()) {
    mosquitto_username_pw_set(c->mosq_, options.username.c_str(), options.password.c_str());
  }
  mosquitto_connect_v5_callback_set(
      c->mosq_, [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
        LoadClient* me = Self(self);
        me->connected_ = rc == 0;
        if (rc != 0) me->failed_ = true;
        if (me->on_connect) me->on_connect(rc);
      });
  mosquitto_message_callback_set(c->mosq_, [](mosquitto*, void* self, const mosquitto_message* m) {
    LoadClient* me = Self(self);
    if (me->on_message) {
      me->on_message(m->topic, static_cast<const char*>(m->payload), m->payloadlen);
    }
  });
  mosquitto_publish_callback_set(c->mosq_, [](mosquitto*, void* self, int mid) {
    if (Self(self)->on_publish) Self(self)->on_publish(mid);
  });
  mosquitto_subscribe_callback_set(c->mosq_, [](mosquitto*, void* self, int mid, int, const int*) {
    if (Self(self)->on_subscribe) Self(self)->on_subscribe(mid);
  });
  clients_.push_back(std::move(client));
  return c;
}

bool LoadLoop::Connect(LoadClient* c) {
  int rc;
  if (c->options_.session_expiry_s > 0) {
    // libmosquitto 2.0 has no asynchronous connect with CONNECT properties; a blocking TCP
    // connect to localhost is quick, and only the persistent-session runs need it.
    mosquitto_property* props = nullptr;
    mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                 static_cast<uint32_t>(c->options_.session_expiry_s));
    rc = mosquitto_connect_bind_v5(c->mosq_, host_.c_str(), port_, c->options_.keepalive_s, nullptr,
                                   props);
    mosquitto_property_free_all(&props);
  } else {
    rc = mosquitto_connect_async(c->mosq_, host_.c_str(), port_, c->options_.keepalive_s);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    c->failed_ = true;
    return false;
  }
  c->fd_ = mosquitto_socket(c->mosq_);
  c->events_ = EPOLLIN | EPOLLOUT;
  epoll_event ev{};
  ev.events = c->events_;
  ev.data.ptr = c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->fd_, &ev);
  return true;
}

void LoadLoop::Remove(LoadClient* c) {
  Drop(c);
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), c), dirty_.end());
  mosquitto_destroy(c->mosq_);
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

void LoadLoop::UpdateInterest(LoadClient* c) {
  if (c->fd_ < 0) return;
  // A socket closed by libmosquitto (disconnect, error) leaves the loop.
  if (mosquitto_socket(c->mosq_) < 0) {
    Drop(c);
    return;
  }
  uint32_t want = mosquitto_want_write(c->mosq_) ? (EPOLLIN | EPOLLOUT) : uint32_t{EPOLLIN};
  if (want == c->events_) return;
  c->events_ = want;
  epoll_event ev{};
  ev.events = want;
  ev.data.ptr = c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd_, &ev);
}

void LoadLoop::Drop(LoadClient* c) {
  if (c->fd_ >= 0) {
    // A socket libmosquitto already closed left epoll by itself, and its number may belong to
    // a newer client by now.
    if (mosquitto_socket(c->mosq_) == c->fd_) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd_, nullptr);
    c->fd_ = -1;
  }
  if (c->connected_ || !c->failed_) {
    c->connected_ = false;
    c->failed_ = true;
    if (c->on_disconnect) c->on_disconnect();
  }
}

void LoadLoop::Service(LoadClient* c, uint32_t events) {
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    if (mosquitto_loop_read(c->mosq_, 1) != MOSQ_ERR_SUCCESS) {
      Drop(c);
      return;
    }
  }
  if ((events & EPOLLOUT) && c->fd_ >= 0) {
    if (mosquitto_loop_write(c->mosq_, 1) != MOSQ_ERR_SUCCESS) {
      Drop(c);
      return;
    }
  }
  MarkDirty(c);
}

bool LoadLoop::RunUntil(const std::function<bool()>& done, double timeout_s,
                        const std::function<void()>& tick, int tick_ms) {
  const int64_t deadline = NowNs() + static_cast<int64_t>(timeout_s * 1e9);
  epoll_event events[256];
  while (true) {
    if (tick) tick();
    for (LoadClient* c : dirty_) {
      c->dirty_ = false;
      UpdateInterest(c);
    }
    dirty_.clear();
    if (done()) return true;
    int64_t now = NowNs();
    if (now >= deadline) return false;
    if (now - last_misc_ns_ > 1000000000) {  // keepalive pings
      last_misc_ns_ = now;
      for (auto& c : clients_) {
        if (c->fd_ >= 0) mosquitto_loop_misc(c->mosq_);
      }
    }
    int n = epoll_wait(epoll_fd_, events, 256, tick ? tick_ms : 5);
    for (int i = 0; i < n; ++i) {
      Service(static_cast<LoadClient*>(events[i].data.ptr), events[i].events);
    }
  }
}

}  // namespace imchat::bench
