#include "engine/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <vector>

#include "engine/core/error.h"

namespace attn {

void write_file_atomic(const std::string& path, const std::string& data) {
  if (path == "-") {
    std::cout << data;
    std::cout.flush();
    return;
  }
  require(!path.empty(), "output", "the output path is empty");
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  require(!base.empty(), "output", "'" + path + "' names a folder, not a file");
  std::string tmpl = dir + "/." + base + ".tmpXXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  const int fd = mkstemp(buf.data());
  if (fd < 0)
    throw InputError("output", "cannot write '" + path + "': " + std::strerror(errno) + " (in folder '" + dir + "')");
  const std::string tmp(buf.data());
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw InputError("output", "cannot write '" + path + "': " + why);
    }
    p += n;
    left -= size_t(n);
  }
  fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw InputError("output", "cannot write '" + path + "': " + why);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw InputError("output", "cannot write '" + path + "': " + why);
  }
}

std::string read_file(const std::string& path, const std::string& field) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(field, "'" + path + "' is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(field, "cannot open '" + path + "': " + std::strerror(errno));
  // A regular file is read in one piece into a buffer of its size (a model's weights can be
  // hundreds of MB: a growing stream buffer would copy them several times over).
  const auto size = std::filesystem::is_regular_file(path, ec) ? std::filesystem::file_size(path, ec) : 0;
  if (!ec && size > 0) {
    std::string data(size, '\0');
    in.read(data.data(), std::streamsize(size));
    if (in.gcount() == std::streamsize(size) && in.peek() == std::char_traits<char>::eof()) return data;
    in.clear();  // the file changed while we read it: read it again as a stream
    in.seekg(0);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError(field, "cannot read '" + path + "'");
  return ss.str();
}

}  // namespace attn
