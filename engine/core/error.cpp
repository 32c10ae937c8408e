#include "engine/core/error.h"

namespace attn {

std::string shape_str(long rows, long cols) {
  return "(" + std::to_string(rows) + " x " + std::to_string(cols) + ")";
}

}  // namespace attn
