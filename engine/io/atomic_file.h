// Atomic file output: write to a temporary file in the same folder, then rename over the target,
// so a reader never sees a half-written file and a failed write leaves the old file in place.
#pragma once
#include <string>

namespace attn {

// Writes `data` to `path` atomically ("-" writes to stdout). Throws InputError("output", ...) with
// the reason (folder missing, permission denied, disk full) when it cannot.
void write_file_atomic(const std::string& path, const std::string& data);

// Reads a whole file ("-" reads stdin). Throws InputError(field, ...) when it cannot.
std::string read_file(const std::string& path, const std::string& field = "input");

}  // namespace attn
