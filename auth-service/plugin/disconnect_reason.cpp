// Tells a clean DISCONNECT from a lost connection.
//
// Mosquitto 2.0.x (checked up to 2.0.18) calls the DISCONNECT event with
// reason -1 in every case, so the event itself cannot say "quit" or "lost".
// The broker exports its internal symbols, and a clean DISCONNECT is the only
// path that reaches the event through handle__disconnect (the packet handler);
// lost connections come from the socket loop, keepalive checks or takeovers.
// So we look for that function among our callers. When the symbol is missing
// (another broker build) every disconnect we did not cause counts as "lost".
#include <dlfcn.h>
#include <execinfo.h>

#include "imchat_plugin.h"

namespace imchat::plugin {

namespace {
void* HandleDisconnectAddress() {
  static void* address = dlsym(RTLD_DEFAULT, "handle__disconnect");
  return address;
}
}  // namespace

bool CanTellCleanDisconnect() {
  // The first backtrace() loads the unwinder; do that at start-up, not in a callback.
  void* frame[1];
  backtrace(frame, 1);
  return HandleDisconnectAddress() != nullptr;
}

bool InCleanDisconnect() {
  void* target = HandleDisconnectAddress();
  if (!target) return false;
  void* frames[24];
  int n = backtrace(frames, 24);
  for (int i = 0; i < n; ++i) {
    Dl_info info;
    if (dladdr(frames[i], &info) && info.dli_saddr == target) return true;
  }
  return false;
}

}  // namespace imchat::plugin
