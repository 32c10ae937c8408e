// Runs the real GUI on a private Xvfb display for tests: starts Xvfb (-displayfd picks a free
// display), launches attnscope with a temporary HOME and --dump-widgets, waits for the widget
// file, drives it with xdotool, and grabs the screen with ImageMagick's `import`, decoded with
// stb_image. Everything is torn down in the destructor.
#pragma once
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <stb_image.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace attn::testing {

struct Rgb {
  int r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};
inline std::ostream& operator<<(std::ostream& os, const Rgb& c) {
  return os << "(" << c.r << ", " << c.g << ", " << c.b << ")";
}

struct Image {
  int w = 0, h = 0;
  std::vector<unsigned char> rgb;
  Rgb at(int x, int y) const {
    const unsigned char* p = rgb.data() + (size_t(y) * w + x) * 3;
    return {p[0], p[1], p[2]};
  }
};

struct Rect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int cx() const { return (x0 + x1) / 2; }
  int cy() const { return (y0 + y1) / 2; }
};

inline std::string slurp_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Image load_png(const std::string& path) {
  Image img;
  int n = 0;
  unsigned char* data = stbi_load(path.c_str(), &img.w, &img.h, &n, 3);
  if (!data) return img;
  img.rgb.assign(data, data + size_t(img.w) * img.h * 3);
  stbi_image_free(data);
  return img;
}

inline int run_shell(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

class GuiSession {
 public:
  // home: the HOME (and XDG) folder to use; pass the same folder twice to test restore.
  explicit GuiSession(const std::string& home) : home_(home) {
    std::filesystem::create_directories(home_);
    const std::string fd_file = home_ + "/display";
    std::filesystem::remove(fd_file);
    xvfb_ = fork();
    if (xvfb_ == 0) {
      const int fd = ::open(fd_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 3);
      const int devnull = ::open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execlp("Xvfb", "Xvfb", "-displayfd", "3", "-screen", "0", "1600x1000x24", "-nolisten", "tcp", (char*)nullptr);
      _exit(127);
    }
    for (int i = 0; i < 100 && display_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::string s = slurp_file(fd_file);
      while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
      if (!s.empty()) display_ = ":" + s;
    }
  }

  ~GuiSession() {
    stop_app();
    if (xvfb_ > 0) {
      kill(xvfb_, SIGTERM);
      waitpid(xvfb_, nullptr, 0);
    }
  }

  bool has_display() const { return !display_.empty(); }
  std::string env() const {
    return "env DISPLAY=" + display_ + " HOME='" + home_ + "' XDG_DATA_HOME='" + home_ + "/data' XDG_CONFIG_HOME='" + home_ +
           "/config' ";
  }
  std::string widgets_path() const { return home_ + "/widgets.json"; }

  // Starts the app with extra arguments and waits until it has drawn (the widget file exists).
  bool start_app(const std::string& args) {
    std::filesystem::remove(widgets_path());
    app_ = fork();
    if (app_ == 0) {
      const std::string cmd = "cd '" + home_ + "' && exec " + env() + "'" + std::string(ATTNSCOPE_BIN) + "' --dump-widgets '" + widgets_path() + "' " + args +
                              " >'" + home_ + "/app.log' 2>&1";
      execl("/bin/sh", "sh", "-c", cmd.c_str(), (char*)nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (std::filesystem::exists(widgets_path())) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        return true;
      }
      int st = 0;
      if (waitpid(app_, &st, WNOHANG) == app_) {
        app_ = -1;
        return false;
      }
    }
    return false;
  }

  // Waits for the app to exit by itself (e.g. after Ctrl+Q); returns its exit code or -1.
  int wait_app_exit(double seconds) {
    if (app_ <= 0) return -1;
    for (int i = 0; i < int(seconds * 10); ++i) {
      int st = 0;
      if (waitpid(app_, &st, WNOHANG) == app_) {
        app_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
  }

  void stop_app() {
    if (app_ > 0) {
      kill(app_, SIGTERM);
      waitpid(app_, nullptr, 0);
      app_ = -1;
    }
  }

  // Named widget rectangles written by the app (window coordinates; the window sits at 0,0).
  Rect widget(const std::string& name) {
    const nlohmann::json j = nlohmann::json::parse(slurp_file(widgets_path()));
    if (!j.contains(name)) {
      ADD_FAILURE() << "widget '" << name << "' not in " << widgets_path();
      return {};
    }
    const auto& r = j[name];
    return {r["x0"].get<int>(), r["y0"].get<int>(), r["x1"].get<int>(), r["y1"].get<int>()};
  }
  // Waits (up to `seconds`) until the app has drawn the named widget; true if it has.
  bool wait_widget(const std::string& name, double seconds = 8.0) {
    for (int i = 0; i < int(seconds * 10); ++i) {
      if (has_widget(name)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));  // one more frame to settle
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  bool has_widget(const std::string& name) {
    return nlohmann::json::parse(slurp_file(widgets_path())).contains(name);
  }

  // xdotool steps separated by ';', e.g. "mousemove 10 20 click 1;type hello".
  void xdo(const std::string& steps, int settle_ms = 700) {
    std::stringstream ss(steps);
    std::string step;
    while (std::getline(ss, step, ';')) {
      run_shell(env() + "xdotool " + step + " >/dev/null 2>&1");
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms));
  }
  void click(int x, int y) { xdo("mousemove " + std::to_string(x) + " " + std::to_string(y) + " click 1"); }

  Image screenshot(const std::string& name) {
    const std::string path = home_ + "/" + name;
    run_shell(env() + "import -window root '" + path + "' >/dev/null 2>&1");
    Image img = load_png(path);
    if (img.w == 0) ADD_FAILURE() << "cannot read screenshot " << path;
    return img;
  }

  std::string app_log() const { return slurp_file(home_ + "/app.log"); }
  const std::string& home() const { return home_; }

 private:
  std::string home_, display_;
  pid_t xvfb_ = -1, app_ = -1;
};

}  // namespace attn::testing
