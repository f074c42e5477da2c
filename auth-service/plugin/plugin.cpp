// Entry points of imchat_auth.so (Mosquitto plugin API v5) and option parsing.
//
//   plugin /usr/lib/imchat/imchat_auth.so
//   plugin_opt_users_file /etc/imchat/users.txt            (required)
//   plugin_opt_service_password_file /run/secrets/...       (required; first line)
//   plugin_opt_service_user imchat-service                  (optional)
//   plugin_opt_lockout_seconds 60 / plugin_opt_max_failures 3 (optional)
//   plugin_opt_sessions_file /var/lib/imchat/imchat-sessions.json (optional; warned)
//   plugin_opt_session_owner_days 31                        (optional)
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "imchat_plugin.h"
#include "names.h"
#include "secret_file.h"
#include "topics.h"

using imchat::plugin::State;

namespace {

State* g_state = nullptr;

bool ParseNumber(const char* text, double min, double max, double* out) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

// Fills `opts`; logs and returns false on a missing or invalid option.
bool ParseOptions(mosquitto_opt* raw, int count, imchat::plugin::Options* opts) {
  for (int i = 0; i < count; ++i) {
    const std::string key = raw[i].key ? raw[i].key : "";
    const char* value = raw[i].value ? raw[i].value : "";
    double number = 0;
    if (key == "users_file") {
      opts->users_file = value;
    } else if (key == "service_user") {
      opts->service_user = value;
    } else if (key == "service_password_file") {
      opts->service_password_file = value;
    } else if (key == "lockout_seconds") {
      if (!ParseNumber(value, 0, 86400 * 365, &number)) {
        mosquitto_log_printf(
            MOSQ_LOG_ERR,
            "imchat: plugin_opt_lockout_seconds '%s' is not a number of seconds (0-31536000)",
            value);
        return false;
      }
      opts->lockout_seconds = number;
    } else if (key == "max_failures") {
      if (!ParseNumber(value, 1, 1000, &number)) {
        mosquitto_log_printf(MOSQ_LOG_ERR,
                             "imchat: plugin_opt_max_failures '%s' is not a whole number 1-1000",
                             value);
        return false;
      }
      opts->max_failures = static_cast<int>(number);
    } else if (key == "sessions_file") {
      opts->sessions_file = value;
    } else if (key == "session_owner_days") {
      if (!ParseNumber(value, 1, 36500, &number)) {
        mosquitto_log_printf(MOSQ_LOG_ERR,
                             "imchat: plugin_opt_session_owner_days '%s' is not a number 1-36500",
                             value);
        return false;
      }
      opts->session_owner_days = number;
    } else {
      mosquitto_log_printf(MOSQ_LOG_WARNING, "imchat: unknown option plugin_opt_%s ignored",
                           key.c_str());
    }
  }
  if (opts->users_file.empty()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: plugin_opt_users_file is required");
    return false;
  }
  if (opts->service_password_file.empty()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: plugin_opt_service_password_file is required");
    return false;
  }
  std::string why = imchat::NameError(opts->service_user);
  if (!why.empty()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: plugin_opt_service_user '%s' is invalid: %s",
                         imchat::Printable(opts->service_user).c_str(), why.c_str());
    return false;
  }
  return true;
}

}  // namespace

