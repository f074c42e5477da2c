// The service password file (plugin_opt_service_password_file for the broker
// plugin, --service-password-file for the daemon): both read it here, so they
// always agree on the password.
//
// Rule: the password is the file's first line with trailing whitespace (spaces,
// tabs, CR) removed; leading whitespace is kept and later lines are ignored. A
// file written on Windows (CRLF) or by `echo "secret  " > file` thus yields
// "secret". An empty result is an error, never an empty password.
#ifndef IMCHAT_CORE_SECRET_FILE_H_
#define IMCHAT_CORE_SECRET_FILE_H_

#include <string>
#include <string_view>

#include "status.h"

namespace imchat {

// The password in `text` (a whole file's contents) by the rule above. `label`
// names the file in the error ("the service password file '/run/x' ...").
Result<std::string> ParseSecret(std::string_view text, std::string_view label);

// Reads the file at `path` and applies ParseSecret; an unreadable file, or one
// that is not a regular file, is an error naming the path.
Result<std::string> ReadSecretFile(const std::string& path);

}  // namespace imchat

#endif  // IMCHAT_CORE_SECRET_FILE_H_
