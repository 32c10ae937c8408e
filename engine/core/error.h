// Errors for bad input. Every message names the field, what was found and what is allowed,
// so the CLI can print it as one line and the GUI can show it next to the control.
#pragma once
#include <stdexcept>
#include <string>

namespace attn {

class InputError : public std::runtime_error {
 public:
  InputError(std::string field, const std::string& message)
      : std::runtime_error(field.empty() ? message : field + ": " + message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// Shape checks stay on in release builds: they are cheap and their messages are the contract.
inline void require(bool ok, const std::string& field, const std::string& message) {
  if (!ok) throw InputError(field, message);
}

std::string shape_str(long rows, long cols);

}  // namespace attn
