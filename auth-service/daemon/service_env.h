// What every part of the service works with: the store, the output, server.log
// and the clock. The Service owns them (or is given them) and hands each part
// a ServiceEnv; a part keeps its own copy (references and the clock function).
#ifndef IMCHAT_DAEMON_SERVICE_ENV_H_
#define IMCHAT_DAEMON_SERVICE_ENV_H_

#include "server_log.h"
#include "service_options.h"
#include "service_output.h"
#include "store.h"

namespace imchat {

struct ServiceEnv {
  Store& store;
  ServiceOutput& out;
  ServerLog& log;
  ServiceClock clock;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_SERVICE_ENV_H_