extern "C" {

int mosquitto_plugin_version(int supported_version_count, const int* supported_versions) {
  for (int i = 0; i < supported_version_count; ++i) {
    if (supported_versions[i] == 5) return 5;
  }
  return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata,
                          mosquitto_opt* options, int option_count) {
  auto state = std::make_unique<State>();
  state->id = identifier;
  if (!ParseOptions(options, option_count, &state->options)) return MOSQ_ERR_INVAL;
  auto password = imchat::ReadSecretFile(state->options.service_password_file);
  if (!password.ok()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: %s", password.message().c_str());
    return MOSQ_ERR_INVAL;
  }
  state->service_password = std::move(*password);
  state->users_reloader = std::make_unique<imchat::UsersReloader>(state->options.users_file,
                                                                  state->options.service_user);
  auto users = state->users_reloader->Load();
  if (!users.ok()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: invalid users file: %s", users.message().c_str());
    return MOSQ_ERR_INVAL;
  }
  state->users = std::move(*users);
  state->lockout = std::make_unique<imchat::Lockout>(&state->clock, state->options.max_failures,
                                                     state->options.lockout_seconds);
  if (!imchat::plugin::LoadSessionOwners(*state)) return MOSQ_ERR_INVAL;
  state->id_prefix = imchat::plugin::Base36(static_cast<std::uint64_t>(imchat::plugin::NowMs()));

  using namespace imchat::plugin;
  struct {
    int event;
    MOSQ_FUNC_generic_callback cb;
    const char* data;
  } callbacks[] = {
      {MOSQ_EVT_BASIC_AUTH, OnBasicAuth, nullptr},
      {MOSQ_EVT_ACL_CHECK, OnAclCheck, nullptr},
      {MOSQ_EVT_MESSAGE, OnMessage, nullptr},
      {MOSQ_EVT_DISCONNECT, OnDisconnect, nullptr},
      {MOSQ_EVT_RELOAD, OnReload, nullptr},
      {MOSQ_EVT_TICK, OnTick, nullptr},
      {MOSQ_EVT_TICK, OnSessionsTick, nullptr},
      {MOSQ_EVT_TICK, OnOutboundTick, nullptr},
      {MOSQ_EVT_CONTROL, OnControl, imchat::kControlTopic},
  };
  for (const auto& c : callbacks) {
    int rc = mosquitto_callback_register(identifier, c.event, c.cb, c.data, state.get());
    if (rc != MOSQ_ERR_SUCCESS) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "imchat: cannot register callback for event %d: %s",
                           c.event, mosquitto_strerror(rc));
      return rc;
    }
  }
  mosquitto_log_printf(MOSQ_LOG_INFO, "imchat: plugin ready: %zu users from %s, service user '%s'",
                       state->users.size(), state->options.users_file.c_str(),
                       state->options.service_user.c_str());
  if (!imchat::plugin::CanTellCleanDisconnect()) {
    mosquitto_log_printf(MOSQ_LOG_WARNING,
                         "imchat: this broker does not export handle__disconnect; every logout "
                         "will read \"lost\" instead of \"quit\"");
  }
  imchat::plugin::StartWakeUp(*state);
  g_state = state.release();
  *userdata = g_state;
  return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_cleanup(void* userdata, mosquitto_opt* options, int option_count) {
  (void)options;
  (void)option_count;
  State* state = static_cast<State*>(userdata);
  if (state) {
    const struct {
      int event;
      MOSQ_FUNC_generic_callback cb;
      const char* data;
    } callbacks[] = {
        {MOSQ_EVT_BASIC_AUTH, imchat::plugin::OnBasicAuth, nullptr},
        {MOSQ_EVT_ACL_CHECK, imchat::plugin::OnAclCheck, nullptr},
        {MOSQ_EVT_MESSAGE, imchat::plugin::OnMessage, nullptr},
        {MOSQ_EVT_DISCONNECT, imchat::plugin::OnDisconnect, nullptr},
        {MOSQ_EVT_RELOAD, imchat::plugin::OnReload, nullptr},
        {MOSQ_EVT_TICK, imchat::plugin::OnTick, nullptr},
        {MOSQ_EVT_TICK, imchat::plugin::OnSessionsTick, nullptr},
        {MOSQ_EVT_TICK, imchat::plugin::OnOutboundTick, nullptr},
        {MOSQ_EVT_CONTROL, imchat::plugin::OnControl, imchat::kControlTopic},
    };
    for (const auto& c : callbacks) mosquitto_callback_unregister(state->id, c.event, c.cb, c.data);
    imchat::plugin::SaveSessionOwners(*state, true);
    imchat::plugin::StopWakeUp(*state);
  }
  delete state;
  g_state = nullptr;
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
